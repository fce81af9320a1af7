"""The history of rounds: who practised what, where and when, and how they listened.

One SQLite file (``history.sqlite3`` in the data folder unless
``history.database`` says otherwise) holds every round: its time, station,
trainee, scenario, the indexed scores the reports plot, and the round's whole
JSON (every score with its reason, the transcript, the timings). Trainees'
words are personal data: :meth:`History.forget` removes everything about one
person and rewrites the file so the text does not linger in free pages, and
rounds older than ``history.retention_days`` lose their recordings and words.

One job per module: :mod:`~tutor.history.database` opens the file (durability,
migrations, errors), :mod:`~tutor.history.sessions` and
:mod:`~tutor.history.rounds` keep what their names say,
:mod:`~tutor.history.retention` lets go of what must not be kept, and
:mod:`~tutor.history.names` checks the names people type;
:mod:`~tutor.history.report` and :mod:`~tutor.history.progress` read rounds
back for people. :class:`History` stays one class, because its callers hold one
open file and ask it everything, but it is built as a stack of layers
(``Database`` < ``Sessions`` < ``Rounds`` < ``Retention``), each adding one job
and calling only the layers beneath it. Layers rather than side-by-side mixins:
every call a module makes is to code it imports, so each reads on its own and
the type checker follows every call; a round belongs to a session, and
retention deletes rounds, which fixes the order. The one call upwards is the
one that belongs to retention anyway: recording a round is when the retention
period is applied, so :class:`~tutor.history.retention.Retention` extends
``record``.

The installed station's history is shared with its trainers through the group of its
folder (setgid, ``tutor-trainers``): opening a history in such a folder keeps what the tutor
makes there the group's to read and write, whoever runs it (:func:`_share_with_folder_group`).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.errors import HistoryError
from tutor.history.database import BUSY_TIMEOUT_S, database_path
from tutor.history.database import DATABASE_NAME as DATABASE_NAME
from tutor.history.names import MAX_NAME_LENGTH as MAX_NAME_LENGTH
from tutor.history.names import station_name, validate_name
from tutor.history.progress import GUEST, progress_remark
from tutor.history.retention import SWEEP_GRACE_S, Forgotten, Retention, delete_recording
from tutor.history.retention import without_words as without_words
from tutor.history.rounds import RecordedRound
from tutor.history.sessions import Session

if TYPE_CHECKING:
    from tutor.round import RoundResult
    from tutor.settings import Settings

__all__ = ["GUEST", "Forgotten", "History", "RecordedRound", "Session", "database_path",
           "progress_remark", "record_round", "station_name", "validate_name"]

_LOGGER = logging.getLogger(__name__)


class History(Retention):
    """The history database: a context manager; closing twice is harmless."""

    def __init__(self, path: Path, *, keep_recordings: bool = False, retention_days: int = 90,
                 purge_transcripts: bool = True, recordings_dir: Path | None = None,
                 busy_timeout_s: float = BUSY_TIMEOUT_S, create: bool = True, sweep: bool = True,
                 sweep_grace_s: float = SWEEP_GRACE_S) -> None:
        self.keep_recordings = keep_recordings
        self.retention_days = retention_days
        self.purge_transcripts = purge_transcripts
        self.recordings_dir = recordings_dir
        self.sweep = sweep
        self.sweep_grace_s = sweep_grace_s
        super().__init__(path, busy_timeout_s=busy_timeout_s, create=create)

    @classmethod
    def open(cls, settings: Settings, *, create: bool = True,
             busy_timeout_s: float = BUSY_TIMEOUT_S) -> History:
        config = settings.history
        path = database_path(settings)
        shared = _share_with_folder_group(path.parent)
        history = cls(path, keep_recordings=config.keep_recordings,
                      retention_days=config.retention_days, purge_transcripts=config.purge_transcripts,
                      recordings_dir=settings.rounds_dir, busy_timeout_s=busy_timeout_s, create=create,
                      sweep=config.enabled)
        if shared:
            _let_the_group_write(path)
        return history


def _share_with_folder_group(folder: Path) -> bool:
    """In a folder shared through its group (setgid, as scripts/install.sh makes the station's),
    let what this process creates be the group's to read and write and nobody else's, whatever
    the person's umask (the service's own UMask=0007); returns whether the folder is shared.

    The station and its trainers write the one history: a recording or a database made 0644 by
    one of them would lock the others out.
    """
    try:
        shared = bool(stat.S_ISGID & folder.stat().st_mode)
    except OSError:  # no folder yet: opening the history says what is wrong
        return False
    if shared:
        os.umask(0o007)
    return shared


def _let_the_group_write(database: Path) -> None:
    """Give the group of a shared folder read and write access to the history's files that this
    person owns, and others none.

    SQLite creates a database 0644 less the umask, so no umask makes it group-writable; its -wal
    and -shm copy the database's mode whoever creates them, and a reader writes the -shm too (in
    write-ahead mode), so a database the group cannot write would keep trainers to reading, or
    out. Only the owner may change a file's mode: the one who created it, at their next open.
    """
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            info = path.stat()
            mode = stat.S_IMODE(info.st_mode)
            if info.st_uid == os.geteuid() and mode != (shared := (mode | 0o060) & ~0o007):
                path.chmod(shared)
        except OSError as exc:  # gone (the -wal of a closed history), or not ours after all
            _LOGGER.debug("history: %s keeps its mode: %s", path, exc)


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
            delete_recording(result.round_path)
        except HistoryError as exc:  # the round is recorded; only the file outstays its welcome
            _LOGGER.warning("%s", exc)
            return round_id, result.round_path
        return round_id, None
    return round_id, result.round_path
