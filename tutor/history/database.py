"""Opening the history's SQLite file: pragmas, migrations, transactions and one-line errors.

Durability: write-ahead logging with ``synchronous = FULL``. A station is
switched off at the wall as often as it is shut down; FULL syncs the log at
every commit, so a round reported as recorded survives a power cut as well as
a killed process, for one fsync per round (a few milliseconds against a round
of half a minute). NORMAL would only survive the killed process.

Every write is an ``IMMEDIATE`` transaction, which takes the write lock up
front: a busy database waits for the busy timeout at the start instead of
failing half-way through. Deleted text is overwritten in the file
(``secure_delete``), not just unlinked from the tree, since trainees' words are
personal data. Every SQLite error leaves as a :class:`~tutor.errors.HistoryError`
in one sentence naming the file and what to do; a damaged file is never
repaired, replaced or deleted. The tables come from :mod:`tutor.history.schema`,
applied one migration per transaction. Times are stored as UTC ISO 8601 text, so
text order is time order.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self

from tutor.errors import HistoryError, NotInHistoryError
from tutor.history.schema import MIGRATIONS, VERSION

if TYPE_CHECKING:
    from tutor.settings import Settings

_LOGGER = logging.getLogger("tutor.history")  # the package's name, shown in log lines, in every module

DATABASE_NAME: Final = "history.sqlite3"
BUSY_TIMEOUT_S: Final = 5.0  # a report reading while a round is written takes well under this


def database_path(settings: Settings) -> Path:
    if settings.history.database:
        return Path(settings.history.database).expanduser()
    return settings.data_dir / DATABASE_NAME


class Database:
    """The open file: a context manager; closing twice is harmless."""

    def __init__(self, path: Path, *, busy_timeout_s: float = BUSY_TIMEOUT_S, create: bool = True) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self._conn: sqlite3.Connection | None = self._connect(create)

    def __enter__(self) -> Self:
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

    # reading and writing

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


def to_utc(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is this machine's local time
    return moment.astimezone(UTC)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
