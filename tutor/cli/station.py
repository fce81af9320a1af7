"""The station's own commands: `tutor run` (the unattended loop), `doctor`, `calibrate`,
`devices`, `config` and `scenarios`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tutor.cli.common import Commands, trainee_name
from tutor.errors import UsageError
from tutor.settings import Settings, config_files, describe
from tutor.terminal import printable


def parser_run(commands: Commands) -> None:
    run = commands.add_parser(
        "run", help="the unattended station: button, rounds, lights and spoken feedback",
        description="Wait for the button, run a round, show the results on the LEDs and say the "
        "feedback; again and again. With --simulate, run rounds without a button or sound card.")
    run.add_argument("--simulate", type=Path, metavar="REPLY.wav",
                     help="no sound card or button: every round's microphone is fed from this recording")
    run.add_argument("--rounds", type=int, metavar="N", help="stop after N rounds (default: never)")
    run.add_argument("--reply-at", type=float, default=1.2, metavar="SECONDS",
                     help="with --simulate: the reply starts this long after the customer ends (1.2)")
    run.add_argument("--fast", action="store_true", help="with --simulate: faster than real time")
    run.add_argument("--trainee", metavar="ID", default="guest",
                     help="whose rounds these are in the history (default: guest)")


def parser_scenarios(commands: Commands) -> None:
    scenarios = commands.add_parser("scenarios", help="list the scenario library")
    scenarios.add_argument("--json", action="store_true")


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
    from tutor.app import SimulatedReply
    from tutor.cli.practice import check_reply_at
    from tutor.station import run_station

    if args.rounds is not None and args.rounds < 1:
        raise UsageError("--rounds must be 1 or more")
    check_reply_at(args.reply_at)
    simulated = None
    if args.simulate is not None:
        from tutor.audio.wavfile import MAX_REPLY_S, read_mono

        reply = read_mono(args.simulate, settings.audio.sample_rate, max_s=MAX_REPLY_S, kind="a reply")
        simulated = SimulatedReply(reply, args.reply_at, fast=args.fast)
    elif args.fast:
        raise UsageError("--fast only applies with --simulate REPLY.wav")
    return run_station(settings, simulate=simulated, rounds=args.rounds,
                       trainee=trainee_name(args.trainee))


def cmd_scenarios(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.app import App

    scenarios = list(App(settings).library)
    if args.json:
        print(json.dumps([{"id": s.id, "title": s.title, "setting": s.setting,
                           "difficulty": s.difficulty, "lines": len(s.lines),
                           "mid_pause": s.has_mid_pause, "summary": s.summary}
                          for s in scenarios], indent=2))
        return 0
    width = max((len(printable(s.id)) for s in scenarios), default=2)
    for s in scenarios:
        pause = "  (pauses mid-complaint)" if s.has_mid_pause else ""
        print(f"{printable(s.id):<{width}}  {s.difficulty:<6}  {printable(s.title)}{pause}")
    return 0


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
