"""The end-of-speech wait chosen from figures, and what finishing recognition during it costs.

    .venv/bin/python -m benchmarks.endpoint [--replies N] [--words N] [--no-words]

The replies: the evaluation's labelled replies (benchmarks/data, as benchmarks.words
reads them) spoken by two festival voices (slt, kal) at three rates: slow (0.75 of the
voice's own speed, every pause a third longer), the voice's own, and fast (1.3); and the
five LibriVox recordings of pocketsphinx-testdata, a human reader, at his own rate, alone
and as the evaluation pairs two of them. Each is placed a second after the customer's last
line in the evaluation's quiet room (noise at -65 dBFS, no echo), so every pause is heard
at its full length, and the station's own endpointer (tutor.listening.endpoint) listens.

Pauses: a wait of W seconds cuts a reply short when the reply holds a pause of W or
longer: the round would end while the trainee is still mid-reply. The latency it adds is
the time from the reply's last sound to the endpointer's decision. The wait is chosen
on the development replies only (benchmarks.words' dev split): the shortest candidate
that cuts at most one in a thousand of them short at each rate; the held-out replies
(heldout, heldout2, heldout3) played no part in the choice and give the figures reported for it.

Words: the same replies through the round's live listener (tutor.round), which finishes a
stretch's recognition once the trainee has been quiet for the segmenting point and opens a
new stream if they speak again, against one stream for the whole reply: word error against
the reply's text, each configuration on its own decoder fed the replies in the same order.
The way of segmenting (the quiet time that finishes a stretch, and how far back a new stream
starts) is chosen on development replies: of those losing at most half a point of word error
against one stream, the one giving the engine the least audio to hear; it is reported on
held-out ones.
Spoken replies are cached in ~/.cache/tutor-evaluation.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import re
import statistics
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from benchmarks.evaluate import CACHE, FESTIVAL, LIBRIVOX, festival, voice_onset
from benchmarks.words import SPLITS, load_replies
from tutor.audio.simulated import simulate_microphone
from tutor.audio.wavfile import read_mono, write_wav
from tutor.listening.endpoint import ReplyEndpointer
from tutor.listening.vad import VoiceDetector
from tutor.recognition import Recognizer
from tutor.settings import ListeningSettings
from tutor.voice import trim_silence

RATE: Final = 16000
BLOCK: Final = RATE // 50  # 20 ms, as the sound card delivers them
RATES: Final = {"slow": 0.75, "own": 1.0, "fast": 1.3}
WAITS: Final = (0.6, 0.8, 1.0, 1.2, 1.5)
WORD_RATES: Final = ("slow", "own")  # fast replies have the fewest pauses to segment at
NOISE_DBFS: Final = -65.0  # the evaluation's quiet room: a pause is heard at its full length
REPLY_AFTER_S: Final = 1.0
HELD_OUT: Final = ("heldout", "heldout2", "heldout3")
PRIMER: Final = Path(__file__).resolve().parents[1] / "tutor" / "data" / "sample-reply.wav"
SPOKEN_ENOUGH: Final = 32768 * 10 ** (-45 / 20)  # a reply's last sound: its last sample over -45 dBFS
CUT_SHORT_AT_MOST: Final = 0.001  # the share of development replies a wait may cut short, at any rate
WORSE_BY_AT_MOST: Final = 0.005  # a segmenting point may lose at most half a point of word error


@dataclass(frozen=True)
class Spoken:
    """One reply as the station would hear it: who, how fast, what was said, the samples."""

    part: str  # "development", "held-out" or "human"
    voice: str
    rate: str
    text: str
    samples: np.ndarray


def festival_at(text: str, voice: str, rate: float) -> np.ndarray:
    """Festival speech at ``rate`` times the voice's own speed (cached)."""
    if rate == 1.0:
        return festival(text, voice)
    key = hashlib.sha1(f"{voice}:{rate}:{text}".encode()).hexdigest()[:16]
    path = CACHE / f"{voice}-r{rate}-{key}.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        raw = path.with_suffix(".raw.wav")
        # the HTS voice (slt) takes a speed for its engine; the diphone voice (kal) stretches durations
        speed = (f"(set! hts_engine_params (append hts_engine_params (list (list \"-r\" {rate}))))"
                 if voice == "slt" else f"(Parameter.set 'Duration_Stretch {1 / rate})")
        subprocess.run(["text2wave", "-eval", f"({FESTIVAL[voice]})", "-eval", speed, "-o", str(raw)],
                       input=text.encode(), check=True, capture_output=True)
        write_wav(path, read_mono(raw, RATE), RATE)
        raw.unlink()
    return trim_silence(read_mono(path, RATE), RATE)


