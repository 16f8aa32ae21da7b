"""The one chart renderer: server-rendered SVG for the dashboard, the KPI pages and the PDF pack.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` that names its values, so a
screen reader reads what the picture shows; the trend and bar charts also carry a table of
their values that only assistive technology sees. Status is never told by colour alone: each
point's marker has its own shape per status, and the target and threshold lines are labelled.
Colours are presentation attributes (no CSS), so the markup draws the same in a browser, under a
strict Content Security Policy and in WeasyPrint.
"""

from __future__ import annotations

import math
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
    "no_target": "no target",
}
LINE_COLOUR = "#0172ad"
TARGET_COLOUR = "#1e7b34"
THRESHOLD_COLOUR = "#b42318"
BASELINE_COLOUR = "#5b3f8c"  # the value before go-live (kpis.baselines): 8:1 on white
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


FONT = 12  # every label's size: readable in a 1280 px page, on a phone (scaled) and in the PDF
CHAR_WIDTH = 0.62  # an average glyph's advance, in ems, for the sans-serif the pages use


def text_width(text: str, size: float = FONT) -> float:
    """A label's estimated width, to lay labels out inside the chart's own box."""
    return len(text) * size * CHAR_WIDTH


def _text(x: float, y: float, text: str, colour: str, anchor: str = "middle", size=FONT) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'fill="{colour}">{escape(text)}</text>'
    )


def _reference_line(y: float, left: float, right: float, colour: str, dash: str) -> str:
    return (
        f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" stroke="{colour}" '
        f'stroke-width="1.5" stroke-dasharray="{dash}"/>'
    )


