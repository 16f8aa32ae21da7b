"""A forecast band chart: the expected value per period as a line, its range (10th to 90th
percentile) as a shaded band around it, and the plan as square markers, in the renderer's
rules (`charts.svg`): role="img" with a title and a description, a `<title>` per point,
labels inside the box, a visually hidden table of the values, presentation attributes only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape

from charts.svg import AXIS_COLOUR, FONT, LINE_COLOUR, TARGET_COLOUR, _close, _svg_open, _text
from charts.svg import text_width as _width

BAND_COLOUR = "#cfe3f1"


@dataclass(frozen=True)
class BandPoint:
    label: str
    low: float
    expected: float
    high: float
    plan: float | None = None


def band_chart(
    points: Sequence[BandPoint],
    *,
    chart_id: str,
    title: str,
    fmt: Callable[[float], str],
    width: int = 320,
    height: int = 150,
):
    """The band of `points` (periods in order)."""
    values = [v for p in points for v in (p.low, p.high, p.plan or 0.0)] or [0.0]
    top_value = max(max(values), 1.0)
    left = max(_width(fmt(top_value)), _width(fmt(0))) + 10
    right, top, bottom = width - 8, 10, height - 24

    def y(value: float) -> float:
        return bottom - (bottom - top) * value / top_value

    step = (right - left) / max(len(points) - 1, 1)
    xs = [left + i * step if len(points) > 1 else (left + right) / 2 for i in range(len(points))]
    desc = "; ".join(
        f"{p.label}: expected {fmt(p.expected)}, range {fmt(p.low)} to {fmt(p.high)}"
        + (f", plan {fmt(p.plan)}" if p.plan is not None else "")
        for p in points
    )
    parts = [_svg_open(chart_id, width, height, title, desc or "no forecast", "chart band-chart")]
    parts.append(_text(left - 6, y(top_value) + 4, fmt(top_value), AXIS_COLOUR, "end"))
    parts.append(_text(left - 6, y(0) + 4, fmt(0), AXIS_COLOUR, "end"))
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom:.1f}" x2="{right:.1f}" y2="{bottom:.1f}" '
        f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    if points:
        upper = [f"{x:.1f},{y(p.high):.1f}" for x, p in zip(xs, points, strict=True)]
        lower = [f"{x:.1f},{y(p.low):.1f}" for x, p in reversed(list(zip(xs, points, strict=True)))]
        parts.append(
            f'<polygon points="{" ".join(upper + lower)}" fill="{BAND_COLOUR}" stroke="none"/>'
        )
        line = " ".join(f"{x:.1f},{y(p.expected):.1f}" for x, p in zip(xs, points, strict=True))
        parts.append(
            f'<polyline points="{line}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
        )
    # Labels thinned until they fit side by side.
    every = 1
    while every < len(points) and any(_width(p.label) > step * every - 4 for p in points[::every]):
        every += 1
    last_right = float("-inf")
    for i, (x, p) in enumerate(zip(xs, points, strict=True)):
        words = f"{p.label}: expected {fmt(p.expected)}, range {fmt(p.low)} to {fmt(p.high)}"
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y(p.expected):.1f}" r="3.5" fill="{LINE_COLOUR}">'
            f"<title>{escape(words)}</title></circle>"
        )
        if p.plan is not None:
            parts.append(
                f'<rect x="{x - 4:.1f}" y="{y(p.plan) - 4:.1f}" width="8" height="8" fill="none" '
                f'stroke="{TARGET_COLOUR}" stroke-width="2"><title>{escape(p.label)}: plan '
                f"{escape(fmt(p.plan))}</title></rect>"
            )
        if i % every == 0:
            # Centred under its point, moved in just enough to stay right of the y axis's
            # labels and inside the box; left out if that would run into the label before.
            half = _width(p.label) / 2
            centre = min(max(x, left + half), width - half - 2)
            if centre - half >= last_right + 4:
                parts.append(_text(centre, height - 8, p.label, AXIS_COLOUR, "middle", FONT))
                last_right = centre + half
    rows = "".join(
        f'<tr><th scope="row">{escape(p.label)}</th><td>{escape(fmt(p.expected))}</td>'
        f"<td>{escape(fmt(p.low))} to {escape(fmt(p.high))}</td>"
        f"<td>{'—' if p.plan is None else escape(fmt(p.plan))}</td></tr>"
        for p in points
    )
    table = (
        f'<div class="visually-hidden"><table id="{chart_id}-values"><caption>{escape(title)}'
        '</caption><thead><tr><th scope="col">Period</th><th scope="col">Expected</th>'
        '<th scope="col">Range</th><th scope="col">Plan</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div>"
    )
    return _close(parts, table)