def _sample(texts: list[str], count: int | None) -> list[str]:
    """``count`` of ``texts`` chosen by a stable hash, so every run takes the same ones."""
    ordered = sorted(dict.fromkeys(texts), key=lambda t: hashlib.sha1(t.encode()).hexdigest())
    return ordered if count is None else ordered[:count]


def spoken_replies(per_part: int | None, rates: Iterable[str], quiet: bool = False) -> list[Spoken]:
    """The development and held-out replies spoken at each rate, then the human recordings."""
    parts = {"development": _sample([r.text for r in load_replies(SPLITS["dev"])], per_part),
             "held-out": _sample([r.text for r in load_replies(HELD_OUT)], per_part)}
    jobs = [(part, voice, rate, text) for part, texts in parts.items() for rate in rates
            for voice in FESTIVAL for text in texts]
    with ThreadPoolExecutor(max_workers=2) as pool:  # festival runs as its own process
        audio = list(pool.map(lambda job: festival_at(job[3], job[1], RATES[job[2]]), jobs))
    if not quiet:
        print(f"{len(jobs)} replies spoken", file=sys.stderr)
    out = [Spoken(part, voice, rate, text, samples)
           for (part, voice, rate, text), samples in zip(jobs, audio, strict=True)]
    return out + human_replies()


