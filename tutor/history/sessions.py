"""Onboarding sessions: a cohort's rounds between `session start` and `session end`.

At most one session is open at a time, and a round belongs to the session open
when it was played (its ``session_id``). Forgetting a session's rounds leaves
the session, and ending it does not touch them; a session keeps only its name,
scenarios and times, so it holds nothing personal.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from tutor.errors import NotInHistoryError, SessionError
from tutor.history.database import Database, now
from tutor.history.names import did_you_mean, validate_name

_SELECT: Final = ("SELECT name, scenarios, started_at, ended_at, "
                  "(SELECT count(*) FROM rounds WHERE session_id = sessions.id) FROM sessions")


@dataclass(frozen=True)
class Session:
    """An onboarding session: a cohort's rounds between `session start` and `session end`."""

    name: str
    scenarios: tuple[str, ...]
    started_at: datetime
    ended_at: datetime | None
    rounds: int

    @property
    def open(self) -> bool:
        return self.ended_at is None


class Sessions(Database):
    """The history's sessions, on top of the open file."""

    def start_session(self, name: str, scenarios: Sequence[str]) -> Session:
        """Open a named session; rounds recorded until it ends belong to it."""
        name = validate_name(name, "session name")
        with self._transaction() as conn:
            current = conn.execute("SELECT name FROM sessions WHERE ended_at IS NULL").fetchone()
            if current:
                raise SessionError(f"session {current[0]!r} is still open; end it first with "
                                   f"`tutor session end`")
            if conn.execute("SELECT 1 FROM sessions WHERE name = ?", (name,)).fetchone():
                raise SessionError(f"a session named {name!r} already exists; choose another name")
            conn.execute("INSERT INTO sessions (name, scenarios, started_at) VALUES (?, ?, ?)",
                         (name, json.dumps(list(scenarios)), now()))
        return self.session(name)

    def end_session(self) -> Session:
        """End the open session."""
        with self._transaction() as conn:
            current = conn.execute("SELECT name FROM sessions WHERE ended_at IS NULL").fetchone()
            if not current:
                raise SessionError("no session is open; start one with `tutor session start NAME`")
            conn.execute("UPDATE sessions SET ended_at = ? WHERE name = ?", (now(), current[0]))
        return self.session(current[0])

    def current_session(self) -> Session | None:
        rows = self._query("SELECT name FROM sessions WHERE ended_at IS NULL")
        return self.session(rows[0][0]) if rows else None

    def session(self, name: str) -> Session:
        rows = self._query(f"{_SELECT} WHERE name = ?", (name,))
        if not rows:
            known = [row[0] for row in self._query("SELECT name FROM sessions")]
            raise NotInHistoryError(f"no session named {name!r}{did_you_mean(name, known)}")
        return _session(rows[0])

    def sessions(self) -> list[Session]:
        return [_session(row) for row in self._query(f"{_SELECT} ORDER BY started_at, id")]

    def _session_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM sessions WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotInHistoryError(f"no session named {name!r}")
        return int(row[0])


def _session(row: Sequence[Any]) -> Session:
    return Session(name=row[0], scenarios=tuple(json.loads(row[1])),
                   started_at=datetime.fromisoformat(row[2]),
                   ended_at=datetime.fromisoformat(row[3]) if row[3] else None, rounds=int(row[4]))
