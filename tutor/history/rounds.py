"""Recording rounds and reading them back.

A round is kept twice over in its row: the full result as JSON, so a later
release can derive a figure nobody thought to index, and the indexed columns
that reports filter and plot. Those columns are listed once, in
:data:`ROUND_COLUMNS`: the INSERT of :meth:`Rounds.record`, the SELECT of
:meth:`Rounds.rounds`, the fields of :class:`RecordedRound` and its JSON, and
the CSV report (:data:`tutor.history.report.CSV_COLUMNS`) are all derived from
it, so a column added there reaches every one of them or fails at once.

A habit the station could not judge is kept as not scored (NULL), so reports
are not skewed by guesses. Times are kept in UTC. A conversation's columns
describe its first reply, as its JSON's top level does; the JSON keeps every
turn (``turns``), and three columns say how it went: how many turns the
customer took, whether they calmed down and whether the need behind the
complaint was reached (NULL where the scenario gives no such turn).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tutor.errors import NotInHistoryError
from tutor.history.database import to_utc
from tutor.history.names import did_you_mean, validate_name
from tutor.history.sessions import OF_SESSION_SCENARIOS, Sessions
from tutor.vocabulary import Habit

if TYPE_CHECKING:
    from tutor.round import RoundResult


def _same(value: Any) -> Any:
    return value


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


@dataclass(frozen=True)
class Column:
    """One indexed figure of a round: a field of :class:`RecordedRound`."""

    field: str  # the attribute of RecordedRound, and the rounds table's column when ``stored``
    key: str = ""  # its name in the JSON and the CSV report; the field's when empty
    select: str = ""  # the SQL that reads it; the field's column when empty
    stored: bool = True  # written by Rounds.record under the field's name
    read: Callable[[Any], Any] = _same  # from the SQL value to the field's

    @property
    def name(self) -> str:
        return self.key or self.field

    @property
    def sql(self) -> str:
        return self.select or self.field


ROUND_COLUMNS: Final = (
    Column("id", select="rounds.id", stored=False),
    Column("started_at", select="rounds.started_at", read=datetime.fromisoformat),
    Column("station"),
    Column("trainee"),
    Column("scenario"),
    Column("session", select="sessions.name", stored=False),  # written as the session_id
    Column("pause_s"),
    Column("pause_verdict", key="pause"),
    Column("pause_passed", read=_flag),
    Column("pause_score"),
    Column("interruptions"),
    Column("backchannels"),
    Column("paraphrase_passed", read=_flag),
    Column("paraphrase_score"),
    Column("empathy_passed", read=_flag),
    Column("empathy_score"),
    Column("open_question_passed", read=_flag),
    Column("open_question_score"),
    Column("transcript"),
    Column("recording"),
    Column("turns"),
    Column("calmed", read=_flag),
    Column("need_reached", read=_flag),
)
ROUND_KEYS: Final = tuple(column.name for column in ROUND_COLUMNS)  # RecordedRound.to_json's keys

_INSERTED: Final = (*(column.field for column in ROUND_COLUMNS if column.stored), "result", "session_id")
_INSERT: Final = (f"INSERT INTO rounds ({', '.join(_INSERTED)}) "
                  f"VALUES ({', '.join(':' + name for name in _INSERTED)})")
# a round is in its session only if it is of one of the session's scenarios (tutor.history.sessions)
_SELECT: Final = (f"SELECT {', '.join(column.sql for column in ROUND_COLUMNS)} "
                  "FROM rounds LEFT JOIN sessions ON sessions.id = rounds.session_id "
                  f"AND {OF_SESSION_SCENARIOS}")


@dataclass(frozen=True)
class RecordedRound:
    """One round as the history keeps it; ``started_at`` is in UTC."""

    id: int
    started_at: datetime
    station: str
    trainee: str
    scenario: str
    session: str | None
    pause_s: float | None
    pause_verdict: str | None
    pause_passed: bool | None
    pause_score: float | None
    interruptions: int
    backchannels: int
    paraphrase_passed: bool | None
    paraphrase_score: float | None
    empathy_passed: bool | None
    empathy_score: float | None
    open_question_passed: bool | None
    open_question_score: float | None
    transcript: str
    recording: str | None
    turns: int
    calmed: bool | None
    need_reached: bool | None

    def to_json(self) -> dict[str, Any]:
        data = {column.name: getattr(self, column.field) for column in ROUND_COLUMNS}
        data["started_at"] = self.started_at.isoformat()
        return data


class Rounds(Sessions):
    """The history's rounds, on top of its sessions (a round of its scenarios belongs to the one open)."""

    keep_recordings: bool  # the rest of the settings are History's
    recordings_dir: Path | None

    def record(self, result: RoundResult, trainee: str, station: str, session: str | None = None) -> int:
        """Keep a scored round; returns its id. The round is in the file once this returns.

        The round is in ``session`` only if it is of one of the session's scenarios.
        """
        trainee = validate_name(trainee)
        card = result.score
        talk = result.conversation
        data = result.to_json()
        kept = self._kept_recording(result.round_path)
        data["round_path"] = str(kept) if kept else None
        started = to_utc(result.started_at)

        def trait(habit: Habit) -> tuple[bool | None, float | None]:
            value = card.trait(habit) if card is not None else None
            # a habit the station could not judge is kept as not scored, so reports are not skewed
            if value is None or not value.reliable:
                return None, None
            return bool(value.passed), float(value.score)

        pause_passed, pause_score = trait(Habit.PAUSE)
        paraphrase_passed, paraphrase_score = trait(Habit.PARAPHRASE)
        empathy_passed, empathy_score = trait(Habit.EMPATHY)
        open_question_passed, open_question_score = trait(Habit.OPEN_QUESTION)
        row = {
            "started_at": started.isoformat(timespec="seconds"), "station": station, "trainee": trainee,
            "scenario": result.scenario_id,
            "pause_s": card.pause_s if card and card.pause and card.pause.reliable else None,
            "pause_verdict": card.pause.verdict if card and card.pause else None,
            "pause_passed": pause_passed, "pause_score": pause_score,
            "interruptions": len(card.interruptions) if card else 0,
            "backchannels": len(card.backchannels) if card else 0,
            "paraphrase_passed": paraphrase_passed, "paraphrase_score": paraphrase_score,
            "empathy_passed": empathy_passed, "empathy_score": empathy_score,
            "open_question_passed": open_question_passed, "open_question_score": open_question_score,
            "transcript": result.transcript, "recording": str(kept) if kept else None,
            "turns": len(result.turns) or 1,
            "calmed": None if talk is None or talk.calmed is None else int(talk.calmed),
            "need_reached": None if talk is None or talk.need_reached is None else int(talk.need_reached),
            "result": json.dumps(data, ensure_ascii=False)}
        with self._transaction() as conn:
            row["session_id"] = None
            if session is not None and self.session(session).covers(result.scenario_id):
                row["session_id"] = self._session_id(conn, session)
            round_id = conn.execute(_INSERT, row).lastrowid
        assert round_id is not None
        return round_id

    def _kept_recording(self, path: Path | None) -> Path | None:
        """The round's recording when the history keeps it: only files in the rounds folder,
        since a file saved where a person asked for it is theirs, not the history's."""
        if not self.keep_recordings or path is None or not path.exists():
            return None
        path = path.absolute()
        if self.recordings_dir is not None and not path.is_relative_to(self.recordings_dir.absolute()):
            return None
        return path

    def rounds(self, *, trainee: str | None = None, station: str | None = None,
               since: datetime | None = None, session: str | None = None,
               without_trainee: str | None = None) -> list[RecordedRound]:
        """Rounds in the order they were played, narrowed by any of the arguments
        (``without_trainee``: all but that trainee's, such as the shared guest id)."""
        where: list[str] = []
        values: list[Any] = []
        if without_trainee is not None:
            where.append("trainee != ?")
            values.append(without_trainee)
        if trainee is not None:
            where.append("trainee = ?")
            values.append(trainee)
        if station is not None:
            where.append("station = ?")
            values.append(station)
        if since is not None:
            where.append("rounds.started_at >= ?")
            values.append(to_utc(since).isoformat(timespec="seconds"))
        if session is not None:
            where.append("sessions.name = ?")
            values.append(session)
        sql = (_SELECT + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY rounds.started_at, rounds.id")
        return [_recorded(row) for row in self._query(sql, values)]

    def result(self, round_id: int) -> dict[str, Any]:
        """The round's whole JSON as recorded (`tutor practice --json`'s object)."""
        rows = self._query("SELECT result FROM rounds WHERE id = ?", (round_id,))
        if not rows:
            raise NotInHistoryError(f"no round {round_id} in the history")
        data: dict[str, Any] = json.loads(rows[0][0])
        return data

    def trainees(self) -> list[str]:
        return [row[0] for row in self._query("SELECT DISTINCT trainee FROM rounds ORDER BY trainee")]

    def stations(self) -> list[str]:
        return [row[0] for row in self._query("SELECT DISTINCT station FROM rounds ORDER BY station")]

    def require(self, what: str, name: str) -> str:
        """``name`` if some round has it as its ``what`` ("trainee" or "station"), else a clear error."""
        known = self.trainees() if what == "trainee" else self.stations()
        if name not in known:
            raise NotInHistoryError(f"no rounds recorded for {what} {name!r}{did_you_mean(name, known)}")
        return name


def _recorded(row: Sequence[Any]) -> RecordedRound:
    return RecordedRound(**{column.field: column.read(value)
                            for column, value in zip(ROUND_COLUMNS, row, strict=True)})
