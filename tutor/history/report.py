"""Progress reports from the history: a terminal table, CSV, and an HTML page for trainers.

The HTML page is one self-contained file (inline CSS and SVG, no scripts, no
fonts or libraries fetched), so it opens on a laptop with no network; its
charts are drawn here as a few SVG shapes rather than with a plotting
library, which would be the heaviest thing on the station.
"""

from __future__ import annotations

import csv
import html
import io
import logging
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tutor import files
from tutor.history.rounds import ROUND_KEYS
from tutor.terminal import printable
from tutor.vocabulary import Habit, PauseVerdict

if TYPE_CHECKING:
    from tutor.history import RecordedRound, Session

_LOGGER = logging.getLogger(__name__)

# a round's JSON keys (tutor.history.rounds.ROUND_COLUMNS), with the session moved up beside the
# trainee: who played, in which cohort, then what
_CSV_FIRST: Final = ("id", "started_at", "station", "trainee", "session")
CSV_COLUMNS: Final = (*_CSV_FIRST, *(key for key in ROUND_KEYS if key not in _CSV_FIRST))
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet cell a formula
IDEAL_PAUSE_S: Final = (1.0, 2.0)  # the default ideal band, shaded on the pause chart
CHART_WIDTH: Final = 520
CHART_HEIGHT: Final = 170
_MARGIN: Final = (44, 12, 14, 26)  # left, right, top, bottom


@dataclass(frozen=True)
class Summary:
    """A group of rounds in figures: medians and shares a trainer reads at a glance."""

    label: str
    rounds: int
    pause_s: float | None  # median
    good_pauses: float | None  # share of rounds whose pause passed
    interruptions: float | None  # per round
    paraphrase: float | None  # shares of rounds that passed
    empathy: float | None
    open_question: float | None


def summarise(label: str, rounds: Sequence[RecordedRound]) -> Summary:
    pauses = [r.pause_s for r in rounds if r.pause_s is not None]
    heard = [r for r in rounds if r.pause_verdict != PauseVerdict.NO_REPLY]
    return Summary(
        label=label, rounds=len(rounds),
        pause_s=statistics.median(pauses) if pauses else None,
        good_pauses=_share(r.pause_passed for r in rounds),
        interruptions=sum(r.interruptions for r in heard) / len(heard) if heard else None,
        paraphrase=_share(r.paraphrase_passed for r in rounds),
        empathy=_share(r.empathy_passed for r in rounds),
        open_question=_share(r.open_question_passed for r in rounds))


def _share(flags: Iterable[bool | None]) -> float | None:
    known = [f for f in flags if f is not None]
    return sum(known) / len(known) if known else None


def local(moment: datetime) -> datetime:
    """A recorded (UTC) time on this machine's clock, as trainers read it."""
    return moment.astimezone()


def week_of(moment: datetime) -> str:
    year, week, _ = local(moment).isocalendar()
    return f"{year}-W{week:02d}"


def by_week(rounds: Sequence[RecordedRound]) -> list[Summary]:
    weeks: dict[str, list[RecordedRound]] = {}
    for r in rounds:
        weeks.setdefault(week_of(r.started_at), []).append(r)
    return [summarise(week, group) for week, group in sorted(weeks.items())]


def group_by(rounds: Sequence[RecordedRound],
             key: Callable[[RecordedRound], str]) -> dict[str, list[RecordedRound]]:
    groups: dict[str, list[RecordedRound]] = {}
    for r in rounds:
        groups.setdefault(key(r), []).append(r)
    return dict(sorted(groups.items()))


# the terminal

_HEADINGS: Final = ("rounds", "pause", "good pause", "interruptions", "paraphrase", "emotion",
                    "open question")


def _cells(s: Summary) -> tuple[str, ...]:
    return (str(s.rounds), _seconds(s.pause_s), _percent(s.good_pauses), _number(s.interruptions),
            _percent(s.paraphrase), _percent(s.empathy), _percent(s.open_question))


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(first: str, rows: Sequence[Summary], indent: str = "  ") -> str:
    """Summaries as aligned columns, the first holding each row's label."""
    grid = [(first, *_HEADINGS)] + [(printable(s.label), *_cells(s)) for s in rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for row in grid:
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:],
                                                                                       strict=True)]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _span(rounds: Sequence[RecordedRound]) -> str:
    first, last = local(rounds[0].started_at), local(rounds[-1].started_at)
    dates = f"{first:%Y-%m-%d}" if first.date() == last.date() else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    return f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}, {dates}"


