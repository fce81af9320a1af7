"""The rounds as CSV for a spreadsheet, and the one way every report file is written."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tutor import files
from tutor.history.report.figures import local
from tutor.history.rounds import ROUND_KEYS

if TYPE_CHECKING:
    from tutor.history import RecordedRound

# a round's JSON keys (tutor.history.rounds.ROUND_COLUMNS), with the session moved up beside the
# trainee: who played, in which cohort, then what
_CSV_FIRST: Final = ("id", "started_at", "station", "trainee", "session")
CSV_COLUMNS: Final = (*_CSV_FIRST, *(key for key in ROUND_KEYS if key not in _CSV_FIRST))
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet cell a formula


def write_atomically(path: Path, text: str) -> Path:
    """Write the whole file or nothing: a half-written report is worse than none. Never
    replaces a device node or a link (see :mod:`tutor.files`); the umask sets the mode."""
    return files.write_atomically(path, text.encode("utf-8"))


def to_csv(rounds: Sequence[RecordedRound]) -> str:
    """One line per round; times in this machine's local time with their offset. Text that a
    spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at
    the start) is prefixed with ``'``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: also quotes a cell holding a CR
    writer.writerow(CSV_COLUMNS)
    for r in rounds:
        data = r.to_json()
        data["started_at"] = local(r.started_at).isoformat()
        data["pause"] = r.pause_verdict
        writer.writerow(["" if data[c] is None else _inert(data[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _inert(value: object) -> object:
    """A text cell a spreadsheet would read as a formula gets a leading ``'`` (OWASP's advice
    on CSV injection); numbers stay numbers, so a negative pause is still -0.3."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rounds: Sequence[RecordedRound], path: Path) -> Path:
    return write_atomically(path, to_csv(rounds))
