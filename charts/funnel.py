"""The funnel chart: one centred bar per stage, its width the stage's count.

Drawn like the other charts of `charts.svg` (an `<svg role="img">` with a `<title>` and a
`<desc>`, a `<title>` per bar, labels estimated to lie inside the chart's own box, a table of
the values for assistive technology), so it draws the same in a page and in the PDF pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString

from charts.svg import FONT, LINE_COLOUR, _close, _fit, _svg_open, text_width
from rpo_portal import formats


@dataclass(frozen=True)
class Stage:
    """One stage: its name, its count, and the words beside it (conversion from the stage
    before, already formatted)."""

    label: str
    count: int
    note: str = ""

    @property
    def text(self) -> str:
        return formats.number(self.count) + (f" ({self.note})" if self.note else "")


def _values_table(chart_id: str, title: str, stages: Sequence[Stage]) -> str:
    rows = "".join(
        f'<tr><th scope="row">{escape(s.label)}</th><td>{formats.number(s.count)}</td>'
        f"<td>{escape(s.note or '—')}</td></tr>"
        for s in stages
    )
    return (
        f'<div class="visually-hidden"><table id="{chart_id}-values">'
        f"<caption>{escape(title)}</caption>"
        '<thead><tr><th scope="col">Stage</th><th scope="col">Count</th>'
        f'<th scope="col">Conversion</th></tr></thead><tbody>{rows}</tbody></table></div>'
    )


def funnel_chart(
    stages: Sequence[Stage],
    *,
    chart_id: str,
    title: str,
    width: int = 640,
    bar_height: int = 26,
    with_table: bool = True,
) -> SafeString:
    """Stages top to bottom, each bar centred in the middle column and as wide as its count
    relative to the first stage's; the stage's name on the left, count and conversion on the
    right, each cut to its column so no label leaves the box."""
    labels = [_fit(s.label, width * 0.25) for s in stages]
    label_width = max([text_width(label) for label in labels] + [40.0]) + 12
    texts = [_fit(s.text, width * 0.35) for s in stages]
    text_width_ = max([text_width(t) for t in texts] + [60.0]) + 12
    span = max(width - label_width - text_width_, 40.0)
    centre = label_width + span / 2
    high = max([s.count for s in stages] + [1])
    height = int(bar_height * max(len(stages), 1) + 16)
    desc = "; ".join(f"{s.label}: {s.text}" for s in stages) or "No applications."
    parts = [_svg_open(chart_id, width, height, title, desc, "chart chart-funnel")]
    for i, stage in enumerate(stages):
        y = 8 + i * bar_height
        baseline = y + bar_height * 0.65
        parts.append(
            f'<text x="{label_width - 8:.1f}" y="{baseline:.1f}" text-anchor="end" '
            f'font-size="{FONT}" fill="#1f2933">{escape(labels[i])}</text>'
        )
        length = max(span * stage.count / high, 2.0)
        opacity = 1.0 - 0.1 * min(i, 5)  # deeper stages a shade lighter; the order tells too
        parts.append(
            f"<g><title>{escape(f'{stage.label}: {stage.text}')}</title>"
            f'<rect x="{centre - length / 2:.1f}" y="{y + 3}" width="{length:.1f}" '
            f'height="{bar_height - 6}" fill="{LINE_COLOUR}" fill-opacity="{opacity:.1f}"/></g>'
        )
        parts.append(
            f'<text x="{width - text_width_ + 6:.1f}" y="{baseline:.1f}" font-size="{FONT}" '
            f'fill="#1f2933">{escape(texts[i])}</text>'
        )
    table = _values_table(chart_id, title, stages) if with_table else ""
    return _close(parts, table)