def progress_text(rounds: Sequence[RecordedRound]) -> str:
    """Week by week for each trainee, then for each station."""
    if not rounds:
        return "No rounds match."
    out = []
    for heading, key in (("Trainee", _trainee), ("Station", _station)):
        for name, group in group_by(rounds, key).items():
            out.append(f"{heading} {printable(name)} ({_span(group)})")
            out.append(table("week", by_week(group)))
            out.append("")
    out.append("pause: median; good pause, paraphrase, emotion, open question: share of rounds "
               "that passed; interruptions: per round with a reply")
    return "\n".join(out)


def _trainee(r: RecordedRound) -> str:
    return r.trainee


def _station(r: RecordedRound) -> str:
    return r.station


def session_text(session: Session, rounds: Sequence[RecordedRound]) -> str:
    """The end-of-session summary: one row per trainee, then the whole cohort."""
    began = local(session.started_at)
    state = f"ended {local(session.ended_at):%Y-%m-%d %H:%M}" if session.ended_at else "still open"
    out = [f"Session {printable(session.name)}: started {began:%Y-%m-%d %H:%M}, {state}, "
           f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}",
           f"Scenarios: {printable(', '.join(session.scenarios)) or 'any'}"]
    if not rounds:
        out.append("No rounds were played in this session.")
        return "\n".join(out)
    rows = [summarise(name, group) for name, group in group_by(rounds, _trainee).items()]
    rows.append(summarise("everyone", rounds))
    out.append(table("trainee", rows))
    return "\n".join(out)


# files

def write_atomically(path: Path, text: str) -> Path:
    """Write the whole file or nothing: a half-written report is worse than none. Never
    replaces a device node or a link (see :mod:`tutor.files`); the umask sets the mode."""
    return files.write_atomically(path, text.encode("utf-8"))


def to_csv(rounds: Sequence[RecordedRound]) -> str:
    """One line per round; times in this machine's local time with their offset. Text that a
    spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return at
    the start) is prefixed with ``'``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: also quotes a cell holding a CR
    writer.writerow(CSV_COLUMNS)
    for r in rounds:
        data = r.to_json()
        data["started_at"] = local(r.started_at).isoformat()
        data["pause"] = r.pause_verdict
        writer.writerow(["" if data[c] is None else _inert(data[c]) for c in CSV_COLUMNS])
    return buffer.getvalue()


def _inert(value: object) -> object:
    """A text cell a spreadsheet would read as a formula gets a leading ``'`` (OWASP's advice
    on CSV injection); numbers stay numbers, so a negative pause is still -0.3."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(rounds: Sequence[RecordedRound], path: Path) -> Path:
    return write_atomically(path, to_csv(rounds))


def write_html(rounds: Sequence[RecordedRound], path: Path, title: str = "Listening progress") -> Path:
    return write_atomically(path, to_html(rounds, title))


# HTML and charts

