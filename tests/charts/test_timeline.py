"""The timeline renderer: one titled bar per row, today's line, labels within the box."""

import re
from datetime import date

from charts.svg import text_width
from charts.timeline import Bar, timeline_chart

BARS = [
    Bar(
        "1. Contract signed",
        date(2026, 1, 5),
        date(2026, 1, 5),
        "done",
        "done",
        actual=date(2026, 1, 5),
        detail="planned 5 Jan 2026, done 5 Jan 2026",
    ),
    Bar(
        "2. A milestone with a very long title that cannot fit",
        date(2026, 1, 5),
        date(2026, 3, 1),
        "at_risk",
        "at risk",
        forecast=date(2026, 3, 20),
        detail="planned 1 Mar 2026, forecast 20 Mar 2026",
    ),
    Bar(
        "3. Go-live",
        date(2026, 3, 1),
        date(2026, 4, 1),
        "late",
        "late",
        detail="planned 1 Apr 2026",
    ),
]


def test_each_bar_has_its_title_and_today_is_drawn():
    svg = str(timeline_chart(BARS, chart_id="t", title="Plan", today=date(2026, 4, 10)))
    assert svg.count("<g><title>") == 3
    assert (
        "<title>2. A milestone with a very long title that cannot fit: at risk, "
        "planned 1 Mar 2026, forecast 20 Mar 2026</title>" in svg
    )
    assert ">Today</text>" in svg
    assert 'stroke-dasharray="3 2"' in svg  # the slip to the forecast
    assert "<polygon" in svg  # done: a diamond
    assert 'role="img"' in svg and "Plan</caption>" in svg


def test_labels_fit_inside_the_box_at_both_widths():
    for width, share in ((1000, 0.34), (360, 0.45)):
        svg = str(
            timeline_chart(
                BARS,
                chart_id="t",
                title="Plan",
                today=date(2026, 2, 1),
                width=width,
                label_share=share,
                with_table=False,
            )
        )
        for x, anchor, text in re.findall(
            r'<text x="([\d.]+)" y="[\d.]+"(?: text-anchor="(\w+)")? font-size="12"[^>]*>([^<]+)<',
            svg,
        ):
            span = text_width(text)
            left = float(x) - (span / 2 if anchor == "middle" else span if anchor == "end" else 0)
            assert left >= 0 and left + span <= width + 0.5, (width, text)


def test_no_rows_says_so():
    svg = str(timeline_chart([], chart_id="t", title="Plan", today=date(2026, 1, 1)))
    assert "No milestones yet" in svg
