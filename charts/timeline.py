"""A timeline (Gantt) chart: one row per item, a bar from its start to its planned end, the
slip to its forecast drawn hatched beyond it, a diamond where it was done, and today's line.

Like every chart here it is plain SVG with presentation attributes, `role="img"` with a
`<title>` and a `<desc>` naming every row, each bar with its own `<title>`, a visually hidden
table of the rows, and labels laid out inside the chart's own box: row labels in a left
column cut to fit, month labels thinned until none overlap. Status is told by shape and word,
not colour alone: the status word ends each row's label.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString

from charts.svg import AXIS_COLOUR, FONT, _close, _fit, _svg_open, _text, text_width

TIMELINE_COLOURS = {
    "not_started": "#5f6b7a",
    "on_track": "#1e7b34",
    "at_risk": "#9a6700",
    "late": "#b42318",
    "done": "#0172ad",
}
TODAY_COLOUR = "#6b21a8"
INK = "#1f2933"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Bar:
    """One row: `start` to `end` (planned), the `forecast` if later, the `actual` if done."""

    label: str
    start: date
    end: date
    status: str
    status_word: str
    forecast: date | None = None
    actual: date | None = None
    detail: str = ""  # the bar's <title> text (its dates in words)


def _month_starts(first: date, last: date) -> list[date]:
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _month_label(day: date, with_year: bool) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}" if with_year else MONTHS[day.month - 1]


def timeline_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    today: date,
    width: int = 760,
    row_height: int = 26,
    label_share: float = 0.34,
    with_table: bool = True,
) -> SafeString:
    """The rows over a time axis of whole months, with today's line (when it falls inside)."""
    dates = [d for bar in bars for d in (bar.start, bar.end, bar.forecast, bar.actual) if d]
    first = min([*dates, today]) if dates else today
    last = max([*dates, today]) if dates else today + timedelta(days=30)
    first = first.replace(day=1)
    last = (last.replace(day=1) + timedelta(days=32)).replace(day=1)
    span_days = max((last - first).days, 1)
    label_width = math.floor(width * label_share)
    left, right = label_width + 8.0, width - 10.0
    top = FONT + 14.0
    height = int(top + row_height * max(len(bars), 1) + FONT + 14)
    bottom = height - FONT - 10.0

    def x(day: date) -> float:
        return left + (right - left) * (day - first).days / span_days

    desc = (
        "; ".join(f"{bar.label}: {bar.status_word}, {bar.detail}" for bar in bars)
        or "No milestones."
    )
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-timeline")]
    # Month grid and labels, thinned until none overlap; January (and the first) with a year.
    months = _month_starts(first, last - timedelta(days=1))
    step = (right - left) / max(len(months), 1)
    widest = max(text_width(_month_label(m, True)) for m in months) + 6
    every = max(1, math.ceil(widest / step))
    for i, month in enumerate(months):
        mx = x(month)
        parts.append(
            f'<line x1="{mx:.1f}" y1="{top - 4:.1f}" x2="{mx:.1f}" y2="{bottom:.1f}" '
            f'stroke="#d5dbe1" stroke-width="1"/>'
        )
        if i % every == 0:
            text = _month_label(month, with_year=True)
            half = text_width(text) / 2
            cx = min(max(mx + step / 2, left + half), right - half)
            parts.append(_text(cx, height - 8, text, AXIS_COLOUR))
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    room = label_width - 4
    for i, bar in enumerate(bars):
        y = top + i * row_height
        colour = TIMELINE_COLOURS.get(bar.status, AXIS_COLOUR)
        label = _fit(f"{bar.label} ({bar.status_word})", room)
        parts.append(
            f'<text x="4" y="{y + row_height * 0.62:.1f}" font-size="{FONT}" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        x0, x1 = x(bar.start), x(bar.end)
        width_bar = max(x1 - x0, 3.0)
        shapes = [
            f'<rect x="{x0:.1f}" y="{y + 5:.1f}" width="{width_bar:.1f}" '
            f'height="{row_height - 10}" fill="{colour}" rx="2"/>'
        ]
        if bar.forecast and bar.forecast > bar.end:
            fx = x(bar.forecast)
            shapes.append(
                f'<rect x="{x1:.1f}" y="{y + 5:.1f}" width="{max(fx - x1, 2.0):.1f}" '
                f'height="{row_height - 10}" fill="#ffffff" stroke="{colour}" '
                f'stroke-width="1.5" stroke-dasharray="3 2"/>'
            )
        if bar.actual:
            ax, cy, s = x(bar.actual), y + row_height / 2, row_height / 2 - 4
            shapes.append(
                f'<polygon points="{ax:.1f},{cy - s:.1f} {ax + s:.1f},{cy:.1f} '
                f'{ax:.1f},{cy + s:.1f} {ax - s:.1f},{cy:.1f}" fill="{INK}"/>'
            )
        tip = f"{bar.label}: {bar.status_word}, {bar.detail}"
        parts.append(f"<g><title>{escape(tip)}</title>{''.join(shapes)}</g>")
    if first <= today <= last:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 6:.1f}" x2="{tx:.1f}" y2="{bottom:.1f}" '
            f'stroke="{TODAY_COLOUR}" stroke-width="2"/>'
        )
        word = "Today"
        half = text_width(word) / 2
        parts.append(_text(min(max(tx, left + half), right - half), FONT, word, TODAY_COLOUR))
    if not bars:
        parts.append(_text(width / 2, height / 2, "No milestones yet", AXIS_COLOUR, size=13))
    table = _rows_table(chart_id, title, bars) if with_table else ""
    return _close(parts, table)


def _rows_table(chart_id: str, title: str, bars: Sequence[Bar]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(bar.label)}</th><td>{escape(bar.status_word)}</td>'
        f"<td>{escape(bar.detail)}</td></tr>"
        for bar in bars
    )
    return (
        f'<div class="visually-hidden"><table id="{chart_id}-values">'
        f"<caption>{escape(title)}</caption>"
        '<thead><tr><th scope="col">Milestone</th><th scope="col">Status</th>'
        f'<th scope="col">Dates</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )
