"""The station's own commands: `tutor run` (the unattended loop), `doctor`, `calibrate`,
`devices`, `config` and `scenarios`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.cli.common import Commands, trainee_name
from tutor.errors import UsageError
from tutor.settings import Settings, config_files, describe
from tutor.terminal import printable

if TYPE_CHECKING:
    from tutor.scenarios import Scenario


def parser_run(commands: Commands) -> None:
    run = commands.add_parser(
        "run", help="the unattended station: button, rounds, lights and spoken feedback",
        description="Wait for the button, run a round, show the results on the LEDs and say the "
        "feedback; again and again. With --simulate, run rounds without a button or sound card.")
    run.add_argument("--simulate", type=Path, metavar="REPLY.wav", action="append",
                     help="no sound card or button: every round's microphone is fed from this recording; "
                     "again for each turn of a conversation")
    run.add_argument("--rounds", type=int, metavar="N", help="stop after N rounds (default: never)")
    run.add_argument("--reply-at", type=float, metavar="SECONDS", action="append",
                     help="with --simulate: the reply starts this long after the customer ends (1.2); "
                     "the n-th goes with the n-th --simulate")
    run.add_argument("--fast", action="store_true", help="with --simulate: faster than real time")
    run.add_argument("--trainee", metavar="ID", default="guest",
                     help="whose rounds these are in the history (default: guest)")


def parser_scenarios(commands: Commands) -> None:
    scenarios = commands.add_parser(
        "scenarios", help="list, check or show the scenarios",
        description="List the scenarios (the default), check scenario files for problems, or show "
        "one as the station will play it.")
    scenarios.add_argument("--json", action="store_true", help="list as JSON")
    actions = scenarios.add_subparsers(dest="action", metavar="ACTION")
    listing = actions.add_parser("list", help="list the scenarios the station plays (the default)")
    listing.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="as JSON")
    check = actions.add_parser(
        "check", help="check scenario files: every problem, one line each",
        description="Check every scenario file and report each problem as FILE:LINE: problem, then "
        "a summary. Exit status 0 when all are fine, 2 when any has a problem.")
    check.add_argument("targets", nargs="*", type=Path, metavar="DIR|FILE",
                       help="files or folders to check (default: the library and storage.scenario_dirs)")
    check.add_argument("--strict", action="store_true",
                       help="warnings (a hidden file, nothing to judge by) count as problems")
    show = actions.add_parser("show", help="show one scenario as the station will play it")
    show.add_argument("scenario", metavar="ID|FILE", help="scenario id or scenario file")
    show.add_argument("--say", type=Path, metavar="OUT.wav",
                      help="also render the customer's voice (lines and pauses) to this WAV file")


def parser_config(commands: Commands) -> None:
    config = commands.add_parser("config", help="show the settings in force and where they come from")
    config.add_argument("--defaults", action="store_true", help="show the built-in defaults only")


def parser_devices(commands: Commands) -> None:
    commands.add_parser("devices", help="list sound devices")


def parser_doctor(commands: Commands) -> None:
    doctor = commands.add_parser("doctor", help="check microphone, speaker, voice, speech model, "
                                 "GPIO, disk and clock, and say how to fix what is wrong")
    doctor.add_argument("--json", action="store_true")


def parser_calibrate(commands: Commands) -> None:
    commands.add_parser("calibrate", help="measure this station's speaker-to-microphone delay and echo",
                        description="Play a test signal, find it in the microphone, and store the loop "
                        "latency and echo level for the scorer (in the data folder).")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.cli.practice import check_reply_at, simulated_replies
    from tutor.station import run_station

    if args.rounds is not None and args.rounds < 1:
        raise UsageError("--rounds must be 1 or more")
    for seconds in args.reply_at or ():
        check_reply_at(seconds)
    simulated = None
    if args.simulate is not None:
        simulated = simulated_replies(args.simulate, args.reply_at, settings.audio.sample_rate,
                                      default_reply_at=1.2, fast=args.fast)
    elif args.fast:
        raise UsageError("--fast only applies with --simulate REPLY.wav")
    return run_station(settings, simulate=simulated, rounds=args.rounds,
                       trainee=trainee_name(args.trainee))


def cmd_scenarios(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "check":
        return _check_scenarios(args, settings)
    if args.action == "show":
        return _show_scenario(args, settings)
    from tutor.app import App

    scenarios = list(App(settings).library)
    if args.json:
        print(json.dumps([{"id": s.id, "title": s.title, "setting": s.setting,
                           "difficulty": s.difficulty, "lines": len(s.lines),
                           "mid_pause": s.has_mid_pause, "summary": s.summary, "turns": len(s.turns)}
                          for s in scenarios], indent=2))
        return 0
    width = max((len(printable(s.id)) for s in scenarios), default=2)
    for s in scenarios:
        pause = "  (pauses mid-complaint)" if s.has_mid_pause else ""
        talks = "  (answers back)" if s.is_conversation else ""
        print(f"{printable(s.id):<{width}}  {s.difficulty:<6}  {printable(s.title)}{pause}{talks}")
    return 0


def _check_scenarios(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.app import App
    from tutor.scenarios.check import check_targets

    library = App(settings).library
    targets = list(args.targets) or list(library.dirs)
    report = check_targets(targets, library, _suggestion_doubts)
    for problem in report.problems:
        print(problem)
    for warning in report.warnings:
        print(f"warning: {warning}")
    print(report.summary)
    failed = report.problems or (args.strict and report.warnings)
    return 2 if failed else 0


def _suggestion_doubts(scenario: Scenario) -> list[tuple[str, str]]:
    """What the station would mark down in the opening's suggestion and in each later turn's
    model answer (judged as a reply to that turn)."""
    from tutor.conversation import turn_scenario
    from tutor.scoring.advice import answer_doubts

    doubts = answer_doubts(scenario)
    for number, turn in enumerate(scenario.turns, 1):
        if turn.model_answer:
            doubts += [("turns", f"turn {number} ('{turn.id}'): {why}")
                       for _, why in answer_doubts(turn_scenario(scenario, turn))]
    return doubts


def _show_scenario(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.app import App
    from tutor.scenarios.turns import MAX_TURNS
    from tutor.scoring.advice import composed_paraphrase

    scenario = App(settings).library.resolve(args.scenario)
    if args.say is not None and args.say.is_dir():
        raise UsageError(f"--say needs a file name, and {args.say} is a folder")
    voice = settings.voice
    print(f"{printable(scenario.title)}  [{printable(scenario.id)}, {scenario.difficulty}"
          f"{', ' + printable(scenario.setting) if scenario.setting else ''}]")
    if scenario.path is not None:
        print(f"file: {printable(str(scenario.path))}")
    if scenario.summary:
        print(f"summary: {printable(scenario.summary)}")
    print(f"voice: {printable(scenario.voice or voice.voice)}"
          f"{'' if scenario.voice else ' (the station default)'}, "
          f"{scenario.rate or voice.rate} words a minute")
    print("lines:")
    for number, line in enumerate(scenario.lines, 1):
        recorded = f"  (recorded: {printable(str(line.audio))})" if line.audio else ""
        print(f"  {number:>2}. {printable(line.text)}{recorded}")
        if number < len(scenario.lines):
            pause = next(p for p in (line.pause_after_s, scenario.pause_after_s, voice.pause_after_s)
                         if p is not None)
            long = "  <- the trainee should wait this out" if pause >= 2.0 else ""
            print(f"      ... {pause:g} s pause{long}")
    print("key points (what the paraphrase is judged by):")
    for point in scenario.key_points or ("(none: each sentence of the lines is used instead)",):
        print(f"  - {printable(point)}")
    print(f"emotions: {printable(', '.join(scenario.emotions)) if scenario.emotions else '(none)'}")
    if scenario.hidden_need:
        print(f"hidden need (said when an open question draws it out): {printable(scenario.hidden_need)}")
    if scenario.turns:
        print(f"turns (the customer answers back; at most {MAX_TURNS} turns, the opening included):")
        for turn in scenario.turns:
            ends = "; the customer's last word" if turn.ends else ""
            print(f"  {printable(turn.id)}: when {turn.when}, after {printable(', '.join(turn.after))}{ends}")
            for line in turn.lines:
                print(f"      {printable(line.text)}")
    if scenario.model_answer:
        print(f"model answer: {printable(scenario.model_answer)}")
    else:
        print(f"model answer: (none; the suggestion is composed: "
              f"\"{printable(composed_paraphrase(scenario))}\")")
    if args.say is not None:
        _say(scenario, settings, args.say)
    return 0


def _say(scenario: Scenario, settings: Settings, out: Path) -> None:
    from tutor.audio.wavfile import write_wav
    from tutor.voice import EspeakSynthesizer, render_customer

    rate = settings.audio.sample_rate
    with EspeakSynthesizer(settings.voice) as synthesizer:
        track = render_customer(scenario, synthesizer, rate, settings.voice)
    write_wav(out, track.samples, rate)
    print(f"customer's voice: {printable(str(out))} ({len(track.samples) / rate:.1f} s)")


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    if not args.defaults:
        for path in config_files(args.config):
            print(f"# {'read' if path.exists() else 'absent'}: {path}")
        print()
    print(describe(Settings() if args.defaults else settings))
    return 0


def cmd_devices(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.audio.pyaudio_duplex import list_devices

    devices = list_devices()
    if not devices:
        print("no sound devices found")
        return 3
    for d in devices:
        print(f"{d['index']:>3}  in:{d['maxInputChannels']:<3} out:{d['maxOutputChannels']:<3} "
              f"{int(d['defaultSampleRate'])} Hz  {d['name']}")
    return 0


def cmd_doctor(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.doctor import as_json, run_checks

    checks = run_checks(settings)
    if args.json:
        print(json.dumps(as_json(checks), indent=2))
    else:
        for check in checks:
            print(f"{'ok     ' if check.ok else 'PROBLEM'}  {check.name}: {check.detail}")
            if check.fix:
                print(f"         {'tip' if check.ok else 'fix'}: {check.fix}")
    return 0 if all(check.ok for check in checks) else 1


def cmd_calibrate(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.audio.pyaudio_duplex import PyAudioDuplex
    from tutor.calibration import measure, save

    audio = PyAudioDuplex(settings.audio)
    try:
        calibration = measure(audio, settings.audio.output_device or "default")
    finally:
        audio.close()
    path = save(calibration, settings)
    print(f"loop latency {calibration.loop_latency_ms:.1f} ms, echo {calibration.echo_level_db:.1f} dB "
          f"(confidence {calibration.confidence:.0f}); saved to {path}")
    return 0
