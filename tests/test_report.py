"""Reports from the history; `tutor practice --trainee`, `report`, `forget` and `session` as run by a user."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from history_rounds import GOOD_REPLY, POOR_REPLY, make_round

from tutor.errors import StorageError
from tutor.feedback import compose_feedback
from tutor.history import History, RecordedRound
from tutor.history.report import (
    CSV_COLUMNS,
    Trend,
    date_ticks,
    hardest_scenarios,
    progress_text,
    session_text,
    svg_chart,
    to_csv,
    to_html,
    trend,
    write_csv,
    write_html,
)
from tutor.history.report.charts import value_ticks
from tutor.vocabulary import Habit

Tutor = Callable[..., CompletedProcess[str]]
SAMPLE_REPLY = Path(__file__).parent.parent / "tutor" / "data" / "sample-reply.wav"
ODD_NAME = "<b>Zoë & \"Co\"</b>"


def _populate(path: Path) -> None:
    """Three weeks of rounds: ana improves, ben stays, on two stations."""
    now = datetime.now(UTC)
    with History(path) as history:
        for week in range(3):
            for n in range(2):
                when = now - timedelta(days=14 - 7 * week, hours=n)
                good = week == 2 or n == 1
                history.record(make_round(GOOD_REPLY if good else POOR_REPLY, pause_s=1.4 if good else 0.1,
                                          started_at=when), "ana", "pi-1" if n == 0 else "pi-2")
                history.record(make_round(POOR_REPLY, pause_s=3.0, started_at=when), "ben", "pi-1")
        history.record(make_round(f"so it came late, {ODD_NAME} said", started_at=now), ODD_NAME, "pi-2")


@pytest.fixture
def rounds(tmp_path: Path) -> list[RecordedRound]:
    path = tmp_path / "h.sqlite3"
    _populate(path)
    with History(path) as history:
        return history.rounds()


def test_the_terminal_table_shows_each_trainee_and_station_week_by_week(rounds: list[RecordedRound]) -> None:
    text = progress_text(rounds)
    assert "Trainee ana (6 rounds" in text and "Trainee ben (6 rounds" in text
    assert "Station pi-1 (9 rounds" in text and "Station pi-2 (4 rounds" in text
    ana = text.split("Trainee ana")[1].split("Trainee ben")[0]
    weeks = [line.split() for line in ana.splitlines() if re.match(r"\s+\d{4}-W\d\d", line)]
    assert len(weeks) == 3
    assert [week[1] for week in weeks] == ["2", "2", "2"]
    assert weeks[0][4] == "50%" and weeks[-1][4] == "100%"  # good pauses ("1.4 s" is two words)
    assert progress_text([]) == "No rounds match."


def test_csv_has_a_row_per_round_with_every_column(rounds: list[RecordedRound]) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(rounds))))
    assert len(rows) == len(rounds) == 13
    assert tuple(rows[0]) == CSV_COLUMNS
    odd = [r for r in rows if r["trainee"] == ODD_NAME]
    assert len(odd) == 1 and "," in odd[0]["transcript"]  # quoted, not split
    assert {r["pause"] for r in rows} >= {"ideal", "jumped_in", "long"}
    assert all(datetime.fromisoformat(r["started_at"]).tzinfo is not None for r in rows)


def test_html_has_a_chart_per_habit_and_escapes_names(rounds: list[RecordedRound]) -> None:
    page = to_html(rounds)
    charts = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    assert len(charts) == len(Habit) * 3  # every habit for each of three trainees
    for chart in charts:
        ET.fromstring(chart)  # well-formed SVG
    for habit in Habit:
        assert page.count(f'class="chart {habit}"') == 3
    assert ODD_NAME not in page and "&lt;b&gt;Zoë &amp; &quot;Co&quot;&lt;/b&gt;" in page
    # opens offline: nothing fetched, nothing run
    assert not re.search(r"<script|<link|<img|src=|@import|url\(", page)
    assert set(re.findall(r"https?://[^\"' ]+", page)) == {"http://www.w3.org/2000/svg"}
    assert "<p>No rounds match.</p>" in to_html([])


def test_user_text_is_escaped_in_every_part_of_the_page(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.record(make_round("so it came late </td><script>alert(1)</script> & more"), ODD_NAME, "pi-1")
        recorded = history.rounds()
        results = {r.id: {**history.result(r.id), "scenario_title": "<i>Late</i> & \"lost\""}
                   for r in recorded}
    page = to_html(recorded, title="<Cohort & co>", results=results)
    assert "<script" not in page and "<i>" not in page and ODD_NAME not in page
    assert "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page  # the rounds list
    assert "&lt;i&gt;Late&lt;/i&gt; &amp; &quot;lost&quot;" in page  # scenarios and rounds list
    assert "<title>&lt;Cohort &amp; co&gt;</title>" in page
    body = page.split("<body>")[1].split("</body>")[0]
    ET.fromstring(f"<body>{body}</body>")  # no stray markup: the page is well-formed XML as well


def _played(history: History, replies: list[tuple[str, float]], scenario: str = "late-birthday-present",
            trainee: str = "ana") -> list[RecordedRound]:
    """``replies`` (text, pause) played a day apart, ending today; the trainee's rounds."""
    start = datetime.now(UTC) - timedelta(days=len(replies))
    for n, (reply, pause) in enumerate(replies):
        history.record(make_round(reply, pause_s=pause, scenario_id=scenario,
                                  started_at=start + timedelta(days=n, hours=len(trainee))), trainee, "pi-1")
    return history.rounds(trainee=trainee)


