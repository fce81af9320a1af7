"""Progress reports from the history: a terminal table, CSV, and an HTML page for trainers.

One job per module: :mod:`.figures` turns rounds into medians, shares and
trends; :mod:`.text` prints them; :mod:`.spreadsheet` writes the rounds as
CSV; :mod:`.charts` draws inline SVG; :mod:`.round_view` recomposes a round's
feedback; :mod:`.page` assembles the self-contained HTML page.
"""

from __future__ import annotations

from tutor.history.report.charts import date_ticks, svg_chart
from tutor.history.report.figures import (
    Summary,
    Trend,
    by_week,
    group_by,
    hardest_scenarios,
    local,
    summarise,
    trend,
    week_of,
)
from tutor.history.report.page import IDEAL_PAUSE_S, to_html, write_html
from tutor.history.report.spreadsheet import (
    CSV_COLUMNS,
    FORMULA_STARTS,
    to_csv,
    write_atomically,
    write_csv,
)
from tutor.history.report.text import progress_text, session_text, table

__all__ = ["CSV_COLUMNS", "FORMULA_STARTS", "IDEAL_PAUSE_S", "Summary", "Trend", "by_week", "date_ticks",
           "group_by", "hardest_scenarios", "local", "progress_text", "session_text",
           "summarise", "svg_chart", "table", "to_csv", "to_html", "trend", "week_of", "write_atomically",
           "write_csv", "write_html"]
