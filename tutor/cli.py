"""The `tutor` command: practice rounds, the scenario library, settings and devices."""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import shlex
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tutor import __version__
from tutor.errors import AudioFileError, ConfigError, TutorError
from tutor.settings import Settings, config_files, describe, load_settings
from tutor.terminal import printable

_LOGGER = logging.getLogger("tutor")

EXIT_NO_REPLY = 5
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a program whose reader left
REPLY_AT_S = (-30.0, 60.0)  # --reply-at: talking over the customer from 30 s early to a minute late
MAX_SINCE_DAYS = 36500  # --since DAYS: a century covers any history


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor", description="Offline practice station for active listening.")
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file read after /etc/tutor/config.toml and the user's")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

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
    practice.add_argument("--trainee", metavar="ID", default="guest",
                          help="who is practising, for the history: typed or scanned from a badge "
                          "(default: guest)")

    scenarios = commands.add_parser("scenarios", help="list the scenario library")
    scenarios.add_argument("--json", action="store_true")

    config = commands.add_parser("config", help="show the settings in force and where they come from")
    config.add_argument("--defaults", action="store_true", help="show the built-in defaults only")

    commands.add_parser("devices", help="list sound devices")

    models = commands.add_parser(
        "models", help="speech models: list, install, verify, remove",
        description="Speech models for recognition, and which engine is in use and why. "
        "Without an action: list.")
    model_actions = models.add_subparsers(dest="models_action", metavar="ACTION")
    model_actions.add_parser("list", help="known and installed models, and the engine in use")
    install = model_actions.add_parser(
        "install", help="install a model from the manifest's address, or from an archive",
        description="Download NAME from the address in the manifest, or unpack a local .zip or "
        ".tar.gz (say, from a USB stick) with --from. Archives of models in the manifest are "
        "checked against its sha256.")
    install.add_argument("name", metavar="NAME", help="model name (`tutor models list`)")
    install.add_argument("--from", dest="archive", type=Path, metavar="ARCHIVE",
                         help="install from this .zip or .tar.gz instead of downloading")
    model_actions.add_parser("verify", help="check the installed models' files")
    remove = model_actions.add_parser("remove", help="delete an installed model")
    remove.add_argument("name", metavar="NAME")

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

    doctor = commands.add_parser("doctor", help="check microphone, speaker, voice, speech model, "
                                 "GPIO, disk and clock, and say how to fix what is wrong")
    doctor.add_argument("--json", action="store_true")
    commands.add_parser("calibrate", help="measure this station's speaker-to-microphone delay and echo",
                        description="Play a test signal, find it in the microphone, and store the loop "
                        "latency and echo level for the scorer (in the data folder).")

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

    report = commands.add_parser(
        "report", help="progress per trainee and per station, from the history",
        description="Week by week for each trainee and station: pauses, interruptions, paraphrase, "
        "emotion and open questions. Also as CSV, or as an HTML page with charts that opens offline.")
    report.add_argument("--trainee", metavar="ID", help="only this trainee's rounds")
    report.add_argument("--station", metavar="NAME", help="only this station's rounds")
    report.add_argument("--since", metavar="DATE|DAYS",
                        help="only rounds from this date (YYYY-MM-DD) or the last DAYS days (e.g. 30)")
    report.add_argument("--csv", type=Path, metavar="FILE", help="write the rounds as CSV to FILE")
    report.add_argument("--html", type=Path, metavar="FILE",
                        help="write a report with charts to FILE, for a trainer's browser")
    report.add_argument("--json", action="store_true", help="print the rounds as a JSON list")

    forget = commands.add_parser(
        "forget", help="delete everything the history holds about one trainee",
        description="Delete every round of TRAINEE, with its transcript and kept recording, and "
        "rewrite the history file so the deleted words do not linger in it.")
    forget.add_argument("trainee", metavar="TRAINEE")
    forget.add_argument("--yes", action="store_true", help="really delete (required)")

    session = commands.add_parser(
        "session", help="onboarding sessions: start, end, list, summary",
        description="A named session for a cohort: rounds played while it is open belong to it "
        "and use its scenarios; its summary has a row per trainee.")
    session_actions = session.add_subparsers(dest="session_action", metavar="ACTION", required=True)
    start = session_actions.add_parser("start", help="open a session; its rounds use its scenarios")
    start.add_argument("name", metavar="NAME")
    start.add_argument("--scenarios", metavar="ID,ID",
                       help="scenario ids for the session's rounds (default: the whole library)")
    session_actions.add_parser("end", help="end the open session and show its summary")
    session_actions.add_parser("list", help="every session, open or ended")
    summary = session_actions.add_parser("summary", help="a session's results per trainee")
    summary.add_argument("name", metavar="NAME")
    summary.add_argument("--json", action="store_true", help="print the session's rounds as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING - 10 * min(args.verbose, 2),
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return 0
    try:
        settings = load_settings(args.config)
        handler = {"practice": cmd_practice, "scenarios": cmd_scenarios, "score": cmd_score,
                   "run": cmd_run, "doctor": cmd_doctor, "calibrate": cmd_calibrate,
                   "report": cmd_report, "forget": cmd_forget, "session": cmd_session,
                   "config": cmd_config, "devices": cmd_devices, "models": cmd_models}[args.command]
        code = handler(args, settings)
        sys.stdout.flush()  # here, so a reader that left (`| head`) is noticed inside the try
        return code
    except BrokenPipeError:
        # the Python docs' recipe: whatever is still buffered goes nowhere, quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except TutorError as exc:
        print(f"tutor: {printable(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("tutor: stopped", file=sys.stderr)
        return 130


def _library(settings: Settings) -> Any:
    from tutor.scenarios import ScenarioLibrary

    return ScenarioLibrary(tuple(Path(d).expanduser() for d in settings.storage.scenario_dirs))


def cmd_scenarios(args: argparse.Namespace, settings: Settings) -> int:
    scenarios = list(_library(settings))
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


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from tutor import modelstore
    from tutor.errors import ModelError

    directory = modelstore.models_dir(settings)
    manifest_file = modelstore.manifest_path(directory)
    manifest = modelstore.read_manifest(manifest_file)
    action = args.models_action or "list"
    if action == "install":
        archive = args.archive.expanduser() if args.archive else None
        done = modelstore.install(args.name, directory, manifest, archive)
        if done.checksum == "manifest":
            checked = f"sha256 {done.model.archive_sha256[:12]}… matches the manifest"
        else:
            checked = (f"{args.name} is not in the manifest, so the archive could not be checked; "
                       f"its sha256 is {done.model.archive_sha256}")
        print(f"Installed {args.name} in {done.model.path}"
              f"{', replacing the copy there before' if done.replaced else ''} ({checked}).")
    elif action == "remove":
        print(f"Removed {modelstore.remove(args.name, directory)}.")
    elif action == "verify":
        checks = modelstore.verify(directory, manifest)
        if not checks:
            print(f"No models installed in {directory}.")
        for check in checks:
            origin = (f"archive sha256 {check.model.archive_sha256[:12]}…"
                      if check.model.archive_sha256 else "archive unknown")
            state = "ok" if not check.problems else "DAMAGED: " + "; ".join(check.problems)
            print(f"{check.model.name}: {state} ({len(check.model.files) or 'no'} recorded files, {origin})")
            for note in check.notes:
                print(f"  {note}")
        damaged = [c.model.name for c in checks if c.problems]
        if damaged:
            raise ModelError(f"damaged: {', '.join(damaged)}; reinstall with "
                             f"`tutor models install {damaged[0]}`")
    else:
        _list_models(directory, manifest_file, manifest)
    return _print_engine_in_use(settings)


def _list_models(directory: Path, manifest_file: Path, manifest: dict[str, Any]) -> None:
    from tutor import modelstore

    installed = {m.name: m for m in modelstore.installed_models(directory, manifest)}
    print(f"Models folder: {directory}")
    print(f"Manifest: {manifest_file}{'' if manifest_file.is_file() else ' (absent)'}")
    rows = [(info.name, info.language, modelstore.describe_size(info.size),
             "installed" if info.name in installed else "not installed") for info in manifest.values()]
    rows += [(m.name, m.language or "?", "-",
              "installed (not in the manifest)" if not modelstore.layout_problems(m.path)
              else "incomplete: `tutor models verify`")
             for m in installed.values() if m.name not in manifest]
    if not rows:
        print("No models known or installed.")
    width = max((len(row[0]) for row in rows), default=0)
    for name, language, size, state in rows:
        print(f"  {name:<{width}}  {language:<6} {size:>9}  {state}")


def _print_engine_in_use(settings: Settings) -> int:
    from tutor.recognition import choose_engine

    try:
        choice = choose_engine(settings)
    except TutorError as exc:
        print(f"In use: none ({exc})")
        return exc.exit_code
    print(f"In use: {choice.name} ({choice.reason})")
    return 0


def cmd_practice(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from tutor.audio.wavfile import MAX_REPLY_S, read_mono
    from tutor.calibration import calibrated_latency_s
    from tutor.recognition import make_recognizer
    from tutor.round import PracticeRound
    from tutor.voice import EspeakSynthesizer

    if args.simulate is None and (args.reply_at is not None or args.fast):
        raise TutorError("--reply-at and --fast only apply with --simulate REPLY.wav")
    if args.reply_at is not None:
        _check_reply_at(args.reply_at)
    trainee = _trainee(args.trainee)  # before the round: a mistyped id must not cost one
    if args.save_round is not None:  # a target that would be refused must not cost a round either
        from tutor.files import check_target

        check_target(args.save_round)
    library = _library(settings)
    if args.scenario:
        scenario = library.resolve(args.scenario)
    elif ids := _session_scenarios(settings):
        scenario = library.get(random.choice(ids))
    else:
        playable = list(library)  # a file that does not load is skipped with a warning
        if not playable:
            raise TutorError("the scenario library is empty")
        scenario = random.choice(playable)

    rate = settings.audio.sample_rate
    audio: Any
    if args.simulate is not None:
        from tutor.audio.simulated import SimulatedDuplex

        reply = read_mono(args.simulate, rate, max_s=MAX_REPLY_S, kind="a reply")
        if len(reply) < rate // 10:
            raise AudioFileError(f"{args.simulate} is shorter than 0.1 s; record a spoken reply")
        simulate = settings.simulate
        if args.fast:
            simulate = dataclasses.replace(simulate, realtime=False)
        audio = SimulatedDuplex(reply, rate, reply_at_s=args.reply_at or 0.0, settings=simulate,
                                block_ms=settings.audio.block_ms)
    else:
        from tutor.audio.pyaudio_duplex import PyAudioDuplex

        audio = PyAudioDuplex(settings.audio)

    def say(event: str, data: dict[str, Any]) -> None:
        if args.json:
            return
        if event == "customer_speaking":
            print(f"Customer ({printable(scenario.title)}):", flush=True)
            for line in scenario.lines:
                print(f"  \"{printable(line.text)}\"", flush=True)
            print("Your turn: answer out loud.", flush=True)
        elif event == "thinking":
            print("Thinking...", flush=True)

    recognizer = make_recognizer(settings, rate)
    try:
        with EspeakSynthesizer(settings.voice) as synthesizer:
            practice = PracticeRound(audio=audio, recognizer=recognizer, synthesizer=synthesizer,
                                     settings=settings, on_event=say,
                                     calibrated_latency_s=calibrated_latency_s(settings))
            result = practice.run(scenario, save_to=args.save_round)
    finally:
        audio.close()
        recognizer.close()

    recorded = _record_in_history(settings, result, trainee, keep_file=args.save_round is not None)
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


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.station import run_station

    if args.rounds is not None and args.rounds < 1:
        raise TutorError("--rounds must be 1 or more")
    _check_reply_at(args.reply_at)
    reply = None
    if args.simulate is not None:
        from tutor.audio.wavfile import MAX_REPLY_S, read_mono

        reply = read_mono(args.simulate, settings.audio.sample_rate, max_s=MAX_REPLY_S, kind="a reply")
    elif args.fast:
        raise TutorError("--fast only applies with --simulate REPLY.wav")
    return run_station(settings, simulate=reply, reply_at_s=args.reply_at, rounds=args.rounds,
                       fast=args.fast, trainee=_trainee(args.trainee))


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


def cmd_score(args: argparse.Namespace, settings: Settings) -> int:
    if (args.round is None) == (args.text is None):
        raise TutorError("give either a round recording (ROUND.wav) or --text \"REPLY\", not both")
    scenario = _library(settings).resolve(args.scenario) if args.scenario else None
    if args.text is not None:
        from tutor.scoring import score_reply

        if scenario is None:
            raise TutorError("--text needs --scenario ID|FILE: "
                             "words are scored against what the customer said")
        if not args.text.strip():
            raise TutorError("--text is empty: give the words of a reply")
        card = score_reply(args.text, scenario, settings.scoring)
        if args.json:
            print(json.dumps(card.to_json(), indent=2))
        else:
            print(printable(f"Scenario: {scenario.title}\nReply: \"{args.text}\"\n{card.report()}",
                            newlines=True))
        return 0

    from tutor.audio.wavfile import read_round
    from tutor.calibration import calibrated_latency_s
    from tutor.recognition import make_recognizer
    from tutor.round import analyse_recording

    recording = read_round(args.round, settings.audio.sample_rate)
    recognizer = make_recognizer(settings, recording.sample_rate)
    try:
        result = analyse_recording(recording, recognizer, settings, round_path=args.round,
                                   calibrated_latency_s=calibrated_latency_s(settings),
                                   scenario_id=scenario.id if scenario else "",
                                   scenario_title=scenario.title if scenario else "")
    finally:
        recognizer.close()
    result.score_against(scenario, settings)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(printable(format_round(result, saved=False), newlines=True))
        if scenario is None:
            print("  (add --scenario ID to score the paraphrase, emotion and open question)")
    return 0 if result.heard_reply else EXIT_NO_REPLY


def _check_reply_at(seconds: float) -> None:
    low, high = REPLY_AT_S
    if not (math.isfinite(seconds) and low <= seconds <= high):
        raise ConfigError(f"--reply-at must be seconds between {low:g} and {high:g}, not {seconds:g}")


def _trainee(text: str) -> str:
    from tutor.history import validate_name

    return validate_name(text)


def _session_scenarios(settings: Settings) -> tuple[str, ...]:
    """The open session's scenarios, if any. An unreadable history is reported when the
    round is recorded; here it only means no session, so it never stops a round."""
    from tutor.history import History, database_path

    if not settings.history.enabled or not database_path(settings).exists():
        return ()
    try:
        with History.open(settings, create=False) as history:
            current = history.current_session()
    except TutorError as exc:
        _LOGGER.info("no session scenarios: %s", exc)
        return ()
    return current.scenarios if current else ()


def _record_in_history(settings: Settings, result: Any, trainee: str, *, keep_file: bool) -> int | None:
    """Record the round; a history that cannot be written costs the history, never the round."""
    from tutor.history import record_round

    try:
        return record_round(settings, result, trainee, keep_file=keep_file)
    except TutorError as exc:
        print(f"tutor: the round was not recorded in the history: {exc}", file=sys.stderr)
        return None


def _since(text: str) -> Any:
    from datetime import date, datetime, time, timedelta

    value = text.strip()
    if value.isdigit():
        days = int(value)
        if days > MAX_SINCE_DAYS:
            raise ConfigError(f"--since {days} days is more than {MAX_SINCE_DAYS} (a century); "
                              "give fewer days or a date (YYYY-MM-DD)")
        return datetime.now().astimezone() - timedelta(days=days)
    try:
        day = date.fromisoformat(value)
        if not 1970 <= day.year <= 9998:
            raise ValueError(day)
        return datetime.combine(day, time()).astimezone()
    except (ValueError, OverflowError, OSError):
        raise ConfigError(f"--since must be a date (YYYY-MM-DD, from 1970) or a number of days, "
                          f"not {text!r}") from None


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.errors import NotInHistoryError
    from tutor.history import History, database_path, report

    since = _since(args.since) if args.since else None
    path = database_path(settings)
    rounds: list[Any] = []
    if path.exists():
        with History.open(settings, create=False) as history:
            if args.trainee is not None:
                history.require("trainee", args.trainee)
            if args.station is not None:
                history.require("station", args.station)
            rounds = history.rounds(trainee=args.trainee, station=args.station, since=since)
    elif args.trainee is not None or args.station is not None:
        which = f"trainee {args.trainee!r}" if args.trainee is not None else f"station {args.station!r}"
        raise NotInHistoryError(f"no rounds recorded for {which}: no history yet at {path}")
    written = []
    if args.csv is not None:
        written.append(report.write_csv(rounds, args.csv))
    if args.html is not None:
        title = "Listening progress" + "".join(
            f", {label} {value}" for label, value in (("trainee", args.trainee), ("station", args.station))
            if value is not None)
        written.append(report.write_html(rounds, args.html, title))
    if args.json:
        print(json.dumps([r.to_json() for r in rounds], indent=2, ensure_ascii=False))
        return 0
    if not written:
        print(report.progress_text(rounds) if path.exists() else f"No rounds recorded yet ({path}).")
    for file in written:
        print(f"Wrote {file} ({len(rounds)} round{'s' if len(rounds) != 1 else ''}).")
    return 0


def cmd_forget(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.errors import NotInHistoryError
    from tutor.history import History, database_path

    if not args.yes:
        raise ConfigError(f"forgetting {args.trainee!r} deletes their rounds, transcripts and kept "
                          f"recordings for good; add --yes to do it")
    path = database_path(settings)
    if not path.exists():
        raise NotInHistoryError(f"no rounds recorded for trainee {args.trainee!r}: no history yet at {path}")
    with History.open(settings, create=False) as history:
        done = history.forget(args.trainee)
    rounds = f"{done.rounds} round{'s' if done.rounds != 1 else ''}"
    if not done.compacted:
        print(f"tutor: deleted {rounds} of {printable(done.trainee)}, but another program is reading "
              f"the history, so their words may remain in {path} until it closes; run "
              f"`tutor forget {printable(shlex.quote(done.trainee))} --yes` again then", file=sys.stderr)
        return 1
    print(f"Forgot {done.trainee}: deleted {rounds} "
          f"(scores, transcripts, timings) and {done.recordings} kept recording"
          f"{'s' if done.recordings != 1 else ''}, and {done.unreferenced} recording"
          f"{'s' if done.unreferenced != 1 else ''} no round refers to; {path} was rewritten without them.")
    return 0


def cmd_session(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.errors import NotInHistoryError, SessionError
    from tutor.history import History, database_path
    from tutor.history.report import local, session_text

    action = args.session_action
    if action == "start":
        library = _library(settings)
        ids = tuple(library.get(part.strip()).id for part in (args.scenarios or "").split(",")
                    if part.strip())
        with History.open(settings) as history:
            started = history.start_session(args.name, ids)
        chosen_ids = ", ".join(started.scenarios) or "the whole library"
        print(f"Session {started.name} started; scenarios: {chosen_ids}. "
              f"Rounds played until `tutor session end` belong to it.")
        return 0
    if not database_path(settings).exists():  # looking at sessions creates no database
        if action == "end":
            raise SessionError("no session is open; start one with `tutor session start NAME`")
        if action == "summary":
            raise NotInHistoryError(f"no session named {args.name!r}; none recorded yet")
        print("No sessions yet.")
        return 0
    with History.open(settings, create=False) as history:
        if action == "end":
            chosen = history.end_session()
        elif action == "list":
            entries = history.sessions()
            if not entries:
                print("No sessions yet.")
            for entry in entries:
                ended = f"{local(entry.ended_at):%Y-%m-%d %H:%M}" if entry.ended_at else "open"
                print(f"{printable(entry.name)}  {local(entry.started_at):%Y-%m-%d %H:%M} to {ended}  "
                      f"{entry.rounds} round{'s' if entry.rounds != 1 else ''}  "
                      f"scenarios: {printable(', '.join(entry.scenarios)) or 'any'}")
            return 0
        else:
            chosen = history.session(args.name)
        rounds = history.rounds(session=chosen.name)
    if action == "summary" and args.json:
        print(json.dumps({"session": chosen.name, "scenarios": list(chosen.scenarios),
                          "started_at": chosen.started_at.isoformat(),
                          "ended_at": chosen.ended_at.isoformat() if chosen.ended_at else None,
                          "rounds": [r.to_json() for r in rounds]}, indent=2, ensure_ascii=False))
        return 0
    print(session_text(chosen, rounds))
    return 0


def format_round(result: Any, saved: bool = True) -> str:
    timing = result.timing
    reply = timing.reply
    lines = []
    if reply is None:
        lines.append("No reply heard.")
    else:
        lines.append(f"You said: \"{result.transcript or '(words not recognised)'}\"")
        end = timing.customer_end_s or 0.0
        pause = reply.start_s - end
        lines.append(f"The customer finished at {end:.2f} s; you started at {reply.start_s:.2f} s "
                     f"({'pause' if pause >= 0 else 'overlap'} {abs(pause):.2f} s) and stopped at "
                     f"{reply.end_s:.2f} s.")
    others = [u for u in result.utterances if reply is None or u.end_s <= reply.start_s]
    for utterance in others:
        lines.append(f"While the customer was talking, at {utterance.start_s:.2f} s: "
                     f"\"{utterance.text or '(words not recognised)'}\"")
    if result.audio.glitches:
        lines.append(f"Audio glitches: {result.audio.input_overflows} input overflow(s), "
                     f"{result.audio.output_underflows} output underrun(s); timings may be off.")
    if result.score is not None:
        lines.append(result.score.report())
    if result.round_path and saved:
        lines.append(f"Round saved to {result.round_path}")
    return "\n".join(lines)
