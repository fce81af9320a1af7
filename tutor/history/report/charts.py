"""Line charts as inline SVG: a few shapes written here rather than a plotting library,
which would be the heaviest thing on the station and could not be inlined in one file.

The x axis is the rounds in the order played, evenly spaced: practice comes in
bursts (six rounds in an afternoon, then nothing for a week), and a time-true
axis would pile each burst into one smudge. Dates are written under several
rounds along the axis so a trainer can still tell when each stretch was.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Final

CHART_WIDTH: Final = 520
CHART_HEIGHT: Final = 180
_MARGIN: Final = (44, 16, 14, 36)  # left, right, top, bottom: room for the value and date labels
MAX_DATE_TICKS: Final = 6
_STEPS: Final = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # no place in HTML, SVG or XML


def escape(text: str) -> str:
    """User text (trainee ids, transcripts, scenario titles) made safe for HTML and SVG:
    markup escaped, control characters dropped."""
    return html.escape(_CONTROL.sub("", text))


def date_ticks(times: Sequence[datetime], most: int = MAX_DATE_TICKS) -> list[tuple[int, str]]:
    """Up to ``most`` (round index, label) pairs spread evenly over the rounds, first and last
    included. Labels are the day (with the year when the rounds span years), or the time of
    day when they all fall on one day; a tick that would repeat its neighbour's day is left out."""
    if not times:
        return []
    count = len(times)
    indices = sorted({round(i * (count - 1) / (most - 1)) for i in range(most)}) if count > 1 else [0]
    one_day = times[0].date() == times[-1].date()
    shape = "%H:%M" if one_day else "%d %b" if times[0].year == times[-1].year else "%d %b %Y"
    ticks: list[tuple[int, str]] = []
    for index in indices:
        label = f"{times[index]:{shape}}"
        if ticks and ticks[-1][1] == label:
            continue
        ticks.append((index, label))
    return ticks


def value_ticks(low: float, high: float, most: int = 5, whole: bool = False) -> list[float]:
    """Round values from ``low`` to ``high`` for the y axis, at most ``most`` intervals apart;
    ``whole``: whole numbers only (a count)."""
    steps = [s for s in _STEPS if s >= 1] if whole else _STEPS
    step = next((s for s in steps if (high - low) / s <= most), (high - low) / most)
    first = math.ceil(low / step - 1e-9)
    return [round(n * step, 6) for n in range(first, math.floor(high / step + 1e-9) + 1)]


def svg_chart(metric_name: str, caption: str, points: Sequence[tuple[str, float | None, bool | None]], *,
              low: float, high: float, unit: str = "", band: tuple[float, float] | None = None,
              ticks: Sequence[tuple[int, str]] = (), whole: bool = False) -> str:
    """A line over rounds; ``points`` are (label, value, passed) per round, the label shown when
    pointing at the round; ``ticks`` are (round index, text) written under the axis.

    A round without a value (no reply, not judged) breaks the line rather than
    being drawn as zero, which would read as a score. A filled dot passed, a hollow one did not.
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
    for value in value_ticks(low, high, whole=whole):
        shapes.append(f'<line x1="{left}" x2="{left + width}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                      f'stroke="{"#999" if value == 0 else "#eee"}"/>')
        shapes.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">'
                      f'{value:g}{escape(unit)}</text>')
    for index, label in ticks:
        if not 0 <= index < count:
            continue
        anchor = "start" if index == 0 else "end" if index == count - 1 else "middle"  # inside the chart
        shapes.append(f'<line x1="{x(index):.1f}" x2="{x(index):.1f}" y1="{top + height}" '
                      f'y2="{top + height + 4}" stroke="#999"/>')
        shapes.append(f'<text class="date" x="{x(index):.1f}" y="{top + height + 16}" '
                      f'text-anchor="{anchor}">{escape(label)}</text>')
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
                      f'stroke="#2b6cb0"><title>{escape(label)}: {point:g}{escape(unit)}'
                      f'</title></circle>')
    shapes.append(f'<text x="{left + width / 2:.0f}" y="{CHART_HEIGHT - 4}" text-anchor="middle">'
                  f'rounds in the order played</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {escape(metric_name)}" '
            f'viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" preserveAspectRatio="xMidYMid meet" '
            f'role="img" aria-label="{escape(caption)}">' + "".join(shapes) + "</svg>")
