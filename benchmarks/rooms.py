"""How the station does in real rooms: reverberation, a loudspeaker next to the microphone or a
headset, and babble, appliance or white noise at 30, 20 and 10 dB under the trainee.

    .venv/bin/python -m benchmarks.rooms [--quick] [--split dev|heldout|both] [--setup speaker]
        [--noise babble] [--snr 10] [--rt60 0.7] [--rounds N] [--limit N] [--burst] [--show-misses]

Rounds come from :mod:`benchmarks.roomsim` (pyroomacoustics image-source rooms); each goes
through ``analyse_recording`` with pocketsphinx and score it against the scenario, exactly as a
saved round is scored. Per condition (set-up x noise x SNR x RT60) it prints the pause error,
the interruption, acknowledgement and no-reply cases right, phantom speech (detected trainee
speech where the trainee said nothing), the reply's word error rate, rounds judged wrong
while not marked unreliable ("confidently wrong"), and the time per round.

The held-out split is for reporting only: nobody tunes thresholds on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from benchmarks import roomsim
from benchmarks.roomsim import BURST_CASE, CASES, SPLITS, VOICES, Case, Condition, Truth, words_of
from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer
from tutor.round import RoundResult, analyse_recording
from tutor.scoring import Scorecard
from tutor.settings import Settings

PAUSE_TOLERANCE_S = 0.15
PHANTOM_SLACK_S = 0.15
SEED_BASE = {"dev": 0, "heldout": 100_000}  # held-out rounds never share a seed with development
ROOMS_PER_CELL = 2  # rooms per (split, set-up, RT60); every noise condition uses the same ones
QUICK = (("speaker", "none", None), ("speaker", "babble", 20.0), ("speaker", "appliance", 10.0),
         ("headset", "babble", 10.0), ("headset", "white", 20.0))
QUICK_RT60 = {"dev": 0.4, "heldout": 0.55}


@dataclass(frozen=True)
class Job:
    condition: Condition
    case: Case
    voice: str
    seed: int
    room: int


@dataclass
class Outcome:
    """One round judged against its truth."""

    job: Job
    truth: Truth
    pause_error_s: float | None  # with a reply both true and found
    reply_right: bool
    interruptions: int
    acknowledgements: int
    phantoms: int
    phantoms_wordless: int
    word_errors: int
    reference_words: int
    pause_reliable: bool
    turn_reliable: bool
    analyse_ms: float
    recognise_ms: float
    reasons: list[str] = field(default_factory=list)

    @property
    def pause_wrong(self) -> bool:
        return not self.reply_right or (self.pause_error_s is not None
                                         and abs(self.pause_error_s) > PAUSE_TOLERANCE_S)

    @property
    def turn_wrong(self) -> bool:
        return (self.interruptions != self.truth.interruptions
                or self.acknowledgements != self.truth.acknowledgements)

    @property
    def wrong(self) -> bool:
        return self.pause_wrong or self.turn_wrong

    @property
    def confidently_wrong(self) -> bool:
        return (self.pause_wrong and self.pause_reliable) or (self.turn_wrong and self.turn_reliable)

    @property
    def unreliable(self) -> bool:
        return not (self.pause_reliable and self.turn_reliable)


def word_errors(reference: str, hypothesis: str) -> int:
    """Word-level edit distance (substitutions, insertions, deletions)."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