def human_replies() -> list[Spoken]:
    """The LibriVox reader: each recording alone, and the evaluation's pair of them."""
    texts = {}
    transcription = LIBRIVOX / "transcription"
    if transcription.exists():
        for line in transcription.read_text().splitlines():
            if found := re.fullmatch(r"<s> (.*) </s> \((.*)\)", line.strip()):
                texts[found[2]] = found[1]
    recordings = sorted(LIBRIVOX.glob("*.wav"))
    out = [Spoken("human", "LibriVox", "own", texts.get(path.stem, ""),
                  voice_onset(trim_silence(read_mono(path, RATE), RATE))) for path in recordings]
    if len(out) >= 2:  # as benchmarks.evaluate places a human reply: two sentences, a quarter second apart
        pair = np.concatenate([out[0].samples, np.zeros(RATE // 4, np.int16), out[1].samples])
        out.append(Spoken("human", "LibriVox pair", "own", f"{out[0].text} {out[1].text}", pair))
    return out


def on_the_microphone(reply: np.ndarray, seed: int, after_s: float = 2.0) -> tuple[np.ndarray, int, int]:
    """The microphone of a round whose customer ended at one second and whose reply follows a
    second later: the samples, where the customer ended, and the reply's last sound."""
    customer_end = RATE
    start = customer_end + int(REPLY_AFTER_S * RATE)
    frames = start + len(reply) + int(after_s * RATE)
    mic = simulate_microphone(np.zeros(customer_end, np.int16), reply, start, frames, RATE,
                              noise_dbfs=NOISE_DBFS, seed=seed)
    loud = np.flatnonzero(np.abs(reply.astype(np.int32)) > SPOKEN_ENOUGH)
    return mic, customer_end, start + int(loud[-1]) + 1 if len(loud) else start


@dataclass(frozen=True)
class Pauses:
    """What the endpointer heard in one reply: its longest pause mid-reply, and, for each wait,
    seconds from the reply's last sound to the decision (None: cut short)."""

    longest_s: float
    latency_s: dict[float, float | None]


def pauses(reply: np.ndarray, seed: int) -> Pauses:
    """The station's endpointer over a placed reply, its quiet time traced block by block.

    A wait W ends the round at the first block where the trainee has been quiet for W:
    mid-reply if a pause reaches W, else W after the reply's last speech."""
    mic, customer_end, last_sound = on_the_microphone(reply, seed, after_s=max(WAITS) + 0.5)
    settings = dataclasses.replace(ListeningSettings(), end_silence_s=60.0, max_reply_s=600.0)
    endpointer = ReplyEndpointer(VoiceDetector(RATE, settings.vad_aggressiveness), customer_end, settings)
    trace: list[tuple[int, int]] = []  # (block end, quiet so far)
    for offset in range(0, len(mic), BLOCK):
        endpointer.push(mic[offset: offset + BLOCK])
        trace.append((min(offset + BLOCK, len(mic)), endpointer.quiet_for))
    spoke = [end for end, quiet in trace if quiet == 0 and endpointer.reply_heard_at is not None
             and end > endpointer.reply_heard_at]
    last_speech = spoke[-1] if spoke else len(mic)
    longest = max((quiet for end, quiet in trace if end <= last_speech), default=0) / RATE
    latency: dict[float, float | None] = {}
    for wait in WAITS:
        decided = next((end for end, quiet in trace if quiet >= wait * RATE), None)
        latency[wait] = None if decided is None or decided < last_speech else (decided - last_sound) / RATE
    return Pauses(longest, latency)


def choose_wait(found: list[tuple[Spoken, Pauses]]) -> float:
    """The shortest wait that cuts short at most one in a thousand development replies at each
    rate: waiting for the rarest longest pause would add its length to every reply's feedback."""
    rates: dict[str, list[Pauses]] = {}
    for spoken, measured in found:
        if spoken.part == "development":
            rates.setdefault(spoken.rate, []).append(measured)
    for wait in WAITS:
        if all(_cut(group, wait) <= len(group) * CUT_SHORT_AT_MOST for group in rates.values()):
            return wait
    return WAITS[-1]


def pause_table(found: list[tuple[Spoken, Pauses]]) -> str:
    groups: dict[tuple[str, str], list[Pauses]] = {}
    for spoken, measured in found:
        rate = spoken.rate if spoken.part != "human" else "own"
        groups.setdefault((spoken.part, rate), []).append(measured)
    head = f"{'replies':<26} {'n':>4} {'longest pause: median, 95th, max':>34}  " + "  ".join(
        f"{f'cut at {w:g} s':>11}" for w in WAITS)
    lines = [head]
    for (part, rate), group in groups.items():
        longest = sorted(p.longest_s for p in group)
        p95 = longest[min(len(longest) - 1, int(0.95 * len(longest)))]
        cut = "  ".join(f"{_cut(group, w):>5} {_share(group, w):>5}" for w in WAITS)
        lines.append(f"{part + ', ' + rate:<26} {len(group):>4} {statistics.median(longest):>14.2f} "
                     f"{p95:>8.2f} {longest[-1]:>8.2f}   {cut}")
    added = [statistics.median(_latencies([p for _, p in found], w)) for w in WAITS]
    lines.append(f"{'latency after the last sound (median)':<75}" + "  ".join(f"{a:>10.2f}s" for a in added))
    return "\n".join(lines)


def _latencies(group: list[Pauses], wait: float) -> list[float]:
    """Seconds from the last sound to the decision, for the replies ``wait`` does not cut short."""
    return [latency for p in group if (latency := p.latency_s[wait]) is not None]


def _cut(group: list[Pauses], wait: float) -> int:
    """How many replies of ``group`` a wait of ``wait`` seconds cuts short."""
    return sum(p.latency_s[wait] is None for p in group)


def _share(group: list[Pauses], wait: float) -> str:
    return f"{100 * _cut(group, wait) / len(group):.0f}%"


def words_of(text: str) -> list[str]:
    """A reply's words as a recognizer writes them: lower case, no punctuation."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def heard_live(recognizer: Recognizer, reply: np.ndarray, seed: int, segment_after_s: float | None,
               context: int | None) -> tuple[list[str], int, float]:
    """The words the round's live listener hears in a placed reply, in how many stretches, and
    the seconds of audio the engine was given (more than the reply when streams hear it again)."""
    from tutor.recognition.live import LiveListener
    from tutor.round import STREAM_AFTER_CUSTOMER_S

    mic, customer_end, _ = on_the_microphone(reply, seed)
    settings = ListeningSettings()
    endpointer = ReplyEndpointer(VoiceDetector(RATE, settings.vad_aggressiveness), customer_end, settings)
    with LiveListener(recognizer, customer_end + int(STREAM_AFTER_CUSTOMER_S * RATE), RATE,
                       segment_after_s=segment_after_s, context_stretches=context) as listener:
        for offset in range(0, len(mic), BLOCK):
            ended = endpointer.push(mic[offset: offset + BLOCK]) is not None
            listener.push(mic[offset: offset + BLOCK], min(offset + BLOCK, len(mic)), endpointer)
            if ended:
                break
        heard = listener.finish()
        fed_s = listener.fed_s
    if heard is None:
        return [], 0, fed_s
    return heard.transcript.text.split(), len(heard.stretches), fed_s


@dataclass(frozen=True)
class Segmenting:
    """How the live listener splits a reply: at pauses of ``after_s`` (None: never), each new
    stream starting ``context`` stretches back (None: at the reply's start)."""

    after_s: float | None
    context: int | None = 0

    @property
    def label(self) -> str:
        if self.after_s is None:
            return "one stream"
        back = {None: "from the reply's start", 0: "no reach back"}.get(
            self.context, f"{self.context} stretch{'es' if self.context != 1 else ''} back")
        return f"at {self.after_s:g} s, {back}"


ONE_STREAM: Final = Segmenting(None)
CANDIDATES: Final = (Segmenting(0.2, 1), Segmenting(0.3, 0), Segmenting(0.3, 1), Segmenting(0.5, 0),
                     Segmenting(0.5, 1), Segmenting(0.3, None))


@dataclass
class WordTally:
    errors: int = 0
    words: int = 0
    reply_s: float = 0.0
    fed_s: float = 0.0
    stretches: list[int] = dataclasses.field(default_factory=list)

    @property
    def error_rate(self) -> float:
        return self.errors / max(1, self.words)


def word_errors(part: str, per_part: int, segmenting: Segmenting) -> WordTally:
    """Word error of one way of segmenting over one part's spoken replies.

    Before each reply the decoder hears the same primer: a live stream starts from the
    running normalisation the last one left, and without it each configuration would start
    each reply from a different state, which moves its word error by points."""
    from rapidfuzz.distance import Levenshtein

    from tutor.recognition.pocketsphinx_engine import PocketsphinxRecognizer

    replies = [s for s in spoken_replies(per_part, WORD_RATES, quiet=True) if s.part == part]
    primer = read_mono(PRIMER, RATE)[: 3 * RATE]
    recognizer = PocketsphinxRecognizer(RATE)
    tally = WordTally()
    for index, reply in enumerate(replies):
        stream = recognizer.stream()
        stream.accept(primer)
        stream.finish()
        reference = words_of(reply.text)
        heard, stretches, fed_s = heard_live(recognizer, reply.samples, index, segmenting.after_s,
                                             segmenting.context)
        tally.errors += Levenshtein.distance(reference, heard)
        tally.words += len(reference)
        tally.reply_s += len(reply.samples) / RATE
        tally.fed_s += fed_s
        tally.stretches.append(stretches)
    return tally


def word_error_table(per_part: int, jobs: list[tuple[str, Segmenting]]
                     ) -> dict[tuple[str, Segmenting], WordTally]:
    """:func:`word_errors` of each (part, segmenting), two at a time in fresh processes (a decoder each)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        tallies = list(pool.map(word_errors, [part for part, _ in jobs], [per_part] * len(jobs),
                                [segmenting for _, segmenting in jobs]))
    return dict(zip(jobs, tallies, strict=True))


def choose_segmenting(tallies: dict[tuple[str, Segmenting], WordTally]) -> Segmenting:
    """On the development replies: of the ways within half a point of one stream's word error,
    the one that gives the engine the least audio to hear (a Pi must keep up with it live), then
    the shortest segmenting point (more of the wait left for the search)."""
    whole = tallies[("development", ONE_STREAM)].error_rate
    fit = [(round(t.fed_s / t.reply_s, 2), c.after_s, c) for c in CANDIDATES
           if (t := tallies[("development", c)]).error_rate <= whole + WORSE_BY_AT_MOST]
    return min(fit, key=lambda item: (item[0], item[1]))[2] if fit else ONE_STREAM


def word_rows(tallies: dict[tuple[str, Segmenting], WordTally]) -> str:
    lines = [f"{'replies':<12} {'segmenting':<34} {'word error':>10} {'recordings':>10} "
             f"{'stretches/reply':>15} {'audio heard / reply':>19}"]
    for (part, segmenting), tally in tallies.items():
        lines.append(f"{part:<12} {segmenting.label:<34} {tally.error_rate:>10.1%} "
                     f"{len(tally.stretches):>10} {statistics.mean(tally.stretches):>15.2f} "
                     f"{tally.fed_s / tally.reply_s:>18.2f}x")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.endpoint", description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=None,
                        help="replies per part for the pauses (default: all of them)")
    parser.add_argument("--words", type=int, default=60,
                        help="replies per part for the word error (default 60; each is decoded four "
                        "times per voice and rate)")
    parser.add_argument("--no-words", action="store_true", help="the pauses only")
    args = parser.parse_args(argv)
    from benchmarks.engines import machine_description

    print(machine_description())
    replies = spoken_replies(args.replies, RATES)
    print("\nPauses inside a reply, and how often each end-of-speech wait would cut one short "
          "(festival slt and kal; LibriVox)\n")
    found = [(spoken, pauses(spoken.samples, index)) for index, spoken in enumerate(replies)]
    print(pause_table(found))
    wait = choose_wait(found)
    held = [p for s, p in found if s.part == "held-out"]
    print(f"\nChosen on the development replies: end_silence_s = {wait:g} s (the shortest wait that cuts "
          f"at most one in a thousand of them short at each rate). On the held-out replies it cuts "
          f"{_cut(held, wait)} of {len(held)} short, "
          f"and the decision comes a median {statistics.median(_latencies(held, wait)):.2f} s "
          f"after the last sound.")
    if args.no_words:
        return 0

    spoken_replies(args.words, WORD_RATES)  # spoken here once, so the processes below only read them
    print(f"\nWords: {args.words} development replies ({', '.join(WORD_RATES)} rates, two voices, so "
          f"{4 * args.words} recordings), one stream and each way of segmenting")
    tallies = word_error_table(args.words, [("development", c) for c in (ONE_STREAM, *CANDIDATES)])
    chosen = choose_segmenting(tallies)
    print(f"Chosen: {chosen.label}; checked on {args.words} held-out replies")
    held_out = [ONE_STREAM, chosen] if chosen != ONE_STREAM else [ONE_STREAM]
    tallies.update(word_error_table(args.words, [("held-out", c) for c in held_out]))
    print(word_rows(tallies))
    return 0


if __name__ == "__main__":
    sys.exit(main())
