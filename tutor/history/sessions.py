"""Onboarding sessions: a cohort's rounds between `session start` and `session end`.

At most one session is open at a time, and a round belongs to the session open
when it was played (its ``session_id``) if it is a round of one of the
session's scenarios (any scenario when the session names none): a trainee who
practises something else while the cohort's session is open is not in the
cohort's figures. An ended session can be reopened (`tutor session reopen`), so
a cohort that meets all week is one session; rounds played while it was ended
stay outside it. Forgetting a session's rounds leaves the session, and ending
it does not touch them; a session keeps only its name, scenarios and times, so
it holds nothing personal.
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

# SQL: the round (rounds.scenario) is of one of the session's scenarios, or the session names none.
# Checked when a round is recorded, and again when rounds are read, for rounds recorded by a tutor
# that filed every round played while a session was open under it.
OF_SESSION_SCENARIOS: Final = ("(sessions.scenarios = '[]' OR rounds.scenario IN "
                               "(SELECT value FROM json_each(sessions.scenarios)))")
_SELECT: Final = ("SELECT name, scenarios, started_at, ended_at, "
                  "(SELECT count(*) FROM rounds WHERE session_id = sessions.id "
                  f"AND {OF_SESSION_SCENARIOS}) FROM sessions")


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

    def covers(self, scenario: str) -> bool:
        """Whether a round of ``scenario`` counts towards this session."""
        return not self.scenarios or scenario in self.scenarios


class Sessions(Database):
    """The history's sessions, on top of the open file."""

    def start_session(self, name: str, scenarios: Sequence[str]) -> Session:
        """Open a new named session; rounds of its scenarios recorded until it ends belong to it."""
        name = validate_name(name, "session name")
        with self._transaction() as conn:
            _refuse_a_second_open_session(conn, name)
            if conn.execute("SELECT 1 FROM sessions WHERE name = ?", (name,)).fetchone():
                # a new session never takes an old one's name: reopening is said out loud
                raise SessionError(f"a session named {name!r} already exists; continue it with "
                                   f"`tutor session reopen {name}`, or choose another name")
            conn.execute("INSERT INTO sessions (name, scenarios, started_at) VALUES (?, ?, ?)",
                         (name, json.dumps(list(scenarios)), now()))
        return self.session(name)

    def reopen_session(self, name: str) -> Session:
        """Open an ended session again, with its scenarios; its rounds so far stay in it."""
        with self._transaction() as conn:
            _refuse_a_second_open_session(conn, name)
            self._session_id(conn, name)
            conn.execute("UPDATE sessions SET ended_at = NULL WHERE name = ?", (name,))
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
            known = [row[0] for row in conn.execute("SELECT name FROM sessions")]
            raise NotInHistoryError(f"no session named {name!r}{did_you_mean(name, known)}")
        return int(row[0])


def _refuse_a_second_open_session(conn: sqlite3.Connection, name: str) -> None:
    current = conn.execute("SELECT name FROM sessions WHERE ended_at IS NULL").fetchone()
    if current and current[0] == name:
        raise SessionError(f"session {name!r} is already open")
    if current:
        raise SessionError(f"session {current[0]!r} is still open; end it first with "
                           f"`tutor session end`")


def _session(row: Sequence[Any]) -> Session:
    return Session(name=row[0], scenarios=tuple(json.loads(row[1])),
                   started_at=datetime.fromisoformat(row[2]),
                   ended_at=datetime.fromisoformat(row[3]) if row[3] else None, rounds=int(row[4]))