def judge(job: Job, truth: Truth, result: RoundResult, card: Scorecard) -> Outcome:
    """Compare what the station made of a round with what happened."""
    found = card.pause_s is not None
    error = None
    if card.pause_s is not None and truth.pause_s is not None:
        error = card.pause_s - truth.pause_s
    phantoms = wordless = 0
    words = [w for u in result.utterances for w in u.words]
    for span in result.timing.speech:
        if any(span.start_s < t.end_s + PHANTOM_SLACK_S and span.end_s > t.start_s - PHANTOM_SLACK_S
               for t in truth.speech):
            continue
        phantoms += 1
        if not any(span.start_s - PHANTOM_SLACK_S <= (w.start_s + w.end_s) / 2 <= span.end_s + PHANTOM_SLACK_S
                   for w in words):
            wordless += 1
    reference = truth.text
    errors = word_errors(reference, words_of(result.transcript)) if not truth.no_reply else 0
    outcome = Outcome(
        job=job, truth=truth, pause_error_s=error, reply_right=found != truth.no_reply,
        interruptions=len(card.interruptions), acknowledgements=len(card.backchannels),
        phantoms=phantoms, phantoms_wordless=wordless, word_errors=errors,
        reference_words=len(reference.split()) if not truth.no_reply else 0,
        pause_reliable=bool(getattr(card.pause, "reliable", True)),
        turn_reliable=bool(getattr(card.turn_taking, "reliable", True)),
        analyse_ms=result.timings_ms.get("analyse", 0.0),
        recognise_ms=result.timings_ms.get("recognise", 0.0))
    if not outcome.reply_right and not truth.no_reply:
        outcome.reasons.append("reply missed")
    elif not outcome.reply_right:
        outcome.reasons.append(f"reply found where there was none (pause {card.pause_s or 0.0:.2f} s)")
    elif error is not None and abs(error) > PAUSE_TOLERANCE_S:
        outcome.reasons.append(f"pause off by {error:+.2f} s (true {truth.pause_s:.2f} s)")
    for what, want, got in (("interruptions", truth.interruptions, card.interruptions),
                            ("acknowledgements", truth.acknowledgements, card.backchannels)):
        if len(got) != want:
            heard = "; ".join(f"{o.start_s:.2f}-{o.end_s:.2f} s {o.during} '{o.text}'" for o in got)
            outcome.reasons.append(f"{len(got)} {what} (want {want}): {heard or 'none'}")
    if outcome.wrong:
        marks = [name for name, ok in (("pause", outcome.pause_reliable), ("turn", outcome.turn_reliable))
                 if not ok]
        outcome.reasons.append(f"marked unreliable: {', '.join(marks)}" if marks else "not marked unreliable")
    return outcome


def plan(split: str, args: argparse.Namespace) -> list[Job]:
    """The rounds to run for ``split``, round-robin over conditions (so --limit spreads)."""
    grid = roomsim.conditions(split)
    if args.quick:
        rt60 = QUICK_RT60[split]
        grid = [c for c in grid if (c.setup, c.noise, c.snr_db) in QUICK and c.rt60_s == rt60]
    def wanted(c: Condition) -> bool:
        # --snr picks among the noisy conditions; the quiet ones stay only with --noise none
        snr_ok = c.snr_db in (args.snr or []) if c.snr_db is not None else "none" in (args.noise or [])
        return ((not args.setup or c.setup in args.setup) and (not args.noise or c.noise in args.noise)
                and (not args.snr or snr_ok)
                and (not args.rt60 or any(abs(c.rt60_s - r) < 1e-6 for r in args.rt60)))

    grid = [c for c in grid if wanted(c)]
    cases = (*CASES, BURST_CASE) if args.burst else CASES
    rounds = args.rounds or 4
    jobs: list[Job] = []
    for i in range(rounds):
        for index, condition in enumerate(grid):
            # cases and voices rotate from cell to cell, so every case meets every voice
            case = cases[(index * rounds + i) % len(cases)]
            voice = VOICES[(index + i) % len(VOICES)]
            seed = SEED_BASE[split] + 1000 * index + i
            jobs.append(Job(condition, case, voice, seed, room=i % ROOMS_PER_CELL))
    return jobs[: args.limit] if args.limit else jobs


def run(jobs: Sequence[Job], recognizer: PocketsphinxRecognizer, settings: Settings, scenario_id: str,
        save_misses: Path | None) -> list[Outcome]:
    scenario = roomsim.scenario(scenario_id)
    outcomes = []
    for job in tqdm(jobs, desc="rounds", file=sys.stderr, leave=False):
        audio, truth = roomsim.build_round(job.condition, job.case, job.voice, job.seed, room=job.room,
                                           scenario_id=scenario_id)
        result = analyse_recording(audio, recognizer, settings)
        result = result.scored(scenario, settings)
        card = result.score
        assert card is not None
        outcome = judge(job, truth, result, card)
        outcomes.append(outcome)
        if save_misses is not None and outcome.wrong:
            name = f"{job.condition.split}-{job.condition.setup}-{job.condition.noise}-{job.seed}.wav"
            roomsim.save_round(save_misses / name, audio)
    return outcomes


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{1000 * value:.0f}"


