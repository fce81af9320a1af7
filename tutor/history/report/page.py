"""The trainer's page: one self-contained HTML file, for a screen and for A4 paper.

Inline CSS and SVG, no scripts, no fonts or libraries fetched, so it opens on
a laptop with no network. In reading order: every trainee in one table with
their trends, the scenarios from hardest to easiest, the stations, then per
trainee a weekly table and a chart per habit, then every round with what was
said and the feedback given; a conversation's round also shows each later turn (what the
customer said and why, the reply and its verdicts) and whether the customer calmed down
and the need behind the complaint was reached, and the scenarios table adds those shares
once any conversation was played. Everything a person typed or said (trainee ids,
transcripts, scenario titles) is escaped.

Printed, charts go two to a row and tables are kept whole where they fit on a
page, so a cohort of five prints on a few pages rather than one chart a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tutor.history.report.charts import date_ticks, escape, svg_chart
from tutor.history.report.figures import (
    HEADINGS,
    LEGEND,
    MIN_TREND_ROUNDS,
    Summary,
    Trend,
    by_week,
    cells,
    group_by,
    habit_figure,
    hardest_scenarios,
    local,
    passed,
    percent,
    seconds,
    share,
    span,
    station_of,
    summarise,
    trainee_of,
    trend,
)
from tutor.history.report.round_view import RoundView, StoredResults, TurnView, view
from tutor.history.report.spreadsheet import write_atomically
from tutor.settings import ScoringSettings
from tutor.vocabulary import Condition, Habit

if TYPE_CHECKING:
    from collections.abc import Callable

    from tutor.history import RecordedRound

_DEFAULT_SCORING: Final = ScoringSettings()
IDEAL_PAUSE_S: Final = (_DEFAULT_SCORING.ideal_min_s, _DEFAULT_SCORING.ideal_max_s)  # shaded on the chart

_STYLE: Final = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 64em; padding: 0 1em; color: #222;
       line-height: 1.35; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; }
th, td { padding: 0.2em 0.6em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 1px solid #999; }
tbody th { font-weight: normal; text-align: left; }
tbody tr:nth-child(even) td, tbody tr:nth-child(even) th { background: #f4f4f4; }
tr.everyone td { border-top: 1px solid #999; font-weight: 600; }
.note { color: #555; font-size: 0.9em; margin: 0.2em 0 0.6em; }
.trend { margin-left: 0.3em; font-size: 0.85em; }
.better { color: #1a7f37; } .worse { color: #b42318; } .steady { color: #777; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.4em 1.5em; }
figure { margin: 0; break-inside: avoid; }
figcaption { font-size: 0.85em; color: #444; }
svg.chart { display: block; width: 100%; height: auto; }
svg text { font-size: 11px; fill: #555; }
table.rounds { width: 100%; table-layout: fixed; }
table.rounds th, table.rounds td { text-align: left; overflow-wrap: anywhere; }
table.rounds col.when { width: 11%; } table.rounds col.trainee { width: 9%; }
table.rounds col.scenario { width: 13%; } table.rounds col.said { width: 25%; }
table.rounds col.verdicts { width: 17%; } table.rounds col.feedback { width: 25%; }
table.rounds .said { font-style: italic; }
table.rounds .turn { display: block; margin-top: 0.35em; font-style: normal; }
table.rounds .turn .customer { color: #555; }
table.rounds .turn .reply { font-style: italic; }
table.rounds .turn .marks { font-size: 0.9em; white-space: nowrap; }
table.rounds .outcome { display: block; font-size: 0.9em; color: #444; }
table.rounds .removed, table.rounds .none { color: #777; font-style: normal; }
table.rounds td.verdicts { overflow-wrap: normal; }
.verdicts span { display: block; }
.verdicts .failed { color: #b42318; } .verdicts .unjudged { color: #777; }
@page { size: A4; margin: 12mm 11mm 13mm; }
@media print {
  body { margin: 0; padding: 0; max-width: none; font-size: 9pt; }
  h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 1.1em; }
  h3 { font-size: 10pt; margin-top: 0.6em; }
  h2, h3 { break-after: avoid; }
  table { font-size: 8pt; break-inside: avoid; }
  table.rounds { break-inside: auto; width: 100%; }
  table.rounds tr { break-inside: avoid; }
  thead { display: table-header-group; }
  .keep { break-inside: avoid; break-after: avoid; }
  table.rounds { font-size: 7.5pt; }
  .charts { gap: 0 5mm; }
  figcaption { font-size: 7.5pt; }
  tbody tr:nth-child(even) td, tbody tr:nth-child(even) th {
    print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


@dataclass(frozen=True)
class _Metric:
    habit: Habit
    caption: str
    value: Callable[[RecordedRound], float | None]
    low: float
    high: float
    unit: str = ""
    band: tuple[float, float] | None = None
    whole: bool = False  # counted, so the axis is marked in whole numbers


_METRICS: Final = (
    _Metric(Habit.PAUSE, "Pause before answering (s); shaded: the ideal band", lambda r: r.pause_s,
            0.0, 3.0, " s", IDEAL_PAUSE_S),
    _Metric(Habit.INTERRUPTIONS, "Interruptions per round; filled: none",
            lambda r: None if passed(Habit.INTERRUPTIONS, r) is None else float(r.interruptions), 0.0, 2.0,
            whole=True),
    _Metric(Habit.PARAPHRASE, "Paraphrase score (0 to 1); filled: passed", lambda r: r.paraphrase_score,
            0.0, 1.0),
    _Metric(Habit.EMPATHY, "Emotion named: score (0 to 1); filled: passed", lambda r: r.empathy_score,
            0.0, 1.0),
    _Metric(Habit.OPEN_QUESTION, "Open question: score (0 to 1); filled: passed",
            lambda r: r.open_question_score, 0.0, 1.0),
)
_ARROWS: Final = {Trend.BETTER: "\u25b2", Trend.WORSE: "\u25bc", Trend.STEADY: "\u25ac"}  # ▲ ▼ ▬
_MARKS: Final = {True: "\u2713", False: "\u2717", None: "?"}  # ✓ ✗ ?
_MARK_CLASSES: Final = {True: "passed", False: "failed", None: "unjudged"}


def to_html(rounds: Sequence[RecordedRound], title: str = "Listening progress",
            results: StoredResults | None = None) -> str:
    """The whole page; ``results`` (round id -> stored JSON) give the rounds list its scenario
    titles and feedback examples (see :mod:`tutor.history.report.round_view`)."""
    parts = [f"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<meta name=\"viewport\" content=\"width=device-width\"><title>{escape(title)}</title>"
             f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"]
    if not rounds:
        parts.append("<p>No rounds match.</p></body></html>\n")
        return "".join(parts)
    views = [view(r, (results or {}).get(r.id)) for r in rounds]
    titles = {v.round.scenario: v.scenario_title for v in views}
    parts.append(f"<p class=\"note\">{escape(span(rounds))}; written "
                 f"{datetime.now().astimezone():%Y-%m-%d %H:%M}. {escape(_sentence(LEGEND))}.</p>")
    parts.append(_trainees_section(rounds))
    parts.append(_scenarios_section(rounds, titles))
    parts.append(_stations_section(rounds))
    parts.append("<h2 id=\"charts\">Each trainee, week by week</h2>")
    for name, group in group_by(rounds, trainee_of).items():
        parts.append(_trainee_section(name, group))
    parts.append(_rounds_section(views))
    parts.append("</body></html>\n")
    return "".join(parts)


def write_html(rounds: Sequence[RecordedRound], path: Path, title: str = "Listening progress",
               results: StoredResults | None = None) -> Path:
    return write_atomically(path, to_html(rounds, title, results))


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:]


def _table(head: Sequence[str], rows: Sequence[str], css: str = "", columns: str = "") -> str:
    """A table from header texts and ready rows (``<tr>...</tr>``); ``columns``: its colgroup."""
    cls = f' class="{css}"' if css else ""
    heading = "".join(f"<th scope=\"col\">{escape(h)}</th>" for h in head)
    return f"<table{cls}>{columns}<thead><tr>{heading}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _summary_row(s: Summary) -> str:
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in (s.label, *cells(s))) + "</tr>"


def _trend_arrow(habit: Habit, rounds: Sequence[RecordedRound]) -> str:
    found = trend(habit, rounds)
    if found is None:
        return ""
    words = escape(found.describe())
    return (f'<span class="trend {found.direction}" role="img" aria-label="{words}" title="{words}">'
            f'{_ARROWS[found.direction]}</span>')


def _trainees_section(rounds: Sequence[RecordedRound]) -> str:
    rows = []
    for name, group in group_by(rounds, trainee_of).items():
        s = summarise(name, group)
        habits = "".join(f"<td>{escape(habit_figure(habit, s.habit(habit)))}{_trend_arrow(habit, group)}</td>"
                         for habit in Habit)
        rows.append(f"<tr><th scope=\"row\">{escape(name)}</th><td>{s.rounds}</td>"
                    f"<td>{escape(seconds(s.pause_s))}</td>{habits}</tr>")
    everyone = summarise("everyone", rounds)
    rows.append("<tr class=\"everyone\"><td>everyone</td><td>" + "</td><td>".join(
        escape(c) for c in (str(everyone.rounds), seconds(everyone.pause_s),
                            *(habit_figure(h, everyone.habit(h)) for h in Habit))) + "</td></tr>")
    head = ("trainee", "rounds", "median pause", "good pause", "interruptions per round",
            *(f"{habit.label}" for habit in Habit if habit not in (Habit.PAUSE, Habit.INTERRUPTIONS)))
    legend = (f"{_ARROWS[Trend.BETTER]} better, {_ARROWS[Trend.WORSE]} worse, {_ARROWS[Trend.STEADY]} "
              f"about the same: the later half of a trainee's rounds against the earlier half (from "
              f"{MIN_TREND_ROUNDS} rounds on). Good pause, paraphrase, emotion, open question: share of "
              f"rounds that passed.")
    return (f"<section class=\"overview\"><h2 id=\"trainees\">Trainees at a glance</h2>"
            f"{_table(head, rows, 'trainees')}<p class=\"note\">{escape(legend)}</p></section>")


def _scenarios_section(rounds: Sequence[RecordedRound], titles: dict[str, str]) -> str:
    rows = []
    talks = any(r.turns > 1 or r.calmed is not None or r.need_reached is not None for r in rounds)
    by_scenario = group_by(rounds, lambda r: r.scenario)
    for figures in hardest_scenarios(rounds):
        title = titles.get(figures.scenario) or figures.scenario or "(no scenario)"
        rates = "".join(f"<td>{escape(percent(figures.passed[habit]))}</td>" for habit in Habit)
        outcome = ""
        if talks:
            group = by_scenario.get(figures.scenario, [])
            outcome = (f"<td>{escape(percent(share(r.calmed for r in group)))}</td>"
                       f"<td>{escape(percent(share(r.need_reached for r in group)))}</td>")
        rows.append(f"<tr><th scope=\"row\">{escape(title)}</th><td>{figures.rounds}</td>"
                    f"<td>{figures.trainees}</td>{rates}<td>{escape(percent(figures.overall))}</td>"
                    f"{outcome}</tr>")
    head = ("scenario", "rounds", "trainees", "good pause", "no interruption",
            *(habit.label for habit in Habit if habit not in (Habit.PAUSE, Habit.INTERRUPTIONS)),
            "all habits", *(("customer calmed", "need reached") if talks else ()))
    note = ("Share of rounds that passed each habit; all habits: their mean, by which the scenarios "
            "are sorted.")
    if talks:
        note += (" Customer calmed, need reached: share of the conversations where the customer "
                 "calmed down, and where an open question brought out what they really needed.")
    return (f"<section class=\"scenarios\"><h2 id=\"scenarios\">Hardest scenarios first</h2>"
            f"{_table(head, rows, 'scenarios')}<p class=\"note\">{escape(note)}</p></section>")


def _stations_section(rounds: Sequence[RecordedRound]) -> str:
    rows = [_summary_row(summarise(name, group)) for name, group in group_by(rounds, station_of).items()]
    return (f"<section class=\"stations\"><h2 id=\"stations\">Stations</h2>"
            f"{_table(('station', *HEADINGS), rows, 'stations')}</section>")


def _trainee_section(name: str, group: Sequence[RecordedRound]) -> str:
    times = [local(r.started_at) for r in group]
    ticks = date_ticks(times)
    figures = []
    for metric in _METRICS:
        points = [(f"{moment:%Y-%m-%d %H:%M}", metric.value(r), passed(metric.habit, r))
                  for moment, r in zip(times, group, strict=True)]
        caption = f"{name}: {metric.caption}"
        chart = svg_chart(metric.habit, caption, points, low=metric.low, high=metric.high,
                          unit=metric.unit, band=metric.band, ticks=ticks, whole=metric.whole)
        figures.append(f"<figure>{chart}<figcaption>{escape(metric.caption)}</figcaption></figure>")
    weeks = [_summary_row(s) for s in by_week(group)]
    return (f"<section class=\"trainee\"><div class=\"keep\"><h3>Trainee {escape(name)}</h3>"
            f"<p class=\"note\">{escape(span(group))}</p>{_table(('week', *HEADINGS), weeks)}</div>"
            f"<div class=\"charts\">{''.join(figures)}</div></section>")


# why the customer said a later turn, as the rounds list shows it
_BROUGHT_ON: Final = {
    Condition.INTERRUPTED: "talked over", Condition.DEAD_AIR: "after a silence",
    Condition.OPEN_QUESTION: "after an open question", Condition.ACKNOWLEDGED: "acknowledged",
    Condition.NO_ACKNOWLEDGEMENT: "not acknowledged", Condition.OTHERWISE: "then",
}


def _turn_html(turn: TurnView) -> str:
    """A later turn in the rounds list: the customer's lines and why, then the reply and its marks."""
    why = f" ({_BROUGHT_ON[turn.condition]})" if turn.condition is not None else ""
    parts = [f"<span class=\"customer\">Turn {turn.number}, customer{escape(why)}: "
             f"\u201c{escape(turn.customer)}\u201d</span>"]
    if turn.transcript:
        parts.append(f" <span class=\"reply\">{escape(turn.transcript)}</span>")
        marks = " ".join(f"{_MARKS[v.passed]}\u00a0{escape(v.habit.label)}" for v in turn.verdicts)
        if marks:
            parts.append(f" <span class=\"marks\">{marks}</span>")
    return f"<span class=\"turn\">{''.join(parts)}</span>"


