"""`tutor practice` and `tutor score`: one round with the sound card or a recording (a
conversation, when the scenario has turns), and a saved round or typed words scored after the fact."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tutor.app import App, SimulatedReply
from tutor.cli.common import EXIT_NO_REPLY, REPLY_AT_S, Commands, trainee_name
from tutor.errors import AudioFileError, TutorError, UsageError
from tutor.settings import Settings
from tutor.terminal import printable
from tutor.vocabulary import Phase

MAX_TEXT_CHARS: Final = 10_000  # the scorer reads every word; nobody answers a customer for longer

if TYPE_CHECKING:
    import numpy as np


def parser_practice(commands: Commands) -> None:
    practice = commands.add_parser("practice", help="run one practice round",
                                   description="Speak a customer's complaint, record the reply, "
                                   "transcribe it and report the timings.")
    practice.add_argument("--scenario", metavar="ID|FILE",
                          help="scenario id from `tutor scenarios`, or a scenario file (default: random)")
    practice.add_argument("--simulate", type=Path, metavar="REPLY.wav", action="append",
                          help="no sound card: feed the microphone from this recording; again for "
                          "each turn of a conversation (the first answers the opening, the next the "
                          "customer's next turn; when they run out the trainee is silent)")
    practice.add_argument("--reply-at", type=float, metavar="SECONDS", action="append",
                          help="with --simulate: start the reply this long after the customer's "
                          "last line ends (negative talks over the customer; default 0); the n-th "
                          "goes with the n-th --simulate, and a reply without one starts as the one "
                          "before it did")
    practice.add_argument("--save-round", type=Path, metavar="PATH",
                          help="where to save the round recording (default: the data folder)")
    practice.add_argument("--json", action="store_true", help="print the round as one JSON object")
    practice.add_argument("--fast", action="store_true",
                          help="with --simulate: run faster than real time")
    practice.add_argument("--quiet", action="store_true",
                          help="do not print the customer's lines: practise by ear")
    practice.add_argument("--trainee", metavar="ID", default="guest",
                          help="who is practising, for the history: typed or scanned from a badge "
                          "(default: guest)")



def parser_score(commands: Commands) -> None:
    score = commands.add_parser(
        "score", help="score a saved round, or a typed reply",
        description="Score the pause, interruptions and acknowledgements of a saved round and, "
        "given its scenario, the reply's paraphrase, emotion and open question. With --text, "
        "score the words of a reply alone.")
    score.add_argument("round", nargs="?", type=Path, metavar="ROUND.wav",
                       help="a round recording saved by `tutor practice`")
    score.add_argument("--text", metavar="REPLY", help="score these words instead of a recording")
    score.add_argument("--scenario", metavar="ID|FILE",
                       help="the scenario the reply answers (needed for the words' scores)")
    score.add_argument("--json", action="store_true", help="print the scores as one JSON object")



def cmd_practice(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.feedback import format_round
    from tutor.scoring.meaning import meaning_model
    from tutor.scoring.moves import prepare_moves
    from tutor.voice import EspeakSynthesizer

    if args.simulate is None and (args.reply_at is not None or args.fast):
        raise UsageError("--reply-at and --fast only apply with --simulate REPLY.wav")
    for seconds in args.reply_at or ():
        check_reply_at(seconds)
    trainee = trainee_name(args.trainee)  # before the round: a mistyped id must not cost one
    if args.save_round is not None:  # a target that would be refused must not cost a round either
        from tutor.files import check_target

        check_target(args.save_round)
    app = App(settings)
    scenario = app.scenario(args.scenario)
    rate = settings.audio.sample_rate
    simulated = None
    if args.simulate is not None:
        simulated = simulated_replies(args.simulate, args.reply_at, rate, default_reply_at=0.0,
                                      fast=args.fast)
    audio = app.audio_opener(simulated)()

    def say(phase: Phase, data: dict[str, object]) -> None:
        # each cue when it happens: text shown early invites reading ahead and talking over
        if args.json:
            return
        if phase is Phase.CUSTOMER_SPEAKING and "turn" in data and "line" not in data:
            print("Customer:", flush=True)  # the customer answers back: a later turn
        elif phase is Phase.CUSTOMER_SPEAKING and "line" not in data:
            print(f"Customer ({printable(scenario.title)}):", flush=True)
        elif phase is Phase.CUSTOMER_SPEAKING and not args.quiet:
            print(f"  \"{printable(str(data['text']))}\"", flush=True)
        elif phase is Phase.LISTENING:
            print("Your turn: answer out loud.", flush=True)
        elif phase is Phase.THINKING:
            print("Thinking...", flush=True)

    try:
        recognizer = app.recognizer()
        meaning_model()  # loaded before the customer speaks, so the feedback never waits for it
        prepare_moves()
        try:
            with EspeakSynthesizer(settings.voice) as synthesizer:
                result = app.practice_round(audio, recognizer, synthesizer, say).run(
                    scenario, save_to=args.save_round)
        finally:
            recognizer.close()
    finally:
        audio.close()

    recorded: int | None = None
    try:
        kept = app.record(result, trainee, keep_file=args.save_round is not None)
        recorded, result = kept.round_id, kept.result
    except TutorError as exc:  # a history that cannot be written costs the history, never the round
        print(f"tutor: the round was not recorded in the history: {exc}", file=sys.stderr)
    if args.json:
        data = result.to_json()
        if recorded is not None:
            data["history_id"] = recorded
        print(json.dumps(data, indent=2))
    else:
        print(printable(format_round(result), newlines=True))
        if recorded is not None:
            print(f"Recorded in the history as round {recorded} for {trainee}.")
    if result.save_error:
        print(f"tutor: {result.save_error}", file=sys.stderr)
    if not result.replied:
        print("tutor: no reply heard: speak after the customer finishes "
              f"(within {settings.listening.no_reply_timeout_s:g} s)", file=sys.stderr)
        return EXIT_NO_REPLY
    return 0


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    if (args.round is None) == (args.text is None):
        raise UsageError("give either a round recording (ROUND.wav) or --text \"REPLY\", not both")
    app = App(settings)
    scenario = app.library.resolve(args.scenario) if args.scenario else None
    if args.text is not None:
        from tutor.scoring import score_reply

        if scenario is None:
            raise UsageError("--text needs --scenario ID|FILE: "
                             "words are scored against what the customer said")
        if not args.text.strip():
            raise UsageError("--text is empty: give the words of a reply")
        if len(args.text) > MAX_TEXT_CHARS:
            raise UsageError(f"--text is {len(args.text)} characters; a spoken reply is at most "
                             f"{MAX_TEXT_CHARS} (about ten minutes of speech)")
        card = score_reply(args.text, scenario, settings.scoring)
        if args.json:
            print(json.dumps(card.to_json(), indent=2))
        else:
            print(printable(f"Scenario: {scenario.title}\nReply: \"{args.text}\"\n{card.report()}",
                            newlines=True))
        return 0

    from tutor.audio.wavfile import RoundAudio, read_round
    from tutor.feedback import format_round
    from tutor.round import analyse_recording

    recording = read_round(args.round, settings.audio.sample_rate)
    cut_off_s = None
    conversation = recording.turns
    if len(conversation) > 1:  # a conversation: its first reply, on its stretch, as it was judged live
        first = conversation[0]
        recording = RoundAudio(speaker=recording.speaker[first.start: first.end],
                               mic=recording.mic[first.start: first.end], sample_rate=recording.sample_rate)
        if first.cut is not None:
            cut_off_s = (first.cut - first.start) / recording.sample_rate
    recognizer = app.recognizer(recording.sample_rate)
    try:
        result = analyse_recording(recording, recognizer, settings, round_path=args.round,
                                   calibrated_latency_s=app.calibrated_latency_s,
                                   scenario_id=scenario.id if scenario else "",
                                   scenario_title=scenario.title if scenario else "", cut_off_s=cut_off_s)
    finally:
        recognizer.close()
    result = result.scored(scenario, settings)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(printable(format_round(result, saved=False), newlines=True))
        if len(conversation) > 1:
            print(f"  (a conversation of {len(conversation)} turns: its first reply is scored; "
                  "`tutor practice --json` keeps every turn)")
        if scenario is None:
            print("  (add --scenario ID to score the paraphrase, emotion and open question)")
    return 0 if result.heard_reply else EXIT_NO_REPLY


def simulated_replies(paths: list[Path], reply_at: list[float] | None, rate: int, *,
                      default_reply_at: float, fast: bool) -> SimulatedReply:
    """The replies of `--simulate A.wav --simulate B.wav`, each with its `--reply-at` (the n-th
    with the n-th; a reply without one starts as the one before it did)."""
    from tutor.audio.wavfile import MAX_REPLY_S, read_mono

    if reply_at is not None and len(reply_at) > len(paths):
        raise UsageError(f"{len(reply_at)} --reply-at for {len(paths)} --simulate: give at most one "
                         "per reply")
    replies: list[tuple[np.ndarray, float]] = []
    starts = default_reply_at
    for number, path in enumerate(paths):
        reply = read_mono(path, rate, max_s=MAX_REPLY_S, kind="a reply")
        if len(reply) < rate // 10:
            raise AudioFileError(f"{path} is shorter than 0.1 s; record a spoken reply")
        if reply_at is not None and number < len(reply_at):
            starts = reply_at[number]
        replies.append((reply, starts))
    (first, first_at), *later = replies
    return SimulatedReply(first, first_at, fast=fast, later=tuple(later))


def check_reply_at(seconds: float) -> None:
    low, high = REPLY_AT_S
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise UsageError(f"--reply-at must be seconds between {low:g} and {high:g}, not {seconds:g}")