def _fraction(outcomes: Sequence[Outcome], right: str) -> str:
    checks = {"interruption": lambda o: o.interruptions == o.truth.interruptions,
              "acknowledgement": lambda o: o.acknowledgements == o.truth.acknowledgements,
              "no reply": lambda o: o.reply_right}
    return f"{sum(1 for o in outcomes if checks[right](o))}/{len(outcomes)}"


def figures(outcomes: Sequence[Outcome]) -> dict[str, str]:
    errors = [abs(o.pause_error_s) for o in outcomes if o.pause_error_s is not None]
    words = sum(o.reference_words for o in outcomes)
    snrs = [o.truth.mic_snr_db for o in outcomes if o.truth.mic_snr_db is not None]
    n = len(outcomes)
    return {
        "rounds": str(n),
        "mic SNR": f"{statistics.median(snrs):.0f}" if snrs else "-",
        "pause med": _ms(statistics.median(errors) if errors else None),
        "worst": _ms(max(errors) if errors else None),
        "interr.": _fraction(outcomes, "interruption"),
        "ack.": _fraction(outcomes, "acknowledgement"),
        "no-reply": _fraction(outcomes, "no reply"),
        "phantom": f"{sum(o.phantoms for o in outcomes)}/{sum(o.phantoms_wordless for o in outcomes)}",
        "WER": f"{100 * sum(o.word_errors for o in outcomes) / words:.0f}%" if words else "-",
        "wrong": str(sum(1 for o in outcomes if o.wrong)),
        "conf.wrong": f"{100 * sum(1 for o in outcomes if o.confidently_wrong) / n:.0f}%" if n else "-",
        "unrel.": f"{100 * sum(1 for o in outcomes if o.unreliable) / n:.0f}%" if n else "-",
        "analyse ms": f"{statistics.median(o.analyse_ms for o in outcomes):.0f}" if n else "-",
        "recog. ms": f"{statistics.median(o.recognise_ms for o in outcomes):.0f}" if n else "-",
    }


def table(rows: Sequence[tuple[str, Sequence[Outcome]]], title: str) -> None:
    built = [(label, figures(outcomes)) for label, outcomes in rows if outcomes]
    if not built:
        return
    keys = list(built[0][1])
    width = max(len(title), *(len(label) for label, _ in built))
    widths = {k: max(len(k), *(len(f[k]) for _, f in built)) for k in keys}
    print(f"{title:<{width}}  " + "  ".join(f"{k:>{widths[k]}}" for k in keys))
    for label, f in built:
        print(f"{label:<{width}}  " + "  ".join(f"{f[k]:>{widths[k]}}" for k in keys))


def ordinary_room(condition: Condition) -> bool:
    """A room the station must be right in: the targets' SNR >= 20 dB and RT60 <= 0.4 s."""
    return (condition.snr_db is None or condition.snr_db >= 20.0) and condition.rt60_s <= 0.4 + 1e-9


def summary(split: str, outcomes: Sequence[Outcome]) -> str:
    f = figures(outcomes)
    right = sum(1 for o in outcomes for ok in (o.interruptions == o.truth.interruptions,
                                                o.acknowledgements == o.truth.acknowledgements,
                                                o.reply_right) if ok)
    wordless = sum(o.phantoms_wordless for o in outcomes)
    return (f"{split}: {f['rounds']} rounds; pause error median {f['pause med']} ms, worst {f['worst']} ms; "
            f"cases right {right}/{3 * len(outcomes)}; phantom segments {sum(o.phantoms for o in outcomes)} "
            f"({wordless} without words); WER {f['WER']}; wrong {f['wrong']}; confidently wrong "
            f"{f['conf.wrong']}; marked unreliable {f['unrel.']}")