def _outcome_html(r: RecordedRound) -> str:
    """How a conversation went, under its scenario's title; nothing for a single reply."""
    if r.turns <= 1 and r.calmed is None and r.need_reached is None:
        return ""
    said = [f"{r.turns} turns"]
    if r.calmed is not None:
        said.append(f"calmed {_MARKS[r.calmed]}")
    if r.need_reached is not None:
        said.append(f"need reached {_MARKS[r.need_reached]}")
    return f"<span class=\"outcome\">{escape('; '.join(said))}</span>"


def _rounds_section(views: Sequence[RoundView]) -> str:
    rows = []
    for v in views:
        r = v.round
        said = (f"<td class=\"said removed\">{escape(v.transcript)}</td>" if v.words_removed
                else f"<td class=\"said{'' if r.transcript else ' none'}\">{escape(v.transcript)}</td>")
        marks = "".join(f"<span class=\"{_MARK_CLASSES[verdict.passed]}\">{_MARKS[verdict.passed]} "
                        f"{escape(verdict.habit.label)}"
                        f"{escape(': ' + verdict.detail) if verdict.detail else ''}</span>"
                        for verdict in v.verdicts)
        if v.turns:
            said = said.removesuffix("</td>") + "".join(_turn_html(turn) for turn in v.turns) + "</td>"
        rows.append(f"<tr><td>{local(r.started_at):%Y-%m-%d %H:%M}</td><td>{escape(r.trainee)}</td>"
                    f"<td>{escape(v.scenario_title)}{_outcome_html(r)}</td>{said}"
                    f"<td class=\"verdicts\">{marks}</td><td>{escape(v.feedback)}</td></tr>")
    head = ("when", "trainee", "scenario", "what was said", "verdicts", "feedback")
    columns = "<colgroup>" + "".join(f'<col class="{name}"/>' for name in (
        "when", "trainee", "scenario", "said", "verdicts", "feedback")) + "</colgroup>"
    return (f"<section class=\"rounds\"><h2 id=\"rounds\">Every round, in the order played</h2>"
            f"<p class=\"note\">{_MARKS[True]} passed, {_MARKS[False]} to work on, {_MARKS[None]} not judged "
            f"(no reply, or not with confidence). The feedback is composed again from the round's "
            f"verdicts; the remark on progress said on the day is not repeated.</p>"
            f"{_table(head, rows, 'rounds', columns)}</section>")
