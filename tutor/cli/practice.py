"""`tutor practice` and `tutor score`: one round with the sound card or a recording, and a
saved round or typed words scored after the fact."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from tutor.app import App, SimulatedReply
from tutor.cli.common import EXIT_NO_REPLY, REPLY_AT_S, Commands, trainee_name
from tutor.errors import AudioFileError, TutorError, UsageError
from tutor.settings import Settings
from tutor.terminal import printable
from tutor.vocabulary import Phase


def parser_practice(commands: Commands) -> None:
    practice = commands.add_parser("practice", help="run one practice round",
                                   description="Speak a customer's complaint, record the reply, "
                                   "transcribe it and report the timings.")
    practice.add_argument("--scenario", metavar="ID|FILE",
                          help="scenario id from `tutor scenarios`, or a scenario file (default: random)")
    practice.add_argument("--simulate", type=Path, metavar="REPLY.wav",
                          help="no sound card: feed the microphone from this recording")
    practice.add_argument("--reply-at", type=float, metavar="SECONDS",
                          help="with --simulate: start the reply this long after the customer's "
                          "last line ends (negative talks over the customer; default 0)")
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
    from tutor.audio.wavfile import MAX_REPLY_S, read_mono
    from tutor.feedback import format_round
    from tutor.voice import EspeakSynthesizer

    if args.simulate is None and (args.reply_at is not None or args.fast):
        raise UsageError("--reply-at and --fast only apply with --simulate REPLY.wav")
    if args.reply_at is not None:
        check_reply_at(args.reply_at)
    trainee = trainee_name(args.trainee)  # before the round: a mistyped id must not cost one
    if args.save_round is not None:  # a target that would be refused must not cost a round either
        from tutor.files import check_target

        check_target(args.save_round)
    app = App(settings)
    scenario = app.scenario(args.scenario)
    rate = settings.audio.sample_rate
    simulated = None
    if args.simulate is not None:
        reply = read_mono(args.simulate, rate, max_s=MAX_REPLY_S, kind="a reply")
        if len(reply) < rate // 10:
            raise AudioFileError(f"{args.simulate} is shorter than 0.1 s; record a spoken reply")
        simulated = SimulatedReply(reply, args.reply_at or 0.0, fast=args.fast)
    audio = app.audio_opener(simulated)()

    def say(phase: Phase, data: dict[str, object]) -> None:
        # each cue when it happens: text shown early invites reading ahead and talking over
        if args.json:
            return
        if phase is Phase.CUSTOMER_SPEAKING and "line" not in data:
            print(f"Customer ({printable(scenario.title)}):", flush=True)
        elif phase is Phase.CUSTOMER_SPEAKING and not args.quiet:
            print(f"  \"{printable(str(data['text']))}\"", flush=True)
        elif phase is Phase.LISTENING:
            print("Your turn: answer out loud.", flush=True)
        elif phase is Phase.THINKING:
            print("Thinking...", flush=True)

    try:
        recognizer = app.recognizer()
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
    if not result.heard_reply:
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
        card = score_reply(args.text, scenario, settings.scoring)
        if args.json:
            print(json.dumps(card.to_json(), indent=2))
        else:
            print(printable(f"Scenario: {scenario.title}\nReply: \"{args.text}\"\n{card.report()}",
                            newlines=True))
        return 0

    from tutor.audio.wavfile import read_round
    from tutor.feedback import format_round
    from tutor.round import analyse_recording

    recording = read_round(args.round, settings.audio.sample_rate)
    recognizer = app.recognizer(recording.sample_rate)
    try:
        result = analyse_recording(recording, recognizer, settings, round_path=args.round,
                                   calibrated_latency_s=app.calibrated_latency_s,
                                   scenario_id=scenario.id if scenario else "",
                                   scenario_title=scenario.title if scenario else "")
    finally:
        recognizer.close()
    result = result.scored(scenario, settings)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(printable(format_round(result, saved=False), newlines=True))
        if scenario is None:
            print("  (add --scenario ID to score the paraphrase, emotion and open question)")
    return 0 if result.heard_reply else EXIT_NO_REPLY


def check_reply_at(seconds: float) -> None:
    low, high = REPLY_AT_S
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise UsageError(f"--reply-at must be seconds between {low:g} and {high:g}, not {seconds:g}")
