"""The `tutor` command: practice rounds, the station, its models and its history.

Each group of commands lives in its own module (:mod:`~tutor.cli.practice`,
:mod:`~tutor.cli.station`, :mod:`~tutor.cli.models`, :mod:`~tutor.cli.history`), which adds
its parsers and holds its handlers. Command modules import only the standard library and
small parts of the tutor at the top; recognizers, sound libraries and the database are
imported inside the handler that needs them, so `tutor --help` stays quick. The work
itself lives in the library (:mod:`tutor.app` assembles it); here are only flags and output.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

from tutor import __version__
from tutor.cli.common import EXIT_BROKEN_PIPE
from tutor.errors import TutorError
from tutor.settings import Settings, load_settings
from tutor.terminal import printable

_LOGGER = logging.getLogger("tutor")

# each command, in the order `tutor --help` lists them, and the module that holds it
COMMANDS: Final = (("practice", "practice"), ("scenarios", "station"), ("config", "station"),
                   ("devices", "station"), ("models", "models"), ("run", "station"),
                   ("doctor", "station"), ("calibrate", "station"), ("score", "practice"),
                   ("report", "history"), ("forget", "history"), ("session", "history"))

Handler = Callable[[argparse.Namespace, Settings], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tutor", description="Offline practice station for active listening.")
    parser.add_argument("--version", action="version", version=f"tutor {__version__}")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file read after /etc/tutor/config.toml and the user's")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS:
        getattr(_module(module), f"parser_{name}")(commands)
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
        module = dict(COMMANDS)[args.command]
        handler: Handler = getattr(_module(module), f"cmd_{args.command}")
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


def _module(name: str) -> object:
    return importlib.import_module(f"tutor.cli.{name}")
