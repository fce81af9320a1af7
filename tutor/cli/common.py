"""What the command modules share: exit codes, limits on flags, and the subparsers' type."""

from __future__ import annotations

import argparse
import signal
from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Commands = argparse._SubParsersAction

EXIT_NO_REPLY: Final = 5
EXIT_BROKEN_PIPE: Final = 128 + signal.SIGPIPE  # what a shell reports for a program whose reader left
REPLY_AT_S: Final = (-30.0, 60.0)  # --reply-at: talking over the customer from 30 s early to a minute late


def trainee_name(text: str) -> str:
    """A trainee id from the command line, checked before any work is done for it."""
    from tutor.history import validate_name

    return validate_name(text)
