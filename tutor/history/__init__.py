"""The history of rounds: who practised what, where and when, and how they listened.

One SQLite file (``history.sqlite3`` in the data folder unless
``history.database`` says otherwise) holds every round: its time, station,
trainee, scenario, the indexed scores the reports plot, and the round's whole
JSON (every score with its reason, the transcript, the timings). Trainees'
words are personal data: :meth:`History.forget` removes everything about one
person and rewrites the file so the text does not linger in free pages, and
rounds older than ``history.retention_days`` lose their recordings and words.

Durability: write-ahead logging with ``synchronous = FULL``. A station is
switched off at the wall as often as it is shut down; FULL syncs the log at
every commit, so a round reported as recorded survives a power cut as well as
a killed process, for one fsync per round (a few milliseconds against a round
of half a minute). NORMAL would only survive the killed process.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import socket
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final

from tutor.errors import ConfigError, HistoryError, NotInHistoryError, SessionError
from tutor.history.progress import GUEST, progress_remark
from tutor.history.schema import MIGRATIONS, VERSION

if TYPE_CHECKING:
    from tutor.round import RoundResult
    from tutor.settings import Settings

__all__ = ["GUEST", "Forgotten", "History", "RecordedRound", "Session", "database_path",
           "progress_remark", "record_round", "station_name", "validate_name"]

_LOGGER = logging.getLogger(__name__)

DATABASE_NAME: Final = "history.sqlite3"
BUSY_TIMEOUT_S: Final = 5.0  # a report reading while a round is written takes well under this
MAX_NAME_LENGTH: Final = 64
SWEEP_GRACE_S: Final = 600.0  # a recording younger than this may belong to a round still being played
# the station's own names in the rounds folder (tutor.round._new_round_path), and the hidden
# temporary files tutor.files.write_atomically leaves beside them when it is interrupted
_ROUND_NAME: Final = re.compile(r"\d{8}-\d{6}-\d{3}-[^/]+\.wav")
_TEMPORARY_NAME: Final = re.compile(r"\.(?P<name>[^/]+)\.[0-9a-f]{8}\.tmp")

_ROUND_COLUMNS: Final = (
    "rounds.id, rounds.started_at, station, trainee, scenario, sessions.name, pause_s, pause_verdict, "
    "pause_passed, pause_score, interruptions, backchannels, paraphrase_passed, paraphrase_score, "
    "empathy_passed, empathy_score, open_question_passed, open_question_score, transcript, recording")


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


def database_path(settings: Settings) -> Path:
    if settings.history.database:
        return Path(settings.history.database).expanduser()
    return settings.data_dir / DATABASE_NAME


def station_name(settings: Settings) -> str:
    return settings.history.station or socket.gethostname()


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

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "started_at": self.started_at.isoformat(), "station": self.station,
                "trainee": self.trainee, "scenario": self.scenario, "session": self.session,
                "pause_s": self.pause_s, "pause": self.pause_verdict, "pause_passed": self.pause_passed,
                "pause_score": self.pause_score, "interruptions": self.interruptions,
                "backchannels": self.backchannels, "paraphrase_passed": self.paraphrase_passed,
                "paraphrase_score": self.paraphrase_score, "empathy_passed": self.empathy_passed,
                "empathy_score": self.empathy_score, "open_question_passed": self.open_question_passed,
                "open_question_score": self.open_question_score, "transcript": self.transcript,
                "recording": self.recording}


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


@dataclass(frozen=True)
class Forgotten:
    """What :meth:`History.forget` deleted."""

    trainee: str
    rounds: int
    recordings: int
    unreferenced: int = 0  # recordings no round referred to, whoever's voice they hold
    compacted: bool = True  # False: another program's read kept the deleted words in the file


class History:
    """The history database: a context manager; closing twice is harmless."""

    def __init__(self, path: Path, *, keep_recordings: bool = False, retention_days: int = 90,
                 purge_transcripts: bool = True, recordings_dir: Path | None = None,
                 busy_timeout_s: float = BUSY_TIMEOUT_S, create: bool = True, sweep: bool = True,
                 sweep_grace_s: float = SWEEP_GRACE_S) -> None:
        self.path = path
        self.keep_recordings = keep_recordings
        self.retention_days = retention_days
        self.purge_transcripts = purge_transcripts
        self.recordings_dir = recordings_dir
        self.busy_timeout_s = busy_timeout_s
        self.sweep = sweep
        self.sweep_grace_s = sweep_grace_s
        self._conn: sqlite3.Connection | None = self._connect(create)

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True,
             busy_timeout_s: float = BUSY_TIMEOUT_S) -> History:
        config = settings.history
        return cls(database_path(settings), keep_recordings=config.keep_recordings,
                   retention_days=config.retention_days, purge_transcripts=config.purge_transcripts,
                   recordings_dir=settings.rounds_dir, busy_timeout_s=busy_timeout_s, create=create,
                   sweep=config.enabled)

    def __enter__(self) -> History:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    @property
    def closed(self) -> bool:
        return self._conn is None

    # opening and migrating

    def _connect(self, create: bool) -> sqlite3.Connection:
        if not create and not self.path.exists():
            raise NotInHistoryError(f"no history yet at {self.path}: rounds are recorded there once played")
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"cannot create the folder for the history database {self.path}: "
                                   f"{exc.strerror or exc}") from None
        # mode=rw never creates a file: a mistyped path must not leave an empty database behind
        uri = self.path.absolute().as_uri() + ("" if create else "?mode=rw")
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout_s, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._explain(exc) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                _LOGGER.warning("history: %s cannot use write-ahead logging (journal mode %s)",
                                self.path, mode)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            # deleted and purged words are overwritten in the file, not just unlinked from the tree
            conn.execute("PRAGMA secure_delete = ON")
            self._migrate(conn)
        except sqlite3.Error as exc:
            conn.close()
            raise self._explain(exc) from None
        except HistoryError:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = _user_version(conn)
        if version > VERSION:
            raise HistoryError(f"{self.path} was written by a newer tutor (history version {version}, "
                               f"this one reads up to {VERSION}); upgrade the tutor")
        for number in range(version + 1, VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                # another process may have migrated while this one waited for the lock
                if _user_version(conn) < number:
                    for statement in _statements(MIGRATIONS[number - 1]):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {number}")
                    _LOGGER.info("history: %s migrated to version %d", self.path, number)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def _explain(self, exc: sqlite3.Error) -> HistoryError:
        code = getattr(exc, "sqlite_errorname", "") or ""
        path = self.path
        if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return HistoryError(f"the history database {path} is locked by another program "
                                f"(waited {self.busy_timeout_s:g} s); close it and try again")
        if code == "SQLITE_NOTADB" or code.startswith("SQLITE_CORRUPT"):
            return HistoryError(f"{path} is damaged or not a history database ({exc}); it was left as it "
                                f"is: move it aside, with any -wal and -shm files next to it, and the "
                                f"tutor starts a new one")
        if code == "SQLITE_FULL":
            return HistoryError(f"the disk holding the history database {path} is full")
        if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
            return HistoryError(f"cannot open the history database {path} for writing ({exc}); "
                                f"check the folder's permissions")
        if code.startswith("SQLITE_IOERR"):
            return HistoryError(f"the history database {path} could not be read or written ({exc}); "
                                f"check the disk")
        return HistoryError(f"history database {path}: {exc}")

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise HistoryError(f"the history database {self.path} is closed")
        return self._conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; IMMEDIATE takes the write lock up front, so a busy database
        waits here for busy_timeout instead of failing half-way through."""
        conn = self._db
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._explain(exc) from None

    def _query(self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise self._explain(exc) from None

    # rounds

    def record(self, result: RoundResult, trainee: str, station: str, session: str | None = None) -> int:
        """Keep a scored round; returns its id. The round is in the file once this returns."""
        trainee = validate_name(trainee)
        card = result.score
        data = result.to_json()
        kept = self._kept_recording(result.round_path)
        data["round_path"] = str(kept) if kept else None
        started = _to_utc(result.started_at)

        def trait(name: str) -> tuple[bool | None, float | None]:
            value = getattr(card, name) if card is not None else None
            # a habit the station could not judge is kept as not scored, so reports are not skewed
            if value is None or not value.reliable:
                return None, None
            return bool(value.passed), float(value.score)

        pause_passed, pause_score = trait("pause")
        paraphrase = trait("paraphrase")
        empathy = trait("empathy")
        question = trait("open_question")
        row = (started.isoformat(timespec="seconds"), station, trainee, result.scenario_id,
               card.pause_s if card and card.pause and card.pause.reliable else None,
               card.pause.verdict if card and card.pause else None,
               pause_passed, pause_score, len(card.interruptions) if card else 0,
               len(card.backchannels) if card else 0, *paraphrase, *empathy, *question,
               result.transcript, str(kept) if kept else None, json.dumps(data, ensure_ascii=False))
        with self._transaction() as conn:
            session_id = self._session_id(conn, session) if session is not None else None
            cursor = conn.execute(
                "INSERT INTO rounds (started_at, station, trainee, scenario, pause_s, pause_verdict, "
                "pause_passed, pause_score, interruptions, backchannels, paraphrase_passed, "
                "paraphrase_score, empathy_passed, empathy_score, open_question_passed, "
                "open_question_score, transcript, recording, result, session_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, session_id))
            round_id = cursor.lastrowid
        assert round_id is not None
        try:
            self.purge()
        except HistoryError as exc:  # the round is safe; old words wait for the next round
            _LOGGER.warning("history: purge postponed: %s", exc)
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
               since: datetime | None = None, session: str | None = None) -> list[RecordedRound]:
        """Rounds in the order they were played, narrowed by any of the arguments."""
        where: list[str] = []
        values: list[Any] = []
        if trainee is not None:
            where.append("trainee = ?")
            values.append(trainee)
        if station is not None:
            where.append("station = ?")
            values.append(station)
        if since is not None:
            where.append("rounds.started_at >= ?")
            values.append(_to_utc(since).isoformat(timespec="seconds"))
        if session is not None:
            where.append("sessions.name = ?")
            values.append(session)
        sql = (f"SELECT {_ROUND_COLUMNS} FROM rounds LEFT JOIN sessions ON sessions.id = rounds.session_id"
               + (" WHERE " + " AND ".join(where) if where else "")
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
            raise NotInHistoryError(f"no rounds recorded for {what} {name!r}{_did_you_mean(name, known)}")
        return name

    # privacy

    def forget(self, trainee: str) -> Forgotten:
        """Delete every round of one trainee and its kept recording, then rewrite the file
        so their words are gone from it, not merely unreachable; recordings no round refers to
        (older than the grace period) go too, as they cannot be told apart by trainee.

        ``compacted`` is False when another program's read transaction kept the rewrite from
        finishing within the busy timeout. Forgetting the same trainee again then finishes it:
        with none of their rounds left but their id still in the file's bytes, the rewrite is
        done instead of an error."""
        try:
            trainee = self.require("trainee", trainee)
        except NotInHistoryError:
            if not self._compaction_pending(trainee):
                raise
            swept = self.sweep_recordings()
            return Forgotten(trainee, 0, 0, swept, self._compact())
        recordings = [row[0] for row in self._query(
            "SELECT recording FROM rounds WHERE trainee = ? AND recording IS NOT NULL", (trainee,))]
        # files first: if one cannot be deleted the rows stay, and forgetting again finishes the job
        deleted = sum(_delete(Path(path)) for path in recordings)
        with self._transaction() as conn:
            count = conn.execute("DELETE FROM rounds WHERE trainee = ?", (trainee,)).rowcount
        swept = self.sweep_recordings()
        compacted = self._compact()
        _LOGGER.info("history: forgot %s (%d rounds, %d recordings, %d unreferenced recordings)",
                     trainee, count, deleted, swept)
        return Forgotten(trainee, count, deleted, swept, compacted)

    def _compaction_pending(self, trainee: str) -> bool:
        """Whether a trainee without rounds is still in the file's bytes (the database or its
        log): an earlier forget whose rewrite a reader kept from finishing."""
        needle = trainee.encode()
        for path in (self.path, Path(f"{self.path}-wal")):
            try:
                if needle in path.read_bytes():
                    return True
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise HistoryError(f"cannot read {path}: {exc.strerror or exc}") from None
        return False

    def _compact(self) -> bool:
        """VACUUM, then empty the log into the file; retried for the busy timeout while another
        connection reads. Returns whether both finished (else deleted text may remain)."""
        conn = self._db
        deadline = time.monotonic() + self.busy_timeout_s
        vacuumed = False
        while True:
            try:
                if not vacuumed:
                    conn.execute("VACUUM")
                    vacuumed = True
                if not conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]:
                    return True
            except sqlite3.Error as exc:
                if not (getattr(exc, "sqlite_errorname", "") or "").startswith(("SQLITE_BUSY",
                                                                                 "SQLITE_LOCKED")):
                    raise self._explain(exc) from None
            if time.monotonic() >= deadline:
                # info, not a warning: the caller says it (`tutor forget` in one line)
                _LOGGER.info("history: another program is reading %s; deleted text stays in the "
                             "file until it closes", self.path)
                return False
            time.sleep(0.05)

    def sweep_recordings(self, now: float | None = None) -> int:
        """Delete recordings in the rounds folder that no round refers to, and the hidden
        temporary files of interrupted writes there, once older than the grace period;
        returns how many. Only the station's own names are touched; nothing when the
        history is off (``sweep`` False) or has no rounds folder."""
        folder = self.recordings_dir
        if not self.sweep or folder is None:
            return 0
        referenced = {Path(path).absolute() for (path,) in self._query(
            "SELECT recording FROM rounds WHERE recording IS NOT NULL")}
        cutoff = (time.time() if now is None else now) - self.sweep_grace_s
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return 0
        except OSError as exc:
            raise HistoryError(f"cannot list the recordings in {folder}: {exc.strerror or exc}") from None
        deleted = 0
        for entry in entries:
            temporary = _TEMPORARY_NAME.fullmatch(entry.name)
            if not (_ROUND_NAME.fullmatch(entry.name)
                    or (temporary is not None and _ROUND_NAME.fullmatch(temporary["name"]))):
                continue
            try:
                fresh = entry.stat(follow_symlinks=False).st_mtime > cutoff
                if fresh or not entry.is_file(follow_symlinks=False):
                    continue
            except OSError:
                continue
            path = Path(entry.path).absolute()
            if path not in referenced:
                deleted += _delete(path)
        if deleted:
            _LOGGER.info("history: %d recordings no round refers to deleted from %s", deleted, folder)
        return deleted

    def purge(self, now: datetime | None = None) -> tuple[int, int]:
        """Apply the retention period: delete kept recordings, and remove the words of rounds
        older than it; recordings no round refers to go whatever the period (see
        :meth:`sweep_recordings`). Returns (recordings deleted, rounds whose words were removed)."""
        swept = self.sweep_recordings()
        if self.retention_days <= 0:
            return swept, 0
        cutoff = ((now or datetime.now(UTC)) - timedelta(days=self.retention_days)).astimezone(UTC)
        limit = cutoff.isoformat(timespec="seconds")
        old_recordings = self._query(
            "SELECT id, recording FROM rounds WHERE started_at < ? AND recording IS NOT NULL", (limit,))
        stale = self._query("SELECT id FROM rounds WHERE started_at < ? AND words_purged = 0", (limit,)
                            ) if self.purge_transcripts else []
        if not old_recordings and not stale:
            return swept, 0
        deleted = swept + sum(_delete(Path(path)) for _, path in old_recordings)
        with self._transaction() as conn:
            conn.executemany("UPDATE rounds SET recording = NULL WHERE id = ?",
                             [(round_id,) for round_id, _ in old_recordings])
            for (round_id,) in stale:
                text = conn.execute("SELECT result FROM rounds WHERE id = ?", (round_id,)).fetchone()[0]
                conn.execute("UPDATE rounds SET transcript = '', words_purged = 1, result = ? WHERE id = ?",
                             (json.dumps(without_words(json.loads(text)), ensure_ascii=False), round_id))
        scrubbed = len(stale)
        if scrubbed:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # old page images hold the words too
            except sqlite3.Error as exc:
                raise self._explain(exc) from None
        if deleted or scrubbed:
            _LOGGER.info("history: retention: %d recordings deleted, words removed from %d rounds",
                         deleted, scrubbed)
        return deleted, scrubbed

    # onboarding sessions

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
                         (name, json.dumps(list(scenarios)), _now()))
        return self.session(name)

    def end_session(self) -> Session:
        """End the open session."""
        with self._transaction() as conn:
            current = conn.execute("SELECT name FROM sessions WHERE ended_at IS NULL").fetchone()
            if not current:
                raise SessionError("no session is open; start one with `tutor session start NAME`")
            conn.execute("UPDATE sessions SET ended_at = ? WHERE name = ?", (_now(), current[0]))
        return self.session(current[0])

    def current_session(self) -> Session | None:
        rows = self._query("SELECT name FROM sessions WHERE ended_at IS NULL")
        return self.session(rows[0][0]) if rows else None

    def session(self, name: str) -> Session:
        rows = self._query(
            "SELECT name, scenarios, started_at, ended_at, "
            "(SELECT count(*) FROM rounds WHERE session_id = sessions.id) FROM sessions WHERE name = ?",
            (name,))
        if not rows:
            known = [row[0] for row in self._query("SELECT name FROM sessions")]
            raise NotInHistoryError(f"no session named {name!r}{_did_you_mean(name, known)}")
        return _session(rows[0])

    def sessions(self) -> list[Session]:
        return [_session(row) for row in self._query(
            "SELECT name, scenarios, started_at, ended_at, "
            "(SELECT count(*) FROM rounds WHERE session_id = sessions.id) FROM sessions "
            "ORDER BY started_at, id")]

    def _session_id(self, conn: sqlite3.Connection, name: str) -> int:
        row = conn.execute("SELECT id FROM sessions WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotInHistoryError(f"no session named {name!r}")
        return int(row[0])


def record_round(settings: Settings, result: RoundResult, trainee: str = GUEST, *,
                 keep_file: bool = False) -> tuple[int | None, Path | None]:
    """Record a scored round in the history, in the session open at the time; returns its id
    (None when history is off) and where its recording now is.

    Once the round is safely recorded, its recording is deleted unless
    ``history.keep_recordings`` is on or ``keep_file`` says a person asked for
    the file; the place returned is then None. A failure raises
    :class:`HistoryError` and deletes nothing.
    """
    if not settings.history.enabled:
        return None, result.round_path
    with History.open(settings) as history:
        current = history.current_session()
        round_id = history.record(result, trainee, station_name(settings),
                                  current.name if current else None)
    if result.round_path is not None and not settings.history.keep_recordings and not keep_file:
        try:
            _delete(result.round_path)
        except HistoryError as exc:  # the round is recorded; only the file outstays its welcome
            _LOGGER.warning("%s", exc)
            return round_id, result.round_path
        return round_id, None
    return round_id, result.round_path


def without_words(data: dict[str, Any]) -> dict[str, Any]:
    """A round's JSON with the trainee's words taken out: timings, verdicts and scores stay."""
    out = dict(data)
    out["transcript"] = ""
    out["words"] = []
    out["utterances"] = [{k: v for k, v in u.items() if k != "text"} for u in data.get("utterances", [])]
    for key in ("interruptions", "backchannels"):
        out[key] = [{k: v for k, v in o.items() if k != "text"} for o in data.get(key, [])]
    for key in ("pause", "turn_taking", "paraphrase", "empathy", "open_question"):
        trait = data.get(key)
        if isinstance(trait, dict):
            # reasons quote what was said; the pause's only states a time
            kept = ("passed", "score", "verdict", *(("reason",) if key == "pause" else ()))
            out[key] = {k: trait[k] for k in kept if k in trait}
    out["words_removed"] = True
    return out


def _delete(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise HistoryError(f"cannot delete the recording {path}: {exc.strerror or exc}") from None
    return 1


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return "; none recorded yet" if not known else ""


def _statements(script: str) -> Iterator[str]:
    pending = ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending.strip()
            pending = ""


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _to_utc(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is this machine's local time
    return moment.astimezone(UTC)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _recorded(row: Sequence[Any]) -> RecordedRound:
    return RecordedRound(
        id=row[0], started_at=datetime.fromisoformat(row[1]), station=row[2], trainee=row[3],
        scenario=row[4], session=row[5], pause_s=row[6], pause_verdict=row[7], pause_passed=_flag(row[8]),
        pause_score=row[9], interruptions=row[10], backchannels=row[11], paraphrase_passed=_flag(row[12]),
        paraphrase_score=row[13], empathy_passed=_flag(row[14]), empathy_score=row[15],
        open_question_passed=_flag(row[16]), open_question_score=row[17], transcript=row[18],
        recording=row[19])


def _session(row: Sequence[Any]) -> Session:
    return Session(name=row[0], scenarios=tuple(json.loads(row[1])),
                   started_at=datetime.fromisoformat(row[2]),
                   ended_at=datetime.fromisoformat(row[3]) if row[3] else None, rounds=int(row[4]))
