"""The one chart renderer: server-rendered SVG for the dashboard, the KPI pages and the PDF pack.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` that names its values, so a
screen reader reads what the picture shows; the trend and bar charts also carry a table of
their values that only assistive technology sees. Status is never told by colour alone: each
point's marker has its own shape per status, and the target and threshold lines are labelled.
Colours are presentation attributes (no CSS), so the markup draws the same in a browser, under a
strict Content Security Policy and in WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

STATUS_COLOURS = {
    "on_track": "#1e7b34",
    "at_risk": "#9a6700",
    "off_track": "#b42318",
    "insufficient_data": "#5f6b7a",
    "suppressed": "#5f6b7a",
}
STATUS_WORDS = {
    "on_track": "on track",
    "at_risk": "at risk",
    "off_track": "off track",
    "insufficient_data": "insufficient data",
    "suppressed": "suppressed",
}
LINE_COLOUR = "#0172ad"
TARGET_COLOUR = "#1e7b34"
THRESHOLD_COLOUR = "#b42318"
AXIS_COLOUR = "#5f6b7a"


@dataclass(frozen=True)
class Point:
    """One period's value; `value` is None when suppressed or missing."""

    label: str
    value: float | None
    status: str = ""


def _plain(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def _status_word(status: str) -> str:
    return STATUS_WORDS.get(status, "")


def _point_text(point: Point, fmt: Callable[[float], str]) -> str:
    text = "no value" if point.value is None else fmt(point.value)
    word = _status_word(point.status)
    return f"{point.label} {text}" + (f" ({word})" if word else "")


def _marker(x: float, y: float, status: str, size: float = 4.0) -> str:
    """A marker whose shape tells the status: circle on track, triangle at risk, square off
    track, hollow circle insufficient data, plain dot without a status."""
    colour = STATUS_COLOURS.get(status, LINE_COLOUR)
    if status == "at_risk":
        s = size * 1.3
        return (
            f'<polygon points="{x:.1f},{y - s:.1f} {x - s:.1f},{y + s * 0.8:.1f} '
            f'{x + s:.1f},{y + s * 0.8:.1f}" fill="{colour}"/>'
        )
    if status == "off_track":
        return (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{size * 2:.1f}" '
            f'height="{size * 2:.1f}" fill="{colour}"/>'
        )
    if status in ("insufficient_data", "suppressed"):
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="#ffffff" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:.1f}" fill="{colour}"/>'


class _Scale:
    """Maps values to y pixels (top is high) over the values and the reference lines."""

    def __init__(self, values: Sequence[float], top: float, bottom: float):
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        if low == high:
            low, high = low - 1, high + 1
        pad = (high - low) * 0.1
        self.low, self.high = low - pad, high + pad
        self.top, self.bottom = top, bottom

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


def _x_positions(count: int, left: float, right: float) -> list[float]:
    if count == 1:
        return [(left + right) / 2]
    step = (right - left) / (count - 1)
    return [left + i * step for i in range(count)]


def _segments(points: Sequence[Point], xs: list[float], scale: _Scale) -> list[str]:
    """Polyline paths, broken where a period has no value."""
    paths, current = [], []
    for point, x in zip(points, xs, strict=True):
        if point.value is None:
            if len(current) > 1:
                paths.append(current)
            current = []
            continue
        current.append(f"{x:.1f},{scale.y(point.value):.1f}")
    if len(current) > 1:
        paths.append(current)
    return [" ".join(path) for path in paths]


