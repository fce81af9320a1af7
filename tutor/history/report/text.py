"""The report in a terminal: week by week per trainee and per station, and a session's summary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tutor.history.report.figures import (
    HEADINGS,
    LEGEND,
    Summary,
    by_week,
    cells,
    group_by,
    local,
    span,
    station_of,
    summarise,
    trainee_of,
)
from tutor.terminal import printable

if TYPE_CHECKING:
    from tutor.history import RecordedRound, Session


def table(first: str, rows: Sequence[Summary], indent: str = "  ") -> str:
    """Summaries as aligned columns, the first holding each row's label."""
    grid = [(first, *HEADINGS)] + [(printable(s.label), *cells(s)) for s in rows]
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = []
    for row in grid:
        padded = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:],
                                                                                        strict=True)]
        lines.append(indent + "  ".join(padded).rstrip())
    return "\n".join(lines)


def progress_text(rounds: Sequence[RecordedRound]) -> str:
    """Week by week for each trainee, then for each station."""
    if not rounds:
        return "No rounds match."
    out = []
    for heading, key in (("Trainee", trainee_of), ("Station", station_of)):
        for name, group in group_by(rounds, key).items():
            out.append(f"{heading} {printable(name)} ({span(group)})")
            out.append(table("week", by_week(group)))
            out.append("")
    out.append(LEGEND)
    return "\n".join(out)


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
    rows = [summarise(name, group) for name, group in group_by(rounds, trainee_of).items()]
    rows.append(summarise("everyone", rounds))
    out.append(table("trainee", rows))
    return "\n".join(out)