def report(split: str, outcomes: Sequence[Outcome], show_misses: bool) -> None:
    by_condition: dict[Condition, list[Outcome]] = {}
    for o in outcomes:
        by_condition.setdefault(o.job.condition, []).append(o)
    print(f"\n== {split} ==  (pause error in ms; phantom = segments/without words; "
          "conf.wrong = wrong and not marked unreliable)")
    table([(f"{c.setup} {c.noise} {'-' if c.snr_db is None else f'{c.snr_db:.0f}'} {c.rt60_s:.2f}", rows)
           for c, rows in by_condition.items()], "set-up noise SNR RT60")
    print()
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        c = o.job.condition
        snr = "-" if c.snr_db is None else f"{c.snr_db:.0f}"
        groups.setdefault(f"{c.setup} {c.noise} {snr}", []).append(o)
    table(sorted(groups.items()), "set-up noise SNR, all RT60")
    print()
    by_rt60: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_rt60.setdefault(f"{o.job.condition.setup} RT60 {o.job.condition.rt60_s:.2f}", []).append(o)
    by_case: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_case.setdefault(o.job.case.name, []).append(o)
    table(sorted(by_rt60.items()), "set-up RT60, all noise")
    print()
    table(list(by_case.items()), "case, all conditions")
    print()
    by_voice: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_voice.setdefault(o.job.voice, []).append(o)
    table(sorted(by_voice.items()), "trainee voice")
    print()
    ordinary = [o for o in outcomes if ordinary_room(o.job.condition)]
    hard = [o for o in outcomes if not ordinary_room(o.job.condition)]
    table([("ordinary: SNR >= 20 dB, RT60 <= 0.4 s", ordinary), ("hard: SNR 10 dB or RT60 > 0.4 s", hard)],
          "the targets' two kinds of room")
    if show_misses:
        print()
        for o in outcomes:
            if o.wrong:
                j = o.job
                print(f"  miss [{j.condition.label} | {j.case.name} | {j.voice} | seed {j.seed} room {j.room}"
                      f" | {o.truth.room}]: " + "; ".join(o.reasons))


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def _names(text: str) -> list[str]:
    return text.split(",")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few conditions, 4 rounds each (minutes)")
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both")
    parser.add_argument("--setup", type=_names, help="speaker,headset")
    parser.add_argument("--noise", type=_names, help="none,babble,appliance,white")
    parser.add_argument("--snr", type=_floats, help="30,20,10")
    parser.add_argument("--rt60", type=_floats, help="dev 0.2,0.4,0.7; held-out 0.3,0.55")
    parser.add_argument("--rounds", type=int,
                        help="rounds per condition (default 4; cases and voices rotate over conditions)")
    parser.add_argument("--limit", type=int, help="at most this many rounds per split")
    parser.add_argument("--burst", action="store_true", help="also a wordless noise burst in the pause")
    parser.add_argument("--scenario", default=roomsim.DEFAULT_SCENARIO,
                        help=f"scenario id (e.g. {roomsim.SECOND_SCENARIO})")
    parser.add_argument("--show-misses", action="store_true", help="list every wrong round and why")
    parser.add_argument("--save-misses", type=Path, metavar="DIR", help="save wrong rounds as WAV files")
    parser.add_argument("--suppress", type=int, default=0, metavar="LEVEL",
                        help="noise suppression before recognition, 0 (off) to 4")
    parser.add_argument("--speaker-distance", type=_floats, metavar="LOW,HIGH",
                        help="loudspeaker to microphone, metres (default 0.2,0.5)")
    args = parser.parse_args(argv)
    settings = Settings()
    settings = dataclasses.replace(settings, recognition=dataclasses.replace(
        settings.recognition, noise_suppression=args.suppress))
    if args.speaker_distance:
        low, high = (args.speaker_distance * 2)[:2]
        roomsim.place_loudspeaker(low, high)
    recognizer = PocketsphinxRecognizer(roomsim.RATE)
    print(f"Machine: {platform.machine()}, {platform.processor() or platform.system()}, "
          f"Python {platform.python_version()}; scenario {args.scenario}; suppression {args.suppress}; "
          f"loudspeaker {roomsim.LOUDSPEAKER_DISTANCE_M[0]:g}-{roomsim.LOUDSPEAKER_DISTANCE_M[1]:g} m")
    results: dict[str, list[Outcome]] = {}
    for split in SPLITS if args.split == "both" else (args.split,):
        jobs = plan(split, args)
        if not jobs:
            print(f"{split}: no condition matches the filters")
            continue
        began = time.perf_counter()
        results[split] = run(jobs, recognizer, settings, args.scenario, args.save_misses)
        print(f"\n{split}: {len(jobs)} rounds in {time.perf_counter() - began:.0f} s")
        report(split, results[split], args.show_misses)
    print()
    for split, outcomes in results.items():
        print(summary(split, outcomes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