def _svg_open(chart_id: str, width: int, height: int, title: str, desc: str, cls: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _close(parts: list[str], table: str) -> SafeString:
    return mark_safe("".join([*parts, "</svg>", table]))  # noqa: S308 - every text is escaped


def _values_table(
    chart_id: str,
    title: str,
    points: Sequence[Point],
    fmt,
    value_heading: str,
    label_heading: str = "Period",
) -> str:
    """The chart's values for screen readers (visually hidden, never colour-coded)."""
    rows = "".join(
        f'<tr><th scope="row">{escape(p.label)}</th>'
        f"<td>{'no value' if p.value is None else escape(fmt(p.value))}</td>"
        f"<td>{escape(_status_word(p.status) or '—')}</td></tr>"
        for p in points
    )
    return (
        f'<div class="visually-hidden"><table id="{chart_id}-values">'
        f"<caption>{escape(title)}</caption>"
        f'<thead><tr><th scope="col">{escape(label_heading)}</th>'
        f'<th scope="col">{escape(value_heading)}</th>'
        f'<th scope="col">Status</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _reference_line(y: float, left: float, right: float, colour: str, dash: str, label: str) -> str:
    return (
        f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
        f'<text x="{right:.1f}" y="{y - 4:.1f}" text-anchor="end" font-size="11" '
        f'fill="{colour}">{escape(label)}</text>'
    )


def trend_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    fmt: Callable[[float], str] = _plain,
    target: float | None = None,
    threshold: float | None = None,
    value_heading: str = "Value",
    width: int = 640,
    height: int = 240,
    with_table: bool = True,
) -> SafeString:
    """A line over periods with the target (dashed) and the breach threshold (dotted)."""
    left, right, top, bottom = 48.0, width - 12.0, 16.0, height - 28.0
    values = [p.value for p in points if p.value is not None]
    references = [v for v in (target, threshold) if v is not None]
    scale = _Scale(values + references, top, bottom)
    xs = _x_positions(len(points), left, right) if points else []
    desc = _describe(points, fmt, target, threshold)
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-trend")]
    parts.append(
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="{AXIS_COLOUR}"/>'
    )
    for value in (scale.low, scale.high):
        parts.append(
            f'<text x="{left - 6:.1f}" y="{scale.y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{AXIS_COLOUR}">{escape(fmt(value))}</text>'
        )
    if target is not None:
        parts.append(
            _reference_line(
                scale.y(target), left, right, TARGET_COLOUR, "6 4", f"Target {fmt(target)}"
            )
        )
    if threshold is not None:
        parts.append(
            _reference_line(
                scale.y(threshold), left, right, THRESHOLD_COLOUR, "2 3", f"Breach {fmt(threshold)}"
            )
        )
    for path in _segments(points, xs, scale):
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
        )
    label_every = max(1, len(points) // 6)
    for i, (point, x) in enumerate(zip(points, xs, strict=False)):
        if point.value is not None:
            parts.append(_marker(x, scale.y(point.value), point.status))
        if i % label_every == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
                f'fill="{AXIS_COLOUR}">{escape(point.label)}</text>'
            )
    if not points:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="13" '
            f'fill="{AXIS_COLOUR}">No values yet</text>'
        )
    table = _values_table(chart_id, title, points, fmt, value_heading) if with_table else ""
    return _close(parts, table)


def _describe(points, fmt, target, threshold) -> str:
    if not points:
        return "No values yet."
    text = f"{len(points)} periods from {points[0].label} to {points[-1].label}: "
    text += "; ".join(_point_text(p, fmt) for p in points) + "."
    if target is not None:
        text += f" Target {fmt(target)}."
    if threshold is not None:
        text += f" Breach threshold {fmt(threshold)}."
    return text


def sparkline(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    fmt: Callable[[float], str] = _plain,
    target: float | None = None,
    width: int = 120,
    height: int = 32,
) -> SafeString:
    """A small trend for a tile; its description lists every value with its status."""
    pad = 4.0
    values = [p.value for p in points if p.value is not None]
    scale = _Scale(values + ([target] if target is not None else []), pad, height - pad)
    xs = _x_positions(len(points), pad, width - pad) if points else []
    desc = _describe(points, fmt, target, None)
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-sparkline")]
    if target is not None:
        y = scale.y(target)
        parts.append(
            f'<line x1="{pad}" y1="{y:.1f}" x2="{width - pad}" y2="{y:.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="1" stroke-dasharray="4 3"/>'
        )
    for path in _segments(points, xs, scale):
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="1.5"/>'
        )
    last = next(
        (
            (p, x)
            for p, x in zip(reversed(points), reversed(xs), strict=False)
            if p.value is not None
        ),
        None,
    )
    if last is not None:
        parts.append(_marker(last[1], scale.y(last[0].value), last[0].status, size=3.0))
    return _close(parts, "")


def bar_chart(
    bars: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    fmt: Callable[[float], str] = _plain,
    value_heading: str = "Value",
    target: float | None = None,
    width: int = 640,
    bar_height: int = 22,
    with_table: bool = True,
) -> SafeString:
    """Horizontal bars (one per segment), labelled with value and status word."""
    label_width, value_width = 160.0, 150.0
    height = int(bar_height * max(len(bars), 1) + 16)
    values = [b.value for b in bars if b.value is not None]
    high = max([*values, target or 0.0, 0.0]) or 1.0
    span = width - label_width - value_width
    desc = "; ".join(_point_text(b, fmt) for b in bars) or "No values."
    if target is not None:
        desc += f". Target {fmt(target)}."
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-bar")]
    for i, bar in enumerate(bars):
        y = 8 + i * bar_height
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.65:.1f}" text-anchor="end" '
            f'font-size="12" fill="#1f2933">{escape(bar.label[:24])}</text>'
        )
        if bar.value is not None:
            length = max(span * bar.value / high, 1.0)
            colour = STATUS_COLOURS.get(bar.status, LINE_COLOUR)
            parts.append(
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" '
                f'height="{bar_height - 6}" fill="{colour}"/>'
            )
        word = _status_word(bar.status)
        text = ("no value" if bar.value is None else fmt(bar.value)) + (f" {word}" if word else "")
        parts.append(
            f'<text x="{width - value_width + 6}" y="{y + bar_height * 0.65:.1f}" font-size="12" '
            f'fill="#1f2933">{escape(text)}</text>'
        )
    if target is not None:
        x = label_width + span * target / high
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 4}" stroke="{TARGET_COLOUR}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    table = (
        _values_table(chart_id, title, bars, fmt, value_heading, label_heading="Segment")
        if with_table
        else ""
    )
    return _close(parts, table)
