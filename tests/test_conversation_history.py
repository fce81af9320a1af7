"""A conversation in the history and the trainer's report: every turn kept (and its words let go
of after the retention period like the rest), how it went indexed, an older file migrated
without loss, and the HTML page showing the turns and whether the need was reached."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from history_rounds import NEED_REPLY, make_conversation, make_round

from tutor.history import History
from tutor.history.report import to_csv, to_html
from tutor.history.schema import MIGRATIONS, VERSION


def test_a_conversation_keeps_every_turn_and_how_it_went(tmp_path: Path) -> None:
    # two moments a minute apart: the history lists rounds by when they began
    began = datetime.now(UTC) - timedelta(minutes=5)
    conversation = make_conversation(started_at=began + timedelta(minutes=1))
    with History(tmp_path / "h.sqlite3") as history:
        single = history.record(make_round(started_at=began), "ana", "pi-1")
        talked = history.record(conversation, "ana", "pi-1")
        one, both = history.rounds()
        stored = history.result(talked)
    assert (one.id, one.turns, one.calmed, one.need_reached) == (single, 1, None, None)
    assert (both.turns, both.calmed, both.need_reached) == (3, True, True)
    assert stored["turns"] == json.loads(json.dumps(conversation.to_json()))["turns"]
    assert [t["id"] for t in stored["turns"]] == ["opening", "need", "settled"]
    assert stored["turns"][1]["transcript"] == NEED_REPLY and stored["conversation"]["need_reached"]
    assert both.transcript == conversation.transcript  # the columns describe the first reply
    header = to_csv([one, both]).splitlines()[0].split(",")
    assert header[-3:] == ["turns", "calmed", "need_reached"]


def test_the_retention_period_removes_the_words_of_every_turn(tmp_path: Path) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    with History(tmp_path / "h.sqlite3", retention_days=30) as history:
        round_id = history.record(make_conversation(started_at=old), "ana", "pi-1")
        history.purge()
        stored = history.result(round_id)
        [kept] = history.rounds()
    text = json.dumps(stored)
    assert "saturday" not in text and "gift" not in text  # neither reply's words remain
    assert stored["turns"][1]["transcript"] == "" and stored["turns"][1]["words_removed"]
    assert stored["turns"][1]["paraphrase"]["passed"] and "reason" not in stored["turns"][1]["paraphrase"]
    assert stored["turns"][1]["lines"]  # the customer's lines are the scenario's, not personal data
    assert (kept.turns, kept.calmed, kept.need_reached) == (3, True, True)


def test_a_database_from_before_conversations_is_migrated_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as conn:
        for migration in MIGRATIONS[:2]:
            conn.executescript(migration)
        conn.execute("INSERT INTO rounds (started_at, station, trainee, scenario, pause_s, interruptions, "
                     "backchannels, paraphrase_passed, transcript, result) VALUES "
                     "('2026-01-05T09:00:00+00:00', 'pi-1', 'ana', 'late-birthday-present', 1.2, 0, 0, 1, "
                     "'so the gift came late', '{\"transcript\": \"so the gift came late\"}')")
        conn.execute("PRAGMA user_version = 2")
    with History(path) as history:
        [old] = history.rounds()
        assert history.result(old.id) == {"transcript": "so the gift came late"}
        history.record(make_conversation(), "ana", "pi-1")
        kept = history.rounds()
    assert old.transcript == "so the gift came late"
    assert (old.turns, old.calmed, old.need_reached) == (1, None, None)
    assert [r.turns for r in kept] == [1, 3]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == VERSION == 3


def test_the_report_shows_the_turns_and_whether_the_need_was_reached(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.record(make_round(), "ana", "pi-1")
        history.record(make_conversation(), "ben", "pi-1")
        rounds = history.rounds()
        results = {r.id: history.result(r.id) for r in rounds}
    page = to_html(rounds, results=results)
    assert "3 turns; calmed \u2713; need reached \u2713" in page
    assert "Turn 2, customer (after an open question): \u201cHonestly, her party is on Saturday." in page
    assert NEED_REPLY in page and "customer calmed</th>" in page and "need reached</th>" in page
    single_only = to_html(rounds[:1], results=results)
    assert "need reached" not in single_only  # no conversation, no columns for one