def _spread(wanted: list[float], low: float, high: float, gap: float) -> list[float]:
    """Baselines as near as can be to the wanted ones, at least `gap` apart, within
    [low, high]: the reference labels in the right margin never overlap."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed: dict[int, float] = {}
    previous = low - gap
    for i in order:
        placed[i] = max(wanted[i], previous + gap, low)
        previous = placed[i]
    overflow = previous - high
    if overflow > 0:
        for i in order:
            placed[i] -= overflow
    return [placed[i] for i in range(len(wanted))]


def _x_labels(points: Sequence[Point], xs: list[float], width: int) -> list[tuple[float, str]]:
    """Every n-th period's label, n chosen so no two labels overlap; the latest period is
    always labelled; a label near an edge is moved inside the chart."""
    if not points:
        return []
    widest = max(text_width(p.label) for p in points) + 8
    step = (xs[1] - xs[0]) if len(xs) > 1 else widest
    every = max(1, math.ceil(widest / step))
    last = len(points) - 1
    chosen = list(range(0, len(points), every))
    if chosen[-1] != last:
        if (last - chosen[-1]) * step < widest:
            chosen.pop()
        chosen.append(last)
    labels = []
    for i in chosen:
        half = text_width(points[i].label) / 2
        x = min(max(xs[i], half + 1), width - half - 1)
        labels.append((x, points[i].label))
    return labels


def trend_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    fmt: Callable[[float], str] = _plain,
    target: float | None = None,
    threshold: float | None = None,
    baseline: float | None = None,
    value_heading: str = "Value",
    width: int = 640,
    height: int = 240,
    with_table: bool = True,
    target_steps: Sequence[float | None] | None = None,
) -> SafeString:
    """A line over periods with the target (dashed) and the breach threshold (dotted); with
    `target_steps` (each point's target in force) that differ, the target is a step line. Labels
    keep inside the chart's box: the left margin fits the widest value label, the target and
    breach labels sit in the right margin (where the line never runs), x labels are thinned
    until none overlap. Each point carries its value in a <title> (shown on hover)."""
    values = [p.value for p in points if p.value is not None]
    references = [
        (v, c, d, w)
        for v, c, d, w in (
            (target, TARGET_COLOUR, "6 4", "Target"),
            (threshold, THRESHOLD_COLOUR, "2 3", "Breach"),
            (baseline, BASELINE_COLOUR, "10 3 2 3", "Baseline"),
        )
        if v is not None
    ]
    steps = stepped(target_steps)
    scale = _Scale(values + [r[0] for r in references] + [v for v in steps if v], 0.0, 1.0)
    y_labels = [fmt(scale.low), fmt(scale.high)]
    ref_labels = [f"{word} {fmt(value)}" for value, _, _, word in references]
    left = 8.0 + max(text_width(label) for label in y_labels)
    margin = max((text_width(label) for label in ref_labels), default=0.0)
    right = width - (margin + 14.0 if margin else 12.0)
    top, bottom = FONT + 4.0, height - FONT - 16.0
    scale.top, scale.bottom = top, bottom
    xs = _x_positions(len(points), left + 6, right - 6) if points else []
    desc = _describe(points, fmt, target, threshold) + _describe_steps(points, steps, fmt)
    if baseline is not None and points:
        desc += f" Baseline before go-live {fmt(baseline)}."
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-trend")]
    parts.append(
        f'<line x1="{left:.1f}" y1="{bottom}" x2="{right:.1f}" y2="{bottom}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    for value, label in zip((scale.low, scale.high), y_labels, strict=True):
        parts.append(_text(left - 6, scale.y(value) + FONT * 0.35, label, AXIS_COLOUR, "end"))
    baselines = _spread(
        [scale.y(value) + FONT * 0.35 for value, *_ in references], FONT, bottom, FONT + 2
    )
    for (value, colour, dash, _), label, y in zip(references, ref_labels, baselines, strict=True):
        if steps and colour == TARGET_COLOUR:
            parts.append(_step_line(points, steps, xs, scale, left, right, fmt))
        else:
            parts.append(_reference_line(scale.y(value), left, right, colour, dash))
        parts.append(_text(right + 6, y, label, colour, "start"))
    for path in _segments(points, xs, scale):
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
        )
    for point, x in zip(points, xs, strict=False):
        if point.value is not None:
            marker = _marker(x, scale.y(point.value), point.status)
            parts.append(f"<g><title>{escape(_point_text(point, fmt))}</title>{marker}</g>")
    for x, label in _x_labels(points, xs, width):
        parts.append(_text(x, height - 8, label, AXIS_COLOUR))
    if not points:
        parts.append(_text(width / 2, height / 2, "No values yet", AXIS_COLOUR, size=13))
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


def _bar_text(bar: Point, fmt) -> str:
    word = _status_word(bar.status)
    return ("no value" if bar.value is None else fmt(bar.value)) + (f" {word}" if word else "")


def _fit(label: str, room: float) -> str:
    """The label, cut with an ellipsis where it would not fit in `room` pixels."""
    if text_width(label) <= room:
        return label
    keep = max(1, int(room / (FONT * CHAR_WIDTH)) - 1)
    return label[:keep].rstrip() + "…"


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
    value_texts = [_bar_text(bar, fmt) for bar in bars]
    value_width = max([text_width(t) for t in value_texts] + [60.0]) + 12
    labels = [_fit(bar.label, width * 0.35) for bar in bars]
    label_width = max([text_width(label) for label in labels] + [40.0]) + 12
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
            f'font-size="{FONT}" fill="#1f2933">{escape(labels[i])}</text>'
        )
        if bar.value is not None:
            length = max(span * bar.value / high, 1.0)
            colour = STATUS_COLOURS.get(bar.status, LINE_COLOUR)
            parts.append(
                f"<g><title>{escape(_point_text(bar, fmt))}</title>"
                f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" '
                f'height="{bar_height - 6}" fill="{colour}"/></g>'
            )
        parts.append(
            f'<text x="{width - value_width + 6}" y="{y + bar_height * 0.65:.1f}" '
            f'font-size="{FONT}" fill="#1f2933">{escape(value_texts[i])}</text>'
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


# --- stepped targets (a glidepath's steps on a trend) --------------------------------------------


def stepped(target_steps: Sequence[float | None] | None) -> list[float | None]:
    """The per-point targets when they step (more than one value), else none to draw."""
    if not target_steps or len({v for v in target_steps if v is not None}) < 2:
        return []
    return list(target_steps)


def _step_line(points, steps, xs, scale: _Scale, left, right, fmt) -> str:
    """The target in force at each point, held flat to half-way to the next point and
    stepping there; each step carries its value in a <title>."""
    parts = []
    count = len(xs)
    for i, (point, value) in enumerate(zip(points, steps, strict=True)):
        if value is None:
            continue
        x0 = left if i == 0 else (xs[i - 1] + xs[i]) / 2
        x1 = right if i == count - 1 else (xs[i] + xs[i + 1]) / 2
        y = scale.y(value)
        segment = (
            f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{y:.1f}" '
            f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        following = steps[i + 1] if i + 1 < count else None
        if following is not None and following != value:
            segment += (
                f'<line x1="{x1:.1f}" y1="{y:.1f}" x2="{x1:.1f}" y2="{scale.y(following):.1f}" '
                f'stroke="{TARGET_COLOUR}" stroke-width="2" stroke-dasharray="6 4"/>'
            )
        tip = f"{point.label} target {fmt(value)}"
        parts.append(f'<g class="target-step"><title>{escape(tip)}</title>{segment}</g>')
    return "".join(parts)


def _describe_steps(points, steps, fmt) -> str:
    if not steps:
        return ""
    changes, previous = [], None
    for point, value in zip(points, steps, strict=True):
        if value is not None and value != previous:
            changes.append(f"{fmt(value)} from {point.label}")
            previous = value
    return " Target steps: " + ", ".join(changes) + "."
