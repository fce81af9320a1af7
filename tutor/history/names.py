"""The names the history files rounds under: trainees, sessions and stations.

Names are typed by people, or by badge readers that act as keyboards, so they
are checked on the way in (:func:`validate_name`) and a name that is not in
the history is answered with the closest one that is (:func:`did_you_mean`).
"""

from __future__ import annotations

import difflib
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from tutor.errors import ConfigError

if TYPE_CHECKING:
    from tutor.settings import Settings

MAX_NAME_LENGTH: Final = 64


def validate_name(text: str, what: str = "trainee id") -> str:
    """A trainee id or session name: 1 to 64 printable characters, surrounding blanks removed.

    Badge readers that act as keyboards type the digits and then Enter, so a
    trailing newline is taken off rather than refused.
    """
    name = text.strip()
    if not name:
        raise ConfigError(f"the {what} is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(f"the {what} is {len(name)} characters long; at most {MAX_NAME_LENGTH}")
    if not name.isprintable():
        raise ConfigError(f"the {what} {name!r} has control characters; use letters, digits and spaces")
    return name


def station_name(settings: Settings) -> str:
    return settings.history.station or socket.gethostname()


def did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; none recorded yet" if not known else ""
