"""Recordings no round refers to are swept; `forget` is honest when a reader keeps the words in the file."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

from history_rounds import make_round

from tutor.app import App
from tutor.history import History
from tutor.settings import Settings

Tutor = Callable[..., CompletedProcess[str]]
MARKER = "zanzibarquokka"
OLD_S = 3600.0  # well past the ten-minute grace period


def _file(path: Path, age_s: float = 0.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + bytes(40))
    if age_s:
        moment = time.time() - age_s
        os.utime(path, (moment, moment))
    return path


def _leftovers(rounds_dir: Path) -> dict[str, Path]:
    """What a kill during "Thinking" or a failed history leaves behind, and what must stay."""
    return {
        "orphan": _file(rounds_dir / "20261101-101500-123-late-birthday-present.wav", OLD_S),
        "orphan_2": _file(rounds_dir / "20261101-101500-123-late-birthday-present-2.wav", OLD_S),
        "temporary": _file(rounds_dir / ".20261101-101501-456-delayed-package.wav.0a1b2c3d.tmp", OLD_S),
        "fresh": _file(rounds_dir / "20261101-101502-789-delayed-package.wav"),  # being recorded now
        "fresh_temporary": _file(rounds_dir / ".20261101-101502-789-delayed-package.wav.deadbeef.tmp"),
        "not_ours": _file(rounds_dir / "interview.wav", OLD_S),
        "not_ours_hidden": _file(rounds_dir / ".notes.txt.0a1b2c3d.tmp", OLD_S),
    }


SWEPT = ("orphan", "orphan_2", "temporary")


def _assert_swept(files: dict[str, Path]) -> None:
    for name, path in files.items():
        assert path.exists() == (name not in SWEPT), name


def _settings(data_dir: Path, **history: object) -> Settings:
    settings = Settings()
    storage = dataclasses.replace(settings.storage, data_dir=str(data_dir))
    return dataclasses.replace(settings, storage=storage,
                               history=dataclasses.replace(settings.history, **history))


def test_station_start_up_sweeps_unreferenced_recordings_but_keeps_kept_ones(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data", keep_recordings=True)
    files = _leftovers(settings.rounds_dir)
    kept = _file(settings.rounds_dir / "20261101-090000-000-late-birthday-present.wav")
    with History.open(settings) as history:
        history.record(make_round(round_path=kept), "ana", "pi-1")
    os.utime(kept, (time.time() - OLD_S, time.time() - OLD_S))
    App(settings).tidy_history()
    _assert_swept(files)
    assert kept.exists()  # referenced by a round: stays until the retention period


def test_with_history_off_recordings_are_left_as_they_are(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "data", enabled=False)
    files = _leftovers(settings.rounds_dir)
    App(settings).tidy_history()
    with History.open(settings) as history:
        assert history.sweep_recordings() == 0
    assert all(path.exists() for path in files.values())


def test_retention_sweeps_unreferenced_recordings_even_with_retention_off(tmp_path: Path) -> None:
    rounds_dir = tmp_path / "rounds"
    files = _leftovers(rounds_dir)
    with History(tmp_path / "h.sqlite3", recordings_dir=rounds_dir, retention_days=0) as history:
        assert history.purge() == (3, 0)
    _assert_swept(files)
    files = _leftovers(rounds_dir)
    with History(tmp_path / "h.sqlite3", recordings_dir=rounds_dir) as history:
        history.record(make_round(), "ben", "pi-1")  # every recorded round applies retention
    _assert_swept(files)


def test_forget_deletes_unreferenced_recordings_and_says_how_many(tmp_path: Path) -> None:
    rounds_dir = tmp_path / "rounds"
    with History(tmp_path / "h.sqlite3", keep_recordings=True, recordings_dir=rounds_dir) as history:
        mine = _file(rounds_dir / "20261101-080000-000-late-birthday-present.wav")
        theirs = _file(rounds_dir / "20261101-080001-000-late-birthday-present.wav")
        history.record(make_round(round_path=mine), "ana", "pi-1")
        history.record(make_round(round_path=theirs), "ben", "pi-1")
        for path in (mine, theirs):
            os.utime(path, (time.time() - OLD_S, time.time() - OLD_S))
        files = _leftovers(rounds_dir)
        done = history.forget("ana")
    assert (done.rounds, done.recordings, done.unreferenced, done.compacted) == (1, 1, 3, True)
    _assert_swept(files)
    assert not mine.exists() and theirs.exists()


def _populate(path: Path, trainee: str = "0042") -> None:
    with History(path) as history:
        for _ in range(3):
            reply = f"so the present arrived late {MARKER} what would help"
            history.record(make_round(reply), trainee, "pi-1")
        history.record(make_round(), "ben", "pi-1")


def _raw_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_forget_with_a_reader_holding_a_transaction_is_not_reported_as_done(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    _populate(path)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM rounds").fetchone()[0] == 4
        with History(path, busy_timeout_s=0.3) as history:
            done = history.forget("0042")
            assert (done.rounds, done.compacted) == (3, False)
            assert [r.trainee for r in history.rounds()] == ["ben"]
            assert MARKER.encode() in _raw_bytes(path)  # what the message warns of
            reader.close()
            again = history.forget("0042")  # nothing of theirs left: the rewrite is finished instead
            assert (again.rounds, again.compacted) == (0, True)
            assert MARKER.encode() not in _raw_bytes(path)
    finally:
        reader.close()


def test_forget_command_exits_non_zero_while_another_program_reads(tutor: Tutor, tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    config = tmp_path / "tutor.toml"
    config.write_text(f'[history]\ndatabase = "{path}"\n')
    env = {"TUTOR_CONFIG": str(config)}
    _populate(path)
    # a read-only reader, like a report tool, cannot finish the checkpoint when it closes
    reader = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM rounds").fetchone()
        done = tutor("forget", "0042", "--yes", env=env)
    finally:
        reader.close()
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"tutor: deleted 3 rounds of 0042, but another program is reading the history, so their words may "
        f"remain in {path} until it closes; run `tutor forget 0042 --yes` again then"]
    done = tutor("forget", "0042", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Forgot 0042: deleted 0 rounds")
    assert MARKER.encode() not in _raw_bytes(path)
    done = tutor("forget", "0042", "--yes", env=env)  # now finished: an unknown trainee again
    assert done.returncode == 2 and "no rounds recorded for trainee '0042'" in done.stderr