_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { padding: 0.2em 0.7em; text-align: right; } th:first-child, td:first-child { text-align: left; }
tr:nth-child(even) td { background: #f4f4f4; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; } figcaption { font-size: 0.9em; color: #555; }
svg text { font-size: 11px; fill: #555; } .note { color: #555; font-size: 0.9em; }
"""


@dataclass(frozen=True)
class _Metric:
    name: Habit
    caption: str
    value: Callable[[RecordedRound], float | None]
    low: float
    high: float
    unit: str
    band: tuple[float, float] | None = None


_METRICS: Final = (
    _Metric(Habit.PAUSE, "Pause before answering (s); shaded: the ideal band",
            lambda r: r.pause_s, 0.0, 3.0, " s", IDEAL_PAUSE_S),
    _Metric(Habit.INTERRUPTIONS, "Interruptions per round", lambda r: float(r.interruptions), 0.0, 2.0, ""),
    _Metric(Habit.PARAPHRASE, "Paraphrase score (0 to 1); filled: passed", lambda r: r.paraphrase_score,
            0.0, 1.0, ""),
)


def svg_chart(metric_name: str, caption: str, points: Sequence[tuple[str, float | None, bool | None]], *,
              low: float, high: float, unit: str = "", band: tuple[float, float] | None = None) -> str:
    """A line over rounds (x: round number); ``points`` are (label, value, passed) per round.

    A round without a value (no reply, no scenario) breaks the line rather than
    being drawn as zero, which would read as a score.
    """
    values = [v for _, v, _ in points if v is not None]
    low = min([low, *values])
    high = max([high, *values])
    if high - low < 1e-9:
        high = low + 1.0
    left, right, top, bottom = _MARGIN
    width, height = CHART_WIDTH - left - right, CHART_HEIGHT - top - bottom
    count = len(points)

    def x(index: int) -> float:
        return left + (width * index / (count - 1) if count > 1 else width / 2)

    def y(value: float) -> float:
        return top + height * (high - value) / (high - low)

    shapes = [f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="#fff" stroke="#ccc"/>']
    if band is not None:
        b_top, b_bottom = y(min(band[1], high)), y(max(band[0], low))
        shapes.append(f'<rect x="{left}" y="{b_top:.1f}" width="{width}" height="{b_bottom - b_top:.1f}" '
                      f'fill="#dcefdc"/>')
    for value in (low, high):
        shapes.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">'
                      f'{value:g}{html.escape(unit)}</text>')
    if low < 0 < high:
        shapes.append(f'<line x1="{left}" x2="{left + width}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
                      f'stroke="#bbb"/>')
    run: list[str] = []
    lines: list[list[str]] = [run]
    for index, (_, point, _) in enumerate(points):
        if point is None:
            run = []
            lines.append(run)
        else:
            run.append(f"{x(index):.1f},{y(point):.1f}")
    for line in lines:
        if len(line) > 1:
            shapes.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#2b6cb0" '
                          f'stroke-width="1.5"/>')
    for index, (label, point, passed) in enumerate(points):
        if point is None:
            continue
        fill = "#2b6cb0" if passed else "#fff"
        shapes.append(f'<circle cx="{x(index):.1f}" cy="{y(point):.1f}" r="3.2" fill="{fill}" '
                      f'stroke="#2b6cb0"><title>{html.escape(label)}: {point:g}{html.escape(unit)}'
                      f'</title></circle>')
    if points:
        shapes.append(f'<text x="{left}" y="{CHART_HEIGHT - 8}">{html.escape(points[0][0])}</text>')
        if count > 1:
            shapes.append(f'<text x="{left + width}" y="{CHART_HEIGHT - 8}" text-anchor="end">'
                          f'{html.escape(points[-1][0])}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {html.escape(metric_name)}" '
            f'width="{CHART_WIDTH}" height="{CHART_HEIGHT}" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
            f'role="img" aria-label="{html.escape(caption)}">' + "".join(shapes) + "</svg>")


def _passed_for(metric: Habit, r: RecordedRound) -> bool | None:
    return {Habit.PAUSE: r.pause_passed, Habit.INTERRUPTIONS: r.interruptions == 0,
            Habit.PARAPHRASE: r.paraphrase_passed}.get(metric)


def _html_table(first: str, rows: Sequence[Summary]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (first, *_HEADINGS))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (s.label, *_cells(s))) + "</tr>"
                   for s in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(rounds: Sequence[RecordedRound], title: str = "Listening progress") -> str:
    """The trainer's page: per trainee a weekly table and a chart per habit, then per station."""
    parts = [f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width\"><title>{html.escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"]
    if not rounds:
        parts.append("<p>No rounds match.</p></body></html>\n")
        return "".join(parts)
    parts.append(f"<p class=\"note\">{html.escape(_span(rounds))}; written "
                 f"{datetime.now().astimezone():%Y-%m-%d %H:%M}. Pause: median; good pause, paraphrase, "
                 f"emotion, open question: share of rounds that passed; interruptions: per round.</p>")
    for name, group in group_by(rounds, _trainee).items():
        parts.append(f"<section class=\"trainee\"><h2>Trainee {html.escape(name)}</h2>"
                     f"<p class=\"note\">{html.escape(_span(group))}</p>")
        parts.append(_html_table("week", by_week(group)))
        for metric in _METRICS:
            points = [(f"{local(r.started_at):%Y-%m-%d %H:%M}", metric.value(r), _passed_for(metric.name, r))
                      for r in group]
            chart = svg_chart(metric.name, metric.caption, points, low=metric.low, high=metric.high,
                              unit=metric.unit, band=metric.band)
            parts.append(f"<figure>{chart}<figcaption>{html.escape(metric.caption)}</figcaption></figure>")
        parts.append("</section>")
    for name, group in group_by(rounds, _station).items():
        parts.append(f"<section class=\"station\"><h2>Station {html.escape(name)}</h2>"
                     f"<p class=\"note\">{html.escape(_span(group))}</p>")
        parts.append(_html_table("week", by_week(group)))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
