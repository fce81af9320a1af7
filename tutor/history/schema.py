"""The history database's tables, as an ordered list of migrations.

Migration N (counting from 1) turns a database at ``PRAGMA user_version`` N-1
into one at N. Each runs in its own transaction together with the version
bump, so a crash leaves the database at one version or the next, never between.
Migrations are only ever appended: a station in a cupboard may skip several
releases and must still arrive at the current tables.
"""

from __future__ import annotations

from typing import Final

# 1: the rounds. The full result is kept as JSON so a later release can derive a
#    figure nobody thought to index; the columns are what reports filter and plot.
#    Times are UTC ISO 8601 so text order is time order.
_ROUNDS: Final = """
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    station TEXT NOT NULL,
    trainee TEXT NOT NULL,
    scenario TEXT NOT NULL,
    pause_s REAL,
    pause_verdict TEXT,
    pause_passed INTEGER,
    pause_score REAL,
    interruptions INTEGER NOT NULL,
    backchannels INTEGER NOT NULL,
    paraphrase_passed INTEGER,
    paraphrase_score REAL,
    empathy_passed INTEGER,
    empathy_score REAL,
    open_question_passed INTEGER,
    open_question_score REAL,
    transcript TEXT NOT NULL,
    recording TEXT,
    words_purged INTEGER NOT NULL DEFAULT 0,
    result TEXT NOT NULL
);
CREATE INDEX rounds_by_trainee ON rounds (trainee, started_at);
CREATE INDEX rounds_by_station ON rounds (station, started_at);
CREATE INDEX rounds_by_time ON rounds (started_at);
"""

# 2: onboarding sessions. A round belongs to the session open when it was played;
#    forgetting a session's rounds leaves the session, and ending it does not touch them.
_SESSIONS: Final = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    scenarios TEXT NOT NULL,
    started_at TEXT NOT NULL,
    ended_at TEXT
);
ALTER TABLE rounds ADD COLUMN session_id INTEGER REFERENCES sessions (id) ON DELETE SET NULL;
CREATE INDEX rounds_by_session ON rounds (session_id);
"""

# 3: conversations. A round's turns (each customer line, the reply's times, transcript and
#    judgements) are in its JSON with everything else; how the conversation went is indexed
#    for the reports. Rounds recorded before were one reply each: one turn, and neither calmed
#    nor reached a need (NULL: the question did not arise).
_CONVERSATIONS: Final = """
ALTER TABLE rounds ADD COLUMN turns INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rounds ADD COLUMN calmed INTEGER;
ALTER TABLE rounds ADD COLUMN need_reached INTEGER;
"""

MIGRATIONS: Final[tuple[str, ...]] = (_ROUNDS, _SESSIONS, _CONVERSATIONS)
VERSION: Final = len(MIGRATIONS)