def test_trends_compare_the_later_half_of_a_trainees_rounds_with_the_earlier(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        improving = _played(history, [(POOR_REPLY, 0.1)] * 3 + [(GOOD_REPLY, 1.4)] * 3)
    found = trend(Habit.PARAPHRASE, improving)
    assert found is not None and found.direction == Trend.BETTER
    assert found.describe() == "better: 0% in the earlier half, 100% in the later half"
    slipping = list(reversed(improving))
    worse = trend(Habit.PAUSE, slipping)
    assert worse is not None and worse.direction == Trend.WORSE
    assert trend(Habit.PARAPHRASE, improving[:3]) is None  # too few rounds to call a trend
    page = to_html(improving)
    overview = page.split('class="trainees"')[1].split("</table>")[0]
    assert 'aria-label="better: 0% in the earlier half, 100% in the later half"' in overview
    assert "\u25b2" in overview and "\u25bc" not in overview


def test_the_hardest_scenario_comes_first(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        _played(history, [(GOOD_REPLY, 1.4)] * 2, trainee="ana")
        hard = _played(history, [(POOR_REPLY, 0.1)] * 3, "delayed-package", trainee="ben")
        both = history.rounds()
        results = {r.id: history.result(r.id) for r in hard}  # titles known for the hard ones only
    ranked = hardest_scenarios(both)
    assert [f.scenario for f in ranked] == ["delayed-package", "late-birthday-present"]
    assert ranked[0].rounds == 3 and ranked[0].passed[Habit.PARAPHRASE] == 0.0
    assert ranked[1].passed[Habit.PARAPHRASE] == 1.0 and ranked[1].passed[Habit.PAUSE] == 1.0
    page = to_html(both, results=results)
    table = page.split('<table class="scenarios">')[1].split("</table>")[0]
    assert table.index("A package stuck on out for delivery") < table.index("late-birthday-present")


def test_the_rounds_list_shows_the_feedback_the_station_gave(tmp_path: Path) -> None:
    played = make_round(POOR_REPLY, pause_s=0.1)
    assert played.score is not None
    said = compose_feedback(played.score)
    assert "Say their concern back in your own words, like: So the gift you chose" in said
    with History(tmp_path / "h.sqlite3") as history:
        history.record(played, "ana", "pi-1")
        recorded = history.rounds()
        results = {r.id: history.result(r.id) for r in recorded}
    rounds_list = to_html(recorded, results=results).split('class="rounds"')[-1]
    assert html.escape(said) in rounds_list and POOR_REPLY in rounds_list
    assert "\u2717 pause: jumped in, 0.1\u00a0s" in rounds_list and "\u2713 interruptions: 0" in rounds_list
    # without the stored JSON the columns stand in: the same tip, without its example
    bare = to_html(recorded).split('class="rounds"')[-1]
    assert "Try saying their concern back in your own words" in bare and "like: " not in bare


def test_words_removed_by_retention_show_as_removed(tmp_path: Path) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    with History(tmp_path / "h.sqlite3", retention_days=30) as history:
        history.record(make_round(GOOD_REPLY, started_at=old), "ana", "pi-1")
        recorded = history.rounds()
        results = {r.id: history.result(r.id) for r in recorded}
    assert recorded[0].transcript == "" and results[recorded[0].id]["words_removed"]
    rounds_list = to_html(recorded, results=results).split('class="rounds"')[-1]
    assert "(words removed after the retention period)" in rounds_list
    assert "fast shipping" not in rounds_list
    assert "Well done. You put the customer&#x27;s concern in your own words." in rounds_list  # verdicts stay


def test_date_ticks_are_spread_along_the_axis() -> None:
    start = datetime(2026, 3, 2, 9, 0)
    weeks = [start + timedelta(days=3 * n) for n in range(12)]
    ticks = date_ticks(weeks)
    assert 4 <= len(ticks) <= 6
    assert ticks[0] == (0, "02 Mar") and ticks[-1] == (11, "04 Apr")
    assert len({label for _, label in ticks}) == len(ticks)
    one_day = [start + timedelta(minutes=20 * n) for n in range(5)]
    assert [label for _, label in date_ticks(one_day)] == ["09:00", "09:20", "09:40", "10:00", "10:20"]
    assert value_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert value_ticks(0.0, 2.0, whole=True) == [0.0, 1.0, 2.0]  # interruptions are counted
    chart = svg_chart("pause", "Pause", [("a", 1.0, True)] * 12, low=0.0, high=3.0, ticks=ticks)
    assert chart.count('class="date"') == len(ticks)
    ET.fromstring(chart)


def test_a_chart_breaks_its_line_where_a_round_has_no_value() -> None:
    points = [("a", 1.0, True), ("b", 1.5, True), ("c", None, None), ("d", 0.2, False), ("e", 0.4, False)]
    chart = svg_chart("pause", "Pause", points, low=0.0, high=3.0, unit=" s", band=(1.0, 2.0))
    assert chart.count("<polyline") == 2 and chart.count("<circle") == 4
    assert chart.count('fill="#dcefdc"') == 1  # the ideal band
    ET.fromstring(chart)


def test_session_summary_has_a_row_per_trainee_and_the_cohort(tmp_path: Path) -> None:
    with History(tmp_path / "h.sqlite3") as history:
        history.start_session("cohort 7", ["late-birthday-present"])
        history.record(make_round(), "ana", "pi-1", "cohort 7")
        history.record(make_round(POOR_REPLY, pause_s=0.1), "ben", "pi-1", "cohort 7")
        history.record(make_round(), "ben", "pi-1", "cohort 7")
        session = history.end_session()
        text = session_text(session, history.rounds(session="cohort 7"))
    assert text.startswith("Session cohort 7: started ") and "3 rounds" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines()[3:]}
    assert set(rows) == {"ana", "ben", "everyone"}
    assert rows["ana"][1] == "1" and rows["ben"][1] == "2" and rows["everyone"][1] == "3"
    assert rows["ben"][6] == "50%"  # paraphrase ("1.4 s" is two words): one of ben's two rounds


def test_exports_are_written_whole(rounds: list[RecordedRound], tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    write_csv(rounds, target / "r.csv")
    write_html(rounds, target / "r.html")
    assert sorted(p.name for p in target.iterdir()) == ["r.csv", "r.html"]  # no temporary left
    assert (target / "r.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_export_to_a_missing_folder_is_a_clear_error(rounds: list[RecordedRound], tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        write_csv(rounds, tmp_path / "nope" / "r.csv")


def test_export_to_an_unwritable_folder_is_a_clear_error(rounds: list[RecordedRound], tmp_path: Path) -> None:
    if os.geteuid() == 0:
        folder = Path("/sys")  # root writes anywhere a mode allows; sysfs takes no new files
    else:
        folder = tmp_path / "locked"
        folder.mkdir(mode=0o555)
    with pytest.raises(StorageError, match=r"cannot write .*r\.html"):
        write_html(rounds, folder / "r.html")
    assert not (folder / "r.html").exists()


# the command line

def _config(tmp_path: Path, extra: str = "") -> dict[str, str]:
    config = tmp_path / "tutor.toml"
    config.write_text(f'[history]\ndatabase = "{tmp_path / "h.sqlite3"}"\nstation = "pi-test"\n{extra}')
    return {"TUTOR_CONFIG": str(config)}


def _one_line(done: CompletedProcess[str]) -> str:
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


def _practice(tutor: Tutor, env: dict[str, str], *args: str) -> CompletedProcess[str]:
    return tutor("practice", "--simulate", str(SAMPLE_REPLY), "--reply-at", "1.3", "--fast", *args, env=env)


def test_practice_records_the_trainee_and_does_not_keep_the_recording(
        tutor: Tutor, tmp_path: Path, isolated_env: dict[str, str]) -> None:
    env = _config(tmp_path)
    rounds_dir = Path(isolated_env["XDG_DATA_HOME"]) / "tutor" / "rounds"
    done = _practice(tutor, env, "--scenario", "late-birthday-present", "--trainee", "0042\n")
    assert done.returncode == 0, done.stderr
    assert "Recorded in the history as round 1 for 0042." in done.stdout
    assert "Round saved to" not in done.stdout
    assert not list(rounds_dir.glob("*.wav"))  # deleted once recorded: history.keep_recordings is off
    saved = tmp_path / "mine.wav"
    done = _practice(tutor, env, "--scenario", "late-birthday-present", "--trainee", "0042",
                     "--save-round", str(saved), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["history_id"] == 2 and saved.exists()  # asked for: kept
    listed = json.loads(tutor("report", "--json", "--trainee", "0042", env=env).stdout)
    assert [r["id"] for r in listed] == [1, 2]
    assert all(r["station"] == "pi-test" and r["pause"] == "ideal" and r["paraphrase_passed"] for r in listed)
    assert "fast shipping" in listed[0]["transcript"] and listed[0]["recording"] is None


def test_practice_keeps_recordings_when_configured(tutor: Tutor, tmp_path: Path,
                                                   isolated_env: dict[str, str]) -> None:
    env = _config(tmp_path, "keep_recordings = true\n")
    done = _practice(tutor, env, "--scenario", "late-birthday-present", "--trainee", "ana", "--json")
    assert done.returncode == 0, done.stderr
    kept = json.loads(done.stdout)["round_path"]
    assert kept and Path(kept).exists()
    assert json.loads(tutor("report", "--json", env=env).stdout)[0]["recording"] == kept
    done = tutor("forget", "ana", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 round" in done.stdout and "1 kept recording" in done.stdout
    assert not Path(kept).exists()


def test_a_damaged_history_does_not_cost_the_round(tutor: Tutor, tmp_path: Path,
                                                   isolated_env: dict[str, str]) -> None:
    env = _config(tmp_path)
    damaged = tmp_path / "h.sqlite3"
    damaged.write_bytes(random.Random(3).randbytes(8192))
    before = damaged.read_bytes()
    done = _practice(tutor, env, "--scenario", "late-birthday-present", "--trainee", "ana")
    assert done.returncode == 0
    assert _one_line(done).startswith("tutor: the round was not recorded in the history: ")
    assert "damaged" in done.stderr and "move it aside" in done.stderr
    assert "Round saved to" in done.stdout
    assert len(list((Path(isolated_env["XDG_DATA_HOME"]) / "tutor" / "rounds").glob("*.wav"))) == 1
    assert damaged.read_bytes() == before
    done = tutor("report", env=env)
    assert done.returncode == 4 and "damaged" in _one_line(done)
    assert damaged.read_bytes() == before


def test_a_bad_trainee_id_is_refused_before_the_round(tutor: Tutor, tmp_path: Path) -> None:
    done = _practice(tutor, _config(tmp_path), "--trainee", "ana\x07")
    assert done.returncode == 2 and "control characters" in _one_line(done)
    assert "Customer" not in done.stdout and not (tmp_path / "h.sqlite3").exists()


def test_report_table_csv_html_and_filters(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    _populate(tmp_path / "h.sqlite3")
    done = tutor("report", env=env)
    assert done.returncode == 0, done.stderr
    assert "Trainee ana (6 rounds" in done.stdout and "Station pi-1" in done.stdout
    done = tutor("report", "--trainee", "ben", "--csv", str(tmp_path / "ben.csv"),
                 "--html", str(tmp_path / "ben.html"), env=env)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {tmp_path / 'ben.csv'} (6 rounds)." in done.stdout
    assert {r["trainee"] for r in csv.DictReader((tmp_path / "ben.csv").open())} == {"ben"}
    page = (tmp_path / "ben.html").read_text()
    assert page.count("<svg") == len(Habit) and "Trainee ben" in page and "Trainee ana" not in page
    # the example sentence comes from the rounds' stored JSON, which the command reads
    assert "in your own words, like: So the gift you chose" in page
    recent = json.loads(tutor("report", "--json", "--since", "3", env=env).stdout)
    assert {r["trainee"] for r in recent} == {"ana", "ben", ODD_NAME} and len(recent) == 5
    assert len(json.loads(tutor("report", "--json", "--station", "pi-2", env=env).stdout)) == 4


@pytest.mark.parametrize(("args", "code", "message"), [
    (["report", "--trainee", "anna"], 2, "no rounds recorded for trainee 'anna'; did you mean 'ana'?"),
    (["report", "--station", "pi-9"], 2, "no rounds recorded for station 'pi-9'"),
    (["report", "--since", "last week"], 2, "--since must be a date"),
    (["report", "--csv", "/nonexistent-folder/r.csv"], 4, "the folder /nonexistent-folder does not exist"),
    (["report", "--html", "/sys/r.html"], 4, "cannot write /sys/r.html"),
    (["forget", "ana"], 2, "add --yes"),
    (["forget", "anna", "--yes"], 2, "did you mean 'ana'?"),
    (["session", "summary", "cohort"], 2, "no session named 'cohort'"),
    (["session", "end"], 2, "no session is open"),
    (["session", "reopen", "cohort"], 2, "no session named 'cohort'"),
    (["report", "--session", "cohort"], 2, "no session named 'cohort'"),
    (["report", "--trainee", "guest", "--exclude-guest"], 2, "leave nothing to report"),
])
def test_report_and_forget_mistakes_are_one_clear_line(tutor: Tutor, tmp_path: Path, args: list[str],
                                                      code: int, message: str) -> None:
    if args[:2] == ["report", "--html"] and os.geteuid() != 0:
        args = ["report", "--html", str(tmp_path / "locked" / "r.html")]
        (tmp_path / "locked").mkdir(mode=0o555)
        message = "cannot write"
    env = _config(tmp_path)
    _populate(tmp_path / "h.sqlite3")
    before = len(json.loads(tutor("report", "--json", env=env).stdout))
    done = tutor(*args, env=env)
    assert done.returncode == code
    assert message in _one_line(done)
    assert len(json.loads(tutor("report", "--json", env=env).stdout)) == before  # nothing lost


def test_forget_deletes_one_trainee_and_says_what(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    _populate(tmp_path / "h.sqlite3")
    done = tutor("forget", "ana", "--yes", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Forgot ana: deleted 6 rounds (scores, transcripts, timings) and 0 kept")
    left = json.loads(tutor("report", "--json", env=env).stdout)
    assert {r["trainee"] for r in left} == {"ben", ODD_NAME}


def test_no_history_yet_is_said_plainly(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    done = tutor("report", env=env)
    assert done.returncode == 0 and done.stdout.startswith("No rounds recorded yet")
    assert tutor("session", "list", env=env).stdout.strip() == "No sessions yet."
    ended = tutor("session", "end", env=env)
    assert ended.returncode == 2 and "no session is open" in _one_line(ended)
    reopened = tutor("session", "reopen", "cohort 7", env=env)
    assert reopened.returncode == 2 and "no session named 'cohort 7'" in _one_line(reopened)
    by_session = tutor("report", "--session", "cohort 7", env=env)
    assert by_session.returncode == 2 and "no session named 'cohort 7'" in _one_line(by_session)
    assert not (tmp_path / "h.sqlite3").exists()  # looking creates nothing


def test_an_onboarding_session_from_start_to_summary(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    done = tutor("session", "start", "cohort 7", "--scenarios", "delayed-pakage", env=env)
    assert done.returncode == 2 and "did you mean delayed-package" in _one_line(done)
    done = tutor("session", "start", "cohort 7", "--scenarios", "delayed-package", env=env)
    assert done.returncode == 0, done.stderr
    assert "scenarios: delayed-package" in done.stdout
    played = _practice(tutor, env, "--trainee", "ana", "--json")  # no --scenario: the session's
    assert played.returncode == 0, played.stderr
    assert json.loads(played.stdout)["scenario"] == "delayed-package"
    assert "cohort 7" in tutor("session", "list", env=env).stdout
    ended = tutor("session", "end", env=env)
    assert ended.returncode == 0, ended.stderr
    assert ended.stdout.startswith("Session cohort 7: started") and "1 round" in ended.stdout
    assert re.search(r"^\s+ana\s+1\s", ended.stdout, flags=re.M)
    summary = json.loads(tutor("session", "summary", "cohort 7", "--json", env=env).stdout)
    assert summary["ended_at"] and [r["trainee"] for r in summary["rounds"]] == ["ana"]
    assert summary["rounds"][0]["session"] == "cohort 7"


def test_report_of_one_session_and_without_guests(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    with History(tmp_path / "h.sqlite3") as history:
        history.start_session("cohort 7", ["late-birthday-present"])
        history.record(make_round(), "ana", "pi-1", "cohort 7")
        history.record(make_round(), "guest", "pi-1", "cohort 7")
        # a round played while it is open, but not of its scenarios
        history.record(make_round(scenario_id="delayed-package"), "ben", "pi-1", "cohort 7")
        history.end_session()
        history.record(make_round(), "ben", "pi-1")

    def trainees(*flags: str) -> list[str]:
        done = tutor("report", "--json", *flags, env=env)
        assert done.returncode == 0, done.stderr
        return [r["trainee"] for r in json.loads(done.stdout)]

    assert trainees("--session", "cohort 7") == ["ana", "guest"]
    assert trainees("--session", "cohort 7", "--exclude-guest") == ["ana"]
    assert trainees("--exclude-guest") == ["ana", "ben", "ben"]
    table = tutor("report", "--exclude-guest", env=env).stdout
    assert "Trainee ana" in table and "Trainee guest" not in table
    done = tutor("report", "--session", "cohort 7", "--exclude-guest", "--csv", str(tmp_path / "c.csv"),
                 "--html", str(tmp_path / "c.html"), env=env)
    assert done.returncode == 0, done.stderr
    assert [r["trainee"] for r in csv.DictReader((tmp_path / "c.csv").open())] == ["ana"]
    assert "session cohort 7, without guests" in (tmp_path / "c.html").read_text()
    wrong = tutor("report", "--session", "cohort 8", env=env)
    assert wrong.returncode == 2 and "did you mean 'cohort 7'?" in _one_line(wrong)


def test_a_cohort_reopens_its_session_the_next_day(tutor: Tutor, tmp_path: Path) -> None:
    env = _config(tmp_path)
    assert tutor("session", "start", "cohort 7", "--scenarios", "delayed-package", env=env).returncode == 0
    assert _practice(tutor, env, "--trainee", "ana").returncode == 0
    assert tutor("session", "end", env=env).returncode == 0
    again = tutor("session", "start", "cohort 7", env=env)
    assert again.returncode == 2 and "continue it with `tutor session reopen cohort 7`" in _one_line(again)
    reopened = tutor("session", "reopen", "cohort 7", env=env)
    assert reopened.returncode == 0, reopened.stderr
    assert reopened.stdout.startswith(
        "Session cohort 7 reopened; scenarios: delayed-package; 1 round so far.")
    assert re.search(r"^cohort 7  .* to open  1 round ", tutor("session", "list", env=env).stdout, flags=re.M)
    played = _practice(tutor, env, "--trainee", "ben", "--json")  # no --scenario: the session's, again
    assert json.loads(played.stdout)["scenario"] == "delayed-package"
    other = _practice(tutor, env, "--trainee", "ben", "--scenario", "late-birthday-present")
    assert other.returncode == 0, other.stderr
    ended = tutor("session", "end", env=env)
    assert ended.returncode == 0 and "2 rounds" in ended.stdout
    summary = json.loads(tutor("session", "summary", "cohort 7", "--json", env=env).stdout)
    assert [(r["trainee"], r["scenario"]) for r in summary["rounds"]] == [("ana", "delayed-package"),
                                                                          ("ben", "delayed-package")]
