"""Chart labels lie inside their own box and never on each other, at every size the pages use.

Each text's box is estimated as the renderer estimates it (its font size times an average glyph
width per character); the tests check that box against the viewBox and against every other
label's box. Each point also carries its value in a <title>.
"""

import itertools
import xml.etree.ElementTree as ET

import pytest

from charts.svg import CHAR_WIDTH, Point, bar_chart, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _svg(markup: str) -> ET.Element:
    end = markup.index("</svg>") + len("</svg>")
    return ET.fromstring(markup[:end])  # noqa: S314 - the renderer's own markup


def _boxes(svg: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """(text, left, top, right, bottom) of each text element."""
    boxes = []
    for text in svg.iter(f"{SVG}text"):
        size = float(text.get("font-size"))
        width = len(text.text) * size * CHAR_WIDTH
        x, y = float(text.get("x")), float(text.get("y"))
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        boxes.append((text.text, left, y - size * 0.8, left + width, y + size * 0.2))
    return boxes


def assert_labels_fit(markup: str) -> None:
    svg = _svg(markup)
    _, _, width, height = (float(v) for v in svg.get("viewBox").split())
    boxes = _boxes(svg)
    for text, left, top, right, bottom in boxes:
        assert left >= 0 and right <= width, f"{text!r} spills sideways: {left:.0f}..{right:.0f}"
        assert top >= 0 and bottom <= height, f"{text!r} spills up or down: {top:.0f}..{bottom:.0f}"
    for a, b in itertools.combinations(boxes, 2):
        apart = a[3] <= b[1] or b[3] <= a[1] or a[4] <= b[2] or b[4] <= a[2]
        assert apart, f"{a[0]!r} overlaps {b[0]!r}"


def _months(count: int, value=lambda i: 30.0 + (i % 5) * 7.5) -> list[Point]:
    return [
        Point(
            f"{MONTHS[i % 12]} {2024 + i // 12}",
            value(i),
            "on_track",
        )
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, 2, 6, 12, 24, 36])
@pytest.mark.parametrize("width", [320, 640])
def test_trend_labels_lie_inside_the_chart_and_apart(count, width):
    markup = trend_chart(
        _months(count),
        chart_id="t",
        title="Time to fill",
        fmt=lambda v: f"{v:,.1f} days",
        target=35.0,
        threshold=36.0,  # close to the target: their labels must not overlap
        width=width,
    )
    assert_labels_fit(markup)


def test_large_values_get_a_left_margin_wide_enough_for_their_labels():
    points = _months(12, value=lambda i: 1_250_000.0 + i * 10_000)
    markup = trend_chart(
        points, chart_id="t", title="Cost", fmt=lambda v: f"EUR {v:,.2f}", target=1_300_000.0
    )
    assert_labels_fit(markup)


def test_target_and_breach_labels_sit_in_the_right_margin_beyond_the_line():
    svg = _svg(trend_chart(_months(6), chart_id="t", title="TTF", target=35.0, threshold=45.0))
    line_ends = [float(line.get("x2")) for line in svg.iter(f"{SVG}line")]
    reference = [t for t in svg.iter(f"{SVG}text") if t.text.startswith(("Target", "Breach"))]
    assert len(reference) == 2
    assert all(float(t.get("x")) > max(line_ends) for t in reference)


def test_every_point_carries_its_value_in_a_title():
    svg = _svg(
        trend_chart(
            [Point("Oct 2026", 12.04, "on_track"), Point("Nov 2026", 14.0, "at_risk")],
            chart_id="t",
            title="TTF",
            fmt=lambda v: f"{v:.1f} days",
        )
    )
    titles = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g")]
    assert titles == ["Oct 2026 12.0 days (on track)", "Nov 2026 14.0 days (at risk)"]


def test_bar_labels_fit_however_long_the_segment_name():
    bars = [
        Point("Software engineering and platform infrastructure", 42.0, "off_track"),
        Point("Sales", 30.0, "on_track"),
        Point("(none)", None, "insufficient_data"),
    ]
    for width in (320, 640):
        markup = bar_chart(
            bars, chart_id="b", title="By department", width=width, fmt=lambda v: f"{v:.1f} days"
        )
        assert_labels_fit(markup)
