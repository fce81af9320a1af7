"""The trainer's HTML report as a person sees it: rendered and printed by a real browser.

A cohort of five trainees with six rounds each goes through `tutor report --html`, then
headless Chromium prints it to PDF (A4, as a trainer's printer would) and takes a
screenshot; poppler's pdfinfo, pdftotext and pdftoppm read the result back. Needs the
Debian packages chromium and poppler-utils; without Chromium the tests skip and say so.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from history_rounds import GOOD_REPLY, NEED_REPLY, POOR_REPLY, make_conversation, make_round

from tutor.history import History

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed: apt-get install "
                                "chromium poppler-utils to render the HTML report in a real browser")

ODD_NAME = "<b>Zoë & \"Co\"</b>"
TRAINEES = ("ana", "ben", ODD_NAME, "dev-0042", "eve")
ROUNDS_EACH = 6
SCENARIOS = ("late-birthday-present", "delayed-package", "high-electricity-bill")
MOST_PAGES = 8  # measured: 7 (overview, charts two to a row on three pages, the rounds list)
CAPTIONS = ("Pause before answering", "Interruptions per round", "Paraphrase score", "Emotion named",
            "Open question: score")
A4_POINTS = (595.0, 842.0)


@dataclass(frozen=True)
class Printed:
    pdf: Path
    pages: int
    page_size: tuple[float, float]
    text: list[str]  # per page, laid out as printed (a table's row on one line)
    reading: str  # the whole document block by block (a table cell's lines together), spaces folded
    screenshot: Path
    blank_screenshot: Path


def _cohort(path: Path) -> None:
    """Five trainees, six rounds each over three weeks on three scenarios; each trainee's
    first round is old enough for the retention period to have removed its words."""
    now = datetime.now(UTC)
    with History(path, retention_days=30) as history:
        for t, trainee in enumerate(TRAINEES):
            for n in range(ROUNDS_EACH):
                when = now - timedelta(days=40 if n == 0 else 20 - 3 * n, hours=t)
                good = (n + t) % 3 != 0
                history.record(make_round(GOOD_REPLY if good else POOR_REPLY, pause_s=1.4 if good else 0.1,
                                          cut_in="wait what" if n == 2 else None,
                                          scenario_id=SCENARIOS[(n + t) % 3], started_at=when),
                               trainee, f"pi-{t % 2 + 1}")


def _chromium(*args: str, profile: Path) -> None:
    assert CHROMIUM is not None
    # a profile each: runs in parallel do not share (and lock) one
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    from conftest import isolated_environ

    for tool in ("pdfinfo", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: apt-get install poppler-utils")
    folder = tmp_path_factory.mktemp("browser")
    _cohort(folder / "h.sqlite3")
    config = folder / "tutor.toml"
    config.write_text(f'[history]\ndatabase = "{folder / "h.sqlite3"}"\n')
    env = {**isolated_environ(folder / "home"), "TUTOR_CONFIG": str(config)}
    page = folder / "report.html"
    done = subprocess.run([sys.executable, "-m", "tutor", "report", "--html", str(page)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    pdf, shot, blank = folder / "report.pdf", folder / "report.png", folder / "blank.png"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), profile=folder / "p1")
    _chromium("--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={shot}", page.as_uri(),
              profile=folder / "p2")
    (folder / "blank.html").write_text("<!doctype html><html><body></body></html>")
    _chromium("--hide-scrollbars", "--window-size=1000,1400", f"--screenshot={blank}",
              (folder / "blank.html").as_uri(), profile=folder / "p3")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = re.search(r"^Pages:\s+(\d+)", info, flags=re.M)
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, flags=re.M)
    assert count is not None and size is not None, info
    pages = int(count[1])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout.split("\f")
    reading = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return Printed(pdf, pages, (float(size[1]), float(size[2])), text[:pages], " ".join(reading.split()),
                   shot, blank)


def test_a_cohort_of_five_prints_on_a_few_a4_pages(printed: Printed) -> None:
    assert printed.page_size == pytest.approx(A4_POINTS, abs=1.0)
    assert 3 <= printed.pages <= MOST_PAGES  # one chart a page would be 25 pages
    everything = "\n".join(printed.text)
    for caption in CAPTIONS:
        assert everything.count(caption) == len(TRAINEES), caption
    for heading in ("Trainees at a glance", "Hardest scenarios first", "Stations",
                    "Every round, in the order played"):
        assert heading in everything
    pages_with_charts = [n for n, page in enumerate(printed.text) if "Pause before answering" in page]
    assert len(pages_with_charts) < len(TRAINEES)  # about two trainees a page, not one (or one chart)


def test_every_trainee_has_a_row_in_the_comparison_table(printed: Printed) -> None:
    first = printed.text[0]
    table = first.split("Trainees at a glance")[1].split("Hardest scenarios first")[0]
    for trainee in TRAINEES:
        # the odd name is shown as typed, not read as markup (it may wrap in its narrow column)
        shown = re.escape(trainee) if trainee != ODD_NAME else re.escape("<b>Zoë & \"Co\"") + r"\S*"
        rows = [line for line in table.splitlines() if re.match(rf"\s*{shown}\s", line)]
        assert len(rows) == 1, (trainee, table)
        assert re.match(rf"\s*{shown}\s+{ROUNDS_EACH}\s+\d\.\d s\s+\d+%", rows[0]), rows[0]
    assert re.search(r"^\s*everyone\s+30\s", table, flags=re.M)
    assert "\u25b2 better" in table  # the arrows' legend


def test_charts_print_two_to_a_row_with_dates_along_the_axis(printed: Printed) -> None:
    layout = subprocess.run(["pdftotext", "-bbox", str(printed.pdf), "-"], capture_output=True, text=True,
                            check=True).stdout
    side_by_side = 0
    for page in layout.split("<page ")[1:]:
        words = [(float(m[1]), float(m[2]), m[3]) for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">([^<]*)</word>', page)]
        pauses = [(x, y) for (x, y, w), nxt in itertools.pairwise(words)
                  if w == "Pause" and nxt[2] == "before"]
        interruptions = [(x, y) for (x, y, w), nxt in itertools.pairwise(words)
                         if w == "Interruptions" and nxt[2] == "per"]
        for x, y in pauses:
            # the interruptions chart beside the pause chart: same line, right half of the page
            if any(abs(y2 - y) < 2 and x2 > x + A4_POINTS[0] / 3 for x2, y2 in interruptions):
                side_by_side += 1
    assert side_by_side == len(TRAINEES)
    everything = "\n".join(printed.text)
    ticks = set(re.findall(r"\b\d\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", everything))
    assert len(ticks) >= 4  # several dates along each axis, not only the first and the last


def test_the_rounds_list_prints_what_was_said_and_the_feedback(printed: Printed) -> None:
    flat = printed.reading.split("Every round, in the order played")[1]
    assert flat.count("(words removed after the retention") == len(TRAINEES)  # each first round
    assert "okay sorry about that" in flat and "didn't get there until" in flat
    assert "Well done." in flat and "in your own words, like: So the gift you chose" in flat
    assert "A package stuck on out for delivery" in flat  # scenario titles, not ids
    for trainee in ("ana", "ben", "dev-0042", "eve", "<b>Zo"):
        assert trainee in flat


def test_the_page_on_screen_and_on_paper_is_not_blank(printed: Printed, tmp_path: Path) -> None:
    png = printed.screenshot.read_bytes()
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20]) == 1000  # IHDR width
    # a white page compresses to almost nothing; charts, tables and text do not
    assert len(png) > 20 * len(printed.blank_screenshot.read_bytes())
    subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", "2", "-l", "2", str(printed.pdf),
                    str(tmp_path / "page")], check=True)
    grey = next(tmp_path.glob("page*.pgm")).read_bytes()
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", grey)
    assert header is not None
    width, height = int(header[1]), int(header[2])
    pixels = np.frombuffer(grey[header.end():], dtype=np.uint8, count=width * height)
    assert (pixels < 200).mean() > 0.01  # lines, dots and words on the charts page



def test_a_conversation_prints_with_its_turns_and_whether_the_need_was_reached(tmp_path: Path) -> None:
    """A conversation's round as printed: each later turn (the customer's words and why, the reply,
    its verdicts) under the first reply, and how it went under the scenario's title."""
    from conftest import isolated_environ

    with History(tmp_path / "h.sqlite3") as history:
        history.record(make_round(), "ana", "pi-1")
        history.record(make_conversation(), "ana", "pi-1")
    config = tmp_path / "tutor.toml"
    config.write_text(f'[history]\ndatabase = "{tmp_path / "h.sqlite3"}"\n')
    env = {**isolated_environ(tmp_path / "home"), "TUTOR_CONFIG": str(config)}
    page, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    done = subprocess.run([sys.executable, "-m", "tutor", "report", "--html", str(page)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(), profile=tmp_path / "p")
    reading = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                      check=True).stdout.split())
    rounds = reading.split("Every round, in the order played")[1]
    assert "3 turns; calmed \u2713; need reached \u2713" in rounds
    assert "Turn 2, customer (after an open question): \u201cHonestly, her party is on Saturday." in rounds
    assert NEED_REPLY in rounds
    assert "Turn 3, customer (then): \u201cOkay. Thank you for listening.\u201d" in rounds
    scenarios = reading.split("Hardest scenarios first")[1].split("Stations")[0]
    assert "customer calmed" in scenarios and "need reached" in scenarios
