"""The history's commands: `tutor report`, `tutor session` and `tutor forget`.

On an installed station they work on the station's history (/var/lib/tutor) for members of
the group tutor-trainers and for the station's user (`sudo -u tutor tutor report`); where the
data is found is :attr:`tutor.settings.Settings.data_dir`'s job.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from tutor.cli.common import Commands
from tutor.errors import UsageError
from tutor.settings import Settings
from tutor.terminal import printable

MAX_SINCE_DAYS: Final = 36500  # --since DAYS: a century covers any history


def parser_report(commands: Commands) -> None:
    report = commands.add_parser(
        "report", help="progress per trainee and per station, from the history",
        description="Week by week for each trainee and station: pauses, interruptions, paraphrase, "
        "emotion and open questions. Also as CSV, or as an HTML page with charts that opens offline.")
    report.add_argument("--trainee", metavar="ID", help="only this trainee's rounds")
    report.add_argument("--station", metavar="NAME", help="only this station's rounds")
    report.add_argument("--session", metavar="NAME", help="only this onboarding session's rounds")
    report.add_argument("--exclude-guest", action="store_true",
                        help="leave out rounds played as the shared id 'guest'")
    report.add_argument("--since", metavar="DATE|DAYS",
                        help="only rounds from this date (YYYY-MM-DD) or the last DAYS days (e.g. 30)")
    report.add_argument("--csv", type=Path, metavar="FILE", help="write the rounds as CSV to FILE")
    report.add_argument("--html", type=Path, metavar="FILE",
                        help="write a report with charts to FILE, for a trainer's browser")
    report.add_argument("--json", action="store_true", help="print the rounds as a JSON list")


def parser_forget(commands: Commands) -> None:
    forget = commands.add_parser(
        "forget", help="delete everything the history holds about one trainee",
        description="Delete every round of TRAINEE, with its transcript and kept recording, and "
        "rewrite the history file so the deleted words do not linger in it.")
    forget.add_argument("trainee", metavar="TRAINEE")
    forget.add_argument("--yes", action="store_true", help="really delete (required)")


def parser_session(commands: Commands) -> None:
    session = commands.add_parser(
        "session", help="onboarding sessions: start, end, reopen, list, summary",
        description="A named session for a cohort: rounds of its scenarios played while it is open "
        "belong to it, and practice without --scenario uses its scenarios; its summary has a row "
        "per trainee. A cohort that meets on several days reopens its session each day.")
    session_actions = session.add_subparsers(dest="session_action", metavar="ACTION", required=True)
    start = session_actions.add_parser("start", help="open a session; its rounds use its scenarios")
    start.add_argument("name", metavar="NAME")
    start.add_argument("--scenarios", metavar="ID,ID",
                       help="scenario ids for the session's rounds (default: the whole library)")
    session_actions.add_parser("end", help="end the open session and show its summary")
    reopen = session_actions.add_parser(
        "reopen", help="open an ended session again, with its scenarios; its rounds so far stay in it")
    reopen.add_argument("name", metavar="NAME")
    session_actions.add_parser("list", help="every session, open or ended")
    summary = session_actions.add_parser("summary", help="a session's results per trainee")
    summary.add_argument("name", metavar="NAME")
    summary.add_argument("--json", action="store_true", help="print the session's rounds as JSON")


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from tutor.errors import NotInHistoryError
    from tutor.history import GUEST, History, database_path, report

    if args.exclude_guest and args.trainee == GUEST:
        raise UsageError(f"--trainee {GUEST} and --exclude-guest leave nothing to report; give one of them")
    since = since_time(args.since) if args.since else None
    path = database_path(settings)
    rounds: list[Any] = []
    results: dict[int, dict[str, Any]] = {}  # each round's recorded JSON, for the HTML's rounds list
    if path.exists():
        with History.open(settings, create=False) as history:
            if args.trainee is not None:
                history.require("trainee", args.trainee)
            if args.station is not None:
                history.require("station", args.station)
            if args.session is not None:
                history.session(args.session)
            rounds = history.rounds(trainee=args.trainee, station=args.station, since=since,
                                    session=args.session,
                                    without_trainee=GUEST if args.exclude_guest else None)
            if args.html is not None:
                results = {r.id: history.result(r.id) for r in rounds}
    elif args.session is not None:
        raise NotInHistoryError(f"no session named {args.session!r}: no history yet at {path}")
    elif args.trainee is not None or args.station is not None:
        which = f"trainee {args.trainee!r}" if args.trainee is not None else f"station {args.station!r}"
        raise NotInHistoryError(f"no rounds recorded for {which}: no history yet at {path}")
    written = []
    if args.csv is not None:
        written.append(report.write_csv(rounds, args.csv))
    if args.html is not None:
        title = "Listening progress" + "".join(
            f", {label} {value}" for label, value in (("trainee", args.trainee), ("station", args.station),
                                                     ("session", args.session))
            if value is not None) + (", without guests" if args.exclude_guest else "")
        written.append(report.write_html(rounds, args.html, title, results))
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
        raise UsageError(f"forgetting {args.trainee!r} deletes their rounds, transcripts and kept "
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
        from tutor.app import App

        library = App(settings).library
        ids = tuple(library.get(part.strip()).id for part in (args.scenarios or "").split(",")
                    if part.strip())
        with History.open(settings) as history:
            started = history.start_session(args.name, ids)
        chosen_ids = ", ".join(started.scenarios) or "the whole library"
        print(f"Session {printable(started.name)} started; scenarios: {printable(chosen_ids)}. "
              f"Rounds of them played until `tutor session end` belong to it.")
        return 0
    if not database_path(settings).exists():  # looking at sessions creates no database
        if action == "end":
            raise SessionError("no session is open; start one with `tutor session start NAME`")
        if action in ("summary", "reopen"):
            raise NotInHistoryError(f"no session named {args.name!r}; none recorded yet")
        print("No sessions yet.")
        return 0
    with History.open(settings, create=False) as history:
        if action == "reopen":
            reopened = history.reopen_session(args.name)
            rounds_so_far = f"{reopened.rounds} round{'s' if reopened.rounds != 1 else ''}"
            print(f"Session {printable(reopened.name)} reopened; scenarios: "
                  f"{printable(', '.join(reopened.scenarios)) or 'the whole library'}; {rounds_so_far} "
                  f"so far. Rounds of them played until `tutor session end` belong to it.")
            return 0
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


def since_time(text: str) -> datetime:
    from datetime import date, datetime, time, timedelta

    value = text.strip()
    if value.isdigit():
        days = int(value)
        if days > MAX_SINCE_DAYS:
            raise UsageError(f"--since {days} days is more than {MAX_SINCE_DAYS} (a century); "
                              "give fewer days or a date (YYYY-MM-DD)")
        return datetime.now().astimezone() - timedelta(days=days)
    try:
        day = date.fromisoformat(value)
        if not 1970 <= day.year <= 9998:
            raise ValueError(day)
        return datetime.combine(day, time()).astimezone()
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"--since must be a date (YYYY-MM-DD, from 1970) or a number of days, "
                          f"not {text!r}") from None
