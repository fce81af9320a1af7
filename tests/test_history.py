"""The history database: durable rounds, migrations, damaged and locked files, forgetting, sessions."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from history_rounds import GOOD_REPLY, POOR_REPLY, make_round

from tutor.errors import ConfigError, HistoryError, NotInHistoryError, SessionError
from tutor.history import History, validate_name, without_words
from tutor.history.schema import MIGRATIONS, VERSION
from tutor.scoring import Doubts

TESTS = Path(__file__).parent
MARKER = "zanzibarquokka"  # a word no scenario has, to look for in the file's bytes


def _integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_recorded_round_keeps_its_scores_reasons_and_words(tmp_path: Path) -> None:
    result = make_round()
    with History(tmp_path / "h.sqlite3") as history:
        round_id = history.record(result, "4711", "pi-1")
        [kept] = history.rounds()
        stored = history.result(round_id)
    assert kept.id == round_id and kept.trainee == "4711" and kept.station == "pi-1"
    assert kept.scenario == "late-birthday-present" and kept.session is None
    assert kept.pause_s == pytest.approx(1.4) and kept.pause_verdict == "ideal" and kept.pause_passed
    assert kept.interruptions == 0 and kept.paraphrase_passed and kept.empathy_passed
    assert kept.open_question_passed and kept.transcript == GOOD_REPLY
    assert kept.started_at.tzinfo is not None
    assert stored["paraphrase"]["reason"] == result.to_json()["paraphrase"]["reason"]
    assert stored["transcript"] == GOOD_REPLY and stored["round_path"] is None


def test_a_habit_the_station_could_not_judge_is_kept_as_not_scored(tmp_path: Path) -> None:
    noisy = "the room is too noisy to tell your voice from the background"
    result = make_round(doubts=Doubts(timing=noisy, overlaps=noisy))
    with History(tmp_path / "h.sqlite3") as history:
        round_id = history.record(result, "4711", "pi-1")
        [kept] = history.rounds()
        stored = history.result(round_id)
    assert kept.pause_s is None and kept.pause_passed is None and kept.pause_score is None
    assert kept.empathy_passed and kept.paraphrase_score is not None  # the words were judged
    assert stored["pause"]["reliable"] is False and stored["pause"]["unsure_reason"] == noisy


def test_the_file_is_in_write_ahead_mode_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    History(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION


def test_close_is_idempotent_and_a_closed_history_says_so(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite3")
    history.close()
    history.close()
    assert history.closed
    with pytest.raises(HistoryError, match="closed"):
        history.rounds()


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from history_rounds import make_round
from tutor.history import History

history = History(Path({path!r}))
result = make_round()
while True:
    print(history.record(result, "ana", "pi-1"), flush=True)
"""


