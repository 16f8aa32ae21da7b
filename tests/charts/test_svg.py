"""The SVG renderer: valid markup, titles and values for screen readers, status by shape."""

import xml.etree.ElementTree as ET

import pytest

from charts.svg import Point, bar_chart, sparkline, trend_chart

SVG = "{http://www.w3.org/2000/svg}"
POINTS = [
    Point("2025-01", 40.0, "on_track"),
    Point("2025-02", 55.0, "at_risk"),
    Point("2025-03", None, "insufficient_data"),
    Point("2025-04", 65.0, "off_track"),
    Point("2025-05", 44.0, "on_track"),
]


def _svg(markup: str) -> ET.Element:
    """The <svg> element, parsed as XML (so the markup is well-formed)."""
    end = markup.index("</svg>") + len("</svg>")
    return ET.fromstring(markup[:end])  # noqa: S314 - the renderer's own markup


def test_trend_chart_is_titled_and_described_for_screen_readers():
    markup = trend_chart(
        POINTS, chart_id="t1", title="Time to fill by month", target=45, threshold=60
    )
    svg = _svg(markup)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "t1-title t1-desc"
    assert svg.find(f"{SVG}title").text == "Time to fill by month"
    desc = svg.find(f"{SVG}desc").text
    assert "2025-02 55 (at risk)" in desc
    assert "2025-03 no value (insufficient data)" in desc
    assert "Target 45" in desc and "Breach threshold 60" in desc


def test_trend_chart_values_table_lists_every_period_with_its_status_word():
    markup = trend_chart(POINTS, chart_id="t2", title="TTF", fmt=lambda v: f"{v:.1f} days")
    hidden = ET.fromstring(markup[markup.index("</svg>") + 6 :])  # noqa: S314 - own markup
    assert hidden.get("class") == "visually-hidden"  # a box that clips, around the table
    table = hidden.find("table")
    rows = [[cell.text for cell in row] for row in table.iter("tr")][1:]
    assert rows == [
        ["2025-01", "40.0 days", "on track"],
        ["2025-02", "55.0 days", "at risk"],
        ["2025-03", "no value", "insufficient data"],
        ["2025-04", "65.0 days", "off track"],
        ["2025-05", "44.0 days", "on track"],
    ]


def test_status_is_told_by_marker_shape_not_colour_alone():
    svg = _svg(trend_chart(POINTS, chart_id="t3", title="TTF"))
    # on track: filled circles; at risk: a triangle; off track: a square; the missing value
    # has no marker and breaks the line in two.
    assert len(svg.findall(f".//{SVG}circle")) == 2
    assert len(svg.findall(f".//{SVG}polygon")) == 1
    assert len(svg.findall(f".//{SVG}rect")) == 1
    assert len(svg.findall(f"{SVG}polyline")) == 2


def test_target_and_threshold_lines_are_labelled_and_placed_by_value():
    svg = _svg(trend_chart(POINTS, chart_id="t4", title="TTF", target=45, threshold=60))
    lines = {text.text: float(text.get("y")) for text in svg.iter(f"{SVG}text") if text.text}
    assert "Target 45" in lines and "Breach 60" in lines
    # Higher values are drawn higher up: the breach line (60) sits above the target (45).
    assert lines["Breach 60"] < lines["Target 45"]


def test_labels_are_escaped():
    markup = trend_chart([Point("<b>", 1.0)], chart_id="t5", title='A & "B" <script>')
    assert "<script>" not in markup and "<b>" not in markup
    assert _svg(markup).find(f"{SVG}title").text == 'A & "B" <script>'


def test_trend_chart_without_values_says_so():
    svg = _svg(trend_chart([], chart_id="t6", title="Empty"))
    assert svg.find(f"{SVG}desc").text == "No values yet."
    assert any(t.text == "No values yet" for t in svg.iter(f"{SVG}text"))


def test_a_single_value_is_drawn_without_dividing_by_zero():
    svg = _svg(trend_chart([Point("2025-01", 5.0, "on_track")], chart_id="t7", title="One"))
    circle = svg.find(f".//{SVG}circle")
    assert 0 < float(circle.get("cy")) < 240


def test_sparkline_marks_the_latest_value_and_describes_them_all():
    markup = sparkline(POINTS, chart_id="s1", title="TTF, last 5 months", target=45)
    svg = _svg(markup)
    assert "<table" not in markup  # the tile shows its value; the description lists them
    assert "2025-05 44 (on track)" in svg.find(f"{SVG}desc").text
    assert len(svg.findall(f".//{SVG}circle")) == 1  # only the latest value is marked
    assert svg.find(f"{SVG}line").get("stroke-dasharray")  # the target


@pytest.mark.parametrize("status", ["on_track", "at_risk", "off_track", ""])
def test_bar_chart_writes_the_status_word_beside_each_bar(status):
    bars = [Point("Sales", 30.0, status), Point("Engineering", None, "")]
    svg = _svg(bar_chart(bars, chart_id="b1", title="By department", target=40))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    word = {"on_track": "on track", "at_risk": "at risk", "off_track": "off track"}.get(status)
    assert ("30 " + word if word else "30") in texts
    assert "no value" in texts
    assert len(svg.findall(f".//{SVG}rect")) == 1  # no bar for the missing value
