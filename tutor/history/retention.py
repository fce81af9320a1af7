"""What the history lets go of: old words and recordings, one person, stray recordings.

Trainees' words and voices are personal data, kept no longer than they serve:

- the retention period (``history.retention_days``) is applied whenever a round
  is recorded and at start-up (:meth:`Retention.purge`): kept recordings older
  than it are deleted, and rounds older than it lose their words (transcript,
  word times, reasons that quote them) while their timings, verdicts and scores
  stay (:func:`without_words`);
- :meth:`Retention.forget` removes everything about one person and rewrites the
  file (VACUUM, then the log is emptied) so the text does not linger in free
  pages; a reader that keeps the rewrite from finishing is reported, and
  forgetting again finishes it;
- recordings no round refers to (a station killed mid-round, a history that
  was locked, full or read-only) and the hidden temporary files of interrupted
  writes are swept from the rounds folder once older than a grace period
  (:meth:`Retention.sweep_recordings`). They cannot be traced to a trainee, so
  they go whoever's voice they hold; only the station's own names are touched.

Files are deleted before the rows that name them: if one cannot be deleted the
rows stay, and trying again finishes the job.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tutor.errors import HistoryError, NotInHistoryError
from tutor.history.rounds import Rounds
from tutor.vocabulary import Habit

if TYPE_CHECKING:
    from tutor.round import RoundResult

_LOGGER = logging.getLogger("tutor.history")  # the package's name, shown in log lines, in every module

SWEEP_GRACE_S: Final = 600.0  # a recording younger than this may belong to a round still being played
# the station's own names in the rounds folder (tutor.round._new_round_path), and the hidden
# temporary files tutor.files.write_atomically leaves beside them when it is interrupted
_ROUND_NAME: Final = re.compile(r"\d{8}-\d{6}-\d{3}-[^/]+\.wav")
_TEMPORARY_NAME: Final = re.compile(r"\.(?P<name>[^/]+)\.[0-9a-f]{8}\.tmp")


@dataclass(frozen=True)
class Forgotten:
    """What :meth:`History.forget` deleted."""

    trainee: str
    rounds: int
    recordings: int
    unreferenced: int = 0  # recordings no round referred to, whoever's voice they hold
    compacted: bool = True  # False: another program's read kept the deleted words in the file


class Retention(Rounds):
    """Retention, forgetting and the sweep of the rounds folder, on top of the rounds."""

    retention_days: int  # the rest of the settings are History's
    purge_transcripts: bool
    sweep: bool
    sweep_grace_s: float

    def record(self, result: RoundResult, trainee: str, station: str, session: str | None = None) -> int:
        """Keep a scored round (see :meth:`Rounds.record`), then apply the retention period."""
        round_id = super().record(result, trainee, station, session)
        try:
            self.purge()
        except HistoryError as exc:  # the round is safe; old words wait for the next round
            _LOGGER.warning("history: purge postponed: %s", exc)
        return round_id

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
        deleted = sum(delete_recording(Path(path)) for path in recordings)
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
                deleted += delete_recording(path)
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
        deleted = swept + sum(delete_recording(Path(path)) for _, path in old_recordings)
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


def without_words(data: dict[str, Any]) -> dict[str, Any]:
    """A round's JSON with the trainee's words taken out: timings, verdicts and scores stay, in
    every turn of a conversation too (the customer's lines are the scenario's, not personal)."""
    out = dict(data)
    if isinstance(data.get("turns"), list):
        out["turns"] = [without_words(turn) if isinstance(turn, dict) and "transcript" in turn else turn
                        for turn in data["turns"]]
    out["transcript"] = ""
    out["words"] = []
    out["utterances"] = [{k: v for k, v in u.items() if k != "text"} for u in data.get("utterances", [])]
    for key in ("interruptions", "backchannels"):
        out[key] = [{k: v for k, v in o.items() if k != "text"} for o in data.get(key, [])]
    for habit in Habit:
        trait = data.get(habit.trait_key)
        if isinstance(trait, dict):
            # reasons quote what was said; the pause's only states a time
            kept = ("passed", "score", "verdict", *(("reason",) if habit is Habit.PAUSE else ()))
            out[habit.trait_key] = {k: trait[k] for k in kept if k in trait}
    out["words_removed"] = True
    return out


def delete_recording(path: Path) -> int:
    """Delete one recording; returns 1, or 0 when it was already gone."""
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise HistoryError(f"cannot delete the recording {path}: {exc.strerror or exc}") from None
    return 1