def test_killed_while_writing_the_database_is_intact_with_every_committed_round(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    script = _CHILD.format(tests=str(TESTS), path=str(path))
    reported: list[int] = []
    chooser = random.Random(6)
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        wanted = chooser.randint(15, 40)
        for seen, line in enumerate(child.stdout, start=1):
            reported.append(int(line))
            if seen == wanted:
                # the child records without pause, so the kill lands inside a write
                time.sleep(chooser.uniform(0.0, 0.004))
                os.kill(child.pid, signal.SIGKILL)
                break
        rest, errors = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL, errors
        reported += [int(line) for line in rest.split()]
        assert _integrity(path) == "ok"
        with History(path) as history:
            present = {r.id for r in history.rounds()}
        assert set(reported) <= present
    assert len(reported) >= 45


def test_an_older_database_is_migrated_and_keeps_its_rounds(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as conn:  # a history written before sessions existed
        conn.executescript(MIGRATIONS[0])
        conn.execute("INSERT INTO rounds (started_at, station, trainee, scenario, pause_s, interruptions, "
                     "backchannels, paraphrase_passed, transcript, result) "
                     "VALUES ('2026-01-05T09:00:00+00:00', 'pi-1', 'ana', 'delayed-package', 1.2, 0, 1, 1, "
                     "'so the parcel is late', '{}')")
        conn.execute("PRAGMA user_version = 1")
    with History(path) as history:
        [old] = history.rounds()
        history.start_session("january", ["late-birthday-present"])
        new_id = history.record(make_round(), "ana", "pi-1", "january")
        assert old.trainee == "ana" and old.session is None and old.transcript == "so the parcel is late"
        assert old.turns == 1 and old.calmed is None and old.need_reached is None  # one reply, as it was
        assert [r.session for r in history.rounds(trainee="ana")] == [None, "january"]
        assert new_id > old.id
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION == 3


def test_a_database_from_a_newer_tutor_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    History(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {VERSION + 5}")
    before = path.read_bytes()
    with pytest.raises(HistoryError, match="newer tutor"):
        History(path)
    assert path.read_bytes() == before


def test_a_corrupt_file_is_a_clear_error_and_left_exactly_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(random.Random(1).randbytes(16384))
    before = path.read_bytes()
    with pytest.raises(HistoryError) as raised:
        History(path)
    message = str(raised.value)
    assert "damaged or not a history database" in message and "move it aside" in message
    assert "\n" not in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.sqlite3"]


def test_a_damaged_page_inside_a_real_history_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        for _ in range(30):
            history.record(make_round(), "ana", "pi-1")
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 4 * page
    # pages 2 to 4: the rounds table's root and its first indexes (page 1 is the schema)
    data[page:4 * page] = random.Random(2).randbytes(3 * page)
    path.write_bytes(bytes(data))
    with History(path) as history:
        with pytest.raises(HistoryError, match="damaged"):
            history.rounds()
        with pytest.raises(HistoryError, match="damaged"):
            history.record(make_round(), "ana", "pi-1")
    assert path.read_bytes() == bytes(data)


def test_a_locked_database_is_a_clear_error_after_the_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.record(make_round(), "ana", "pi-1")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO sessions (name, scenarios, started_at) VALUES ('x', '[]', '2026')")
    try:
        with History(path, busy_timeout_s=0.3) as history:
            assert len(history.rounds()) == 1  # readers still read while a writer holds the lock
            began = time.monotonic()
            with pytest.raises(HistoryError, match="locked by another program"):
                history.record(make_round(), "ana", "pi-1")
            assert time.monotonic() - began >= 0.25
            other.execute("ROLLBACK")
            history.record(make_round(), "ana", "pi-1")
            assert len(history.rounds()) == 2
    finally:
        other.close()


def test_a_folder_that_cannot_hold_the_database_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(HistoryError, match="cannot create the folder"):
        History(blocker / "h.sqlite3")


def _raw_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_forget_removes_rows_recordings_and_the_words_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    rounds_dir = tmp_path / "rounds"
    rounds_dir.mkdir()
    recordings = [rounds_dir / f"{n}.wav" for n in range(3)]
    for recording in recordings:
        recording.write_bytes(b"RIFF")
    mine = f"so the present arrived late {MARKER} that must be disappointing"
    with History(path, keep_recordings=True, recordings_dir=rounds_dir) as history:
        history.record(make_round(mine, round_path=recordings[0]), "ana", "pi-1")
        history.record(make_round(mine, round_path=recordings[1]), "ana", "pi-2")
        history.record(make_round(round_path=recordings[2]), "ben", "pi-1")
        outside = tmp_path / "mine.wav"
        outside.write_bytes(b"RIFF")
        history.record(make_round(mine, round_path=outside), "ana", "pi-1")  # saved where asked: theirs
        assert MARKER.encode() in _raw_bytes(path)
        done = history.forget("ana")
        assert (done.rounds, done.recordings) == (3, 2)
        assert [r.trainee for r in history.rounds()] == ["ben"]
        assert history.rounds()[0].recording == str(recordings[2])
        with pytest.raises(NotInHistoryError, match="no rounds recorded for trainee 'ana'"):
            history.forget("ana")
    assert not recordings[0].exists() and not recordings[1].exists()
    assert recordings[2].exists() and outside.exists()
    assert MARKER.encode() not in _raw_bytes(path)
    assert _integrity(path) == "ok"


def test_forgetting_an_unknown_trainee_suggests_a_close_name(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.record(make_round(), "maria", "pi-1")
        with pytest.raises(NotInHistoryError, match="did you mean 'maria'"):
            history.forget("marie")
        assert len(history.rounds()) == 1


def test_retention_deletes_old_recordings_and_words_but_keeps_scores(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    rounds_dir = tmp_path / "rounds"
    rounds_dir.mkdir()
    old_wav, new_wav = rounds_dir / "old.wav", rounds_dir / "new.wav"
    old_wav.write_bytes(b"RIFF")
    new_wav.write_bytes(b"RIFF")
    now = datetime.now(UTC)
    reply = f"so the present arrived late {MARKER} what would help"
    with History(path, keep_recordings=True, recordings_dir=rounds_dir, retention_days=30) as history:
        old_id = history.record(make_round(reply, started_at=now - timedelta(days=31), round_path=old_wav),
                                "ana", "pi-1")
        assert not old_wav.exists()  # recording a round applies the retention period
        new_id = history.record(make_round(reply, started_at=now, round_path=new_wav), "ana", "pi-1")
        old, new = history.rounds()
        assert (old.id, new.id) == (old_id, new_id)
        assert old.recording is None and old.transcript == "" and old.pause_verdict == "ideal"
        assert old.open_question_passed and new.transcript == reply and new_wav.exists()
        stored = history.result(old_id)
        assert stored["transcript"] == "" and stored["words"] == [] and stored["words_removed"]
        assert "reason" not in stored["empathy"] and stored["pause"]["reason"]
        assert MARKER not in json.dumps(stored)
        assert history.purge(now + timedelta(days=31)) == (1, 1)
        assert not new_wav.exists()
    assert MARKER.encode() not in _raw_bytes(path)


def test_without_words_keeps_no_text_from_the_trainee() -> None:
    data = make_round(POOR_REPLY + f" {MARKER}", cut_in=f"but wait {MARKER} no", pause_s=0.1).to_json()
    assert MARKER in json.dumps(data)
    scrubbed = without_words(data)
    assert MARKER not in json.dumps(scrubbed)
    assert scrubbed["pause"]["verdict"] == data["pause"]["verdict"]
    assert scrubbed["interruptions"][0]["during"] == data["interruptions"][0]["during"]


def test_sessions_group_rounds_and_refuse_mistakes(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        assert history.current_session() is None
        session = history.start_session("cohort 12", ["late-birthday-present", "delayed-package"])
        assert session.open and session.scenarios == ("late-birthday-present", "delayed-package")
        with pytest.raises(SessionError, match="still open"):
            history.start_session("cohort 13", [])
        history.record(make_round(), "ana", "pi-1", "cohort 12")
        history.record(make_round(POOR_REPLY), "ben", "pi-1", "cohort 12")
        history.record(make_round(), "ana", "pi-1")
        current = history.current_session()
        assert current is not None and current.name == "cohort 12"
        ended = history.end_session()
        assert not ended.open and ended.rounds == 2
        with pytest.raises(SessionError, match="no session is open"):
            history.end_session()
        with pytest.raises(SessionError, match="already exists"):
            history.start_session("cohort 12", [])
        with pytest.raises(NotInHistoryError, match="did you mean 'cohort 12'"):
            history.session("cohort 21")
        with pytest.raises(NotInHistoryError, match="no session named"):
            history.record(make_round(), "ana", "pi-1", "nope")
        assert sorted(r.trainee for r in history.rounds(session="cohort 12")) == ["ana", "ben"]
        assert [s.name for s in history.sessions()] == ["cohort 12"]


def test_only_rounds_of_a_sessions_scenarios_count_towards_it(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.start_session("cohort 12", ["late-birthday-present"])
        history.record(make_round(), "ana", "pi-1", "cohort 12")
        history.record(make_round(scenario_id="delayed-package"), "ana", "pi-1", "cohort 12")
        assert [r.scenario for r in history.rounds(session="cohort 12")] == ["late-birthday-present"]
        assert [r.session for r in history.rounds()] == ["cohort 12", None]
        assert history.session("cohort 12").rounds == 1
        history.end_session()
        history.start_session("open to all", [])  # names no scenario: every round is in it
        history.record(make_round(scenario_id="delayed-package"), "ben", "pi-1", "open to all")
        assert history.session("open to all").rounds == 1


def test_a_round_a_tutor_filed_under_a_session_it_is_not_of_is_not_counted(tmp_path: Path) -> None:
    # tutors before this one filed every round played while a session was open under it
    path = tmp_path / "h.sqlite3"
    with History(path) as history:
        history.start_session("cohort 12", ["late-birthday-present"])
        history.record(make_round(scenario_id="delayed-package"), "ana", "pi-1")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE rounds SET session_id = (SELECT id FROM sessions)")
    with History(path) as history:
        assert history.rounds(session="cohort 12") == [] and history.session("cohort 12").rounds == 0
        assert [r.session for r in history.rounds()] == [None]


def test_an_ended_session_is_reopened_with_its_scenarios_and_rounds(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.start_session("cohort 12", ["late-birthday-present"])
        history.record(make_round(), "ana", "pi-1", "cohort 12")
        first_end = history.end_session()
        history.record(make_round(), "ben", "pi-1")  # between the days: no session open
        with pytest.raises(SessionError, match="continue it with `tutor session reopen cohort 12`"):
            history.start_session("cohort 12", [])
        reopened = history.reopen_session("cohort 12")
        assert reopened.open and reopened.rounds == 1 and reopened.scenarios == ("late-birthday-present",)
        assert reopened.started_at == first_end.started_at
        with pytest.raises(SessionError, match="'cohort 12' is already open"):
            history.reopen_session("cohort 12")
        history.record(make_round(), "cleo", "pi-1", "cohort 12")
        assert history.end_session().rounds == 2
        assert [r.trainee for r in history.rounds(session="cohort 12")] == ["ana", "cleo"]
        history.start_session("cohort 13", [])
        with pytest.raises(SessionError, match="'cohort 13' is still open; end it first"):
            history.reopen_session("cohort 12")
        history.end_session()
        with pytest.raises(NotInHistoryError, match="no session named 'cohrt 12'; did you mean 'cohort 12'"):
            history.reopen_session("cohrt 12")
        assert [s.open for s in history.sessions()] == [False, False]


def test_rounds_are_filtered_by_trainee_station_and_time(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with History(tmp_path / "h.sqlite3") as history:
        history.record(make_round(started_at=now - timedelta(days=10)), "ana", "pi-1")
        history.record(make_round(started_at=now - timedelta(days=1)), "ana", "pi-2")
        history.record(make_round(started_at=now), "ben", "pi-2")
        assert [r.station for r in history.rounds(trainee="ana")] == ["pi-1", "pi-2"]
        assert [r.trainee for r in history.rounds(station="pi-2")] == ["ana", "ben"]
        assert len(history.rounds(since=now - timedelta(days=2))) == 2
        assert history.trainees() == ["ana", "ben"] and history.stations() == ["pi-1", "pi-2"]
        history.record(make_round(started_at=now), "guest", "pi-2")
        assert [r.trainee for r in history.rounds(without_trainee="guest")] == ["ana", "ana", "ben"]


@pytest.mark.parametrize(("typed", "kept"), [("0012345\n", "0012345"), ("  Ana Lopez ", "Ana Lopez"),
                                             ("Zoë", "Zoë")])
def test_trainee_ids_from_keyboards_and_badge_readers(typed: str, kept: str) -> None:
    assert validate_name(typed) == kept


@pytest.mark.parametrize(("typed", "message"), [("", "empty"), ("   \r\n", "empty"), ("a" * 65, "at most 64"),
                                                ("ab\x1bcd", "control characters"), ("a\tb", "control")])
def test_bad_trainee_ids_are_refused(typed: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate_name(typed)
