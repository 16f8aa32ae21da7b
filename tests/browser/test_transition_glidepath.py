"""Issue 26 in Chromium: the KPI chart's step line (an agreed glidepath) and the transition
timeline with today's line, at 1280 and 390 px, axe-clean and without sideways scrolling."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis.glidepath_services import glidepath_agree, glidepath_propose
from kpis.services import engagement_metrics_recompute
from reviews.transition.services import milestone_update, transition_plan_create
from tests.browser.test_kpi_pages import sign_in
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [(1280, 900), (390, 844)]


def _steps():
    return [
        {
            "effective_from": day,
            "target_value": Decimal(target),
            "at_risk_threshold": Decimal(target + 5),
            "breach_threshold": Decimal(target + 10),
        }
        for day, target in (
            (date(2025, 1, 1), 60),
            (date(2025, 4, 1), 50),
            (date(2025, 7, 1), 45),
        )
    ]


def test_kpi_chart_step_line_at_both_widths(
    live_server, browser, engagement, hr_lead, account_manager, assert_accessible, screenshot
):
    import_sample(engagement)
    glidepath = glidepath_propose(
        actor=hr_lead, engagement=engagement, kpi="time_to_fill", grain="quarter", steps=_steps()
    )
    glidepath_agree(actor=account_manager, glidepath=glidepath)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, hr_lead)
        page.goto(f"{live_server.url}/engagements/{engagement.pk}/kpis/time_to_fill/?grain=quarter")
        steps = page.locator("svg.chart-trend g.target-step")
        assert steps.count() >= 3
        assert steps.first.is_visible()
        titles = page.locator("svg.chart-trend g.target-step title").all_text_contents()
        assert "Q1 2025 target 60.0 days" in titles and "Q3 2025 target 45.0 days" in titles
        box = page.locator("svg.chart-trend").bounding_box()
        assert box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert_accessible(page)
        screenshot(page, f"kpi-step-line-{width}")
        context.close()


def test_transition_timeline_at_both_widths(
    live_server, browser, engagement, hr_lead, account_manager, assert_accessible, screenshot
):
    today = timezone.localdate()
    plan = transition_plan_create(
        actor=account_manager, engagement=engagement, starts_on=today - timedelta(days=50)
    )
    milestones = list(plan.milestones.order_by("position"))
    milestone_update(actor=hr_lead, milestone=milestones[0], actual_on=milestones[0].planned_on)
    milestone_update(
        actor=account_manager,
        milestone=milestones[4],
        forecast_on=milestones[4].planned_on + timedelta(days=9),
    )
    for (width, height), shown, hidden in zip(
        WIDTHS,
        ("timeline-wide", "timeline-narrow"),
        ("timeline-narrow", "timeline-wide"),
        strict=True,
    ):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, hr_lead)
        page.goto(f"{live_server.url}/engagements/{engagement.pk}/reviews/transition/")
        chart = page.locator(f".{shown} svg").first
        assert chart.is_visible()
        assert not page.locator(f".{hidden} svg").is_visible()
        assert page.locator(f".{shown} svg text", has_text="Today").count() == 1
        bar_titles = page.locator(f".{shown} svg g title").all_text_contents()
        assert any(t.startswith("1. Contract signed: done") for t in bar_titles)
        assert any("late" in t for t in bar_titles)
        assert any("at risk" in t for t in bar_titles)
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        # Labels stay inside the chart's box.
        inside = page.evaluate(
            """(selector) => {
                const svg = document.querySelector(selector);
                const frame = svg.getBoundingClientRect();
                return [...svg.querySelectorAll('text')].every((t) => {
                    const r = t.getBoundingClientRect();
                    return r.left >= frame.left - 1 && r.right <= frame.right + 1;
                });
            }""",
            f".{shown} svg",
        )
        assert inside
        assert_accessible(page)
        screenshot(page, f"transition-timeline-{width}")
        context.close()


def test_every_page_shows_its_values_in_view(
    live_server, browser, engagement, hr_lead, account_manager, axe
):
    """The presentation walk's checks (tests/browser/test_presentation.py) on these pages."""
    from tests.browser.conftest import WCAG_AA
    from tests.browser.walk import LAYOUT_AND_TEXT

    today = timezone.localdate()
    plan = transition_plan_create(
        actor=account_manager, engagement=engagement, starts_on=today - timedelta(days=50)
    )
    first = plan.milestones.order_by("position").first()
    milestone_update(
        actor=hr_lead,
        milestone=first,
        actual_on=first.planned_on,
        responsible_person=hr_lead,
        evidence_url="https://example.com/contract",
        evidence_note="Signed by both.",
    )
    glidepath = glidepath_propose(
        actor=hr_lead, engagement=engagement, kpi="time_to_fill", grain="quarter", steps=_steps()
    )
    base = f"{live_server.url}/engagements/{engagement.pk}/"
    pages = [
        "reviews/transition/",
        f"reviews/transition/milestones/{first.pk}/",
        "reviews/transition/milestones/new/",
        "kpis/glidepaths/",
        f"kpis/glidepaths/{glidepath.pk}/",
    ]
    problems = []
    for width, height in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, account_manager)
        for path in pages:
            assert page.goto(base + path).status == 200, path
            found = page.evaluate(LAYOUT_AND_TEXT)
            where = f"{width} px {path}"
            if found["pageWidth"] > width:
                problems.append(f"{where}: page {found['pageWidth']} px wide")
            problems += [f"{where}: table {t}" for t in found["wideTables"]]
            problems += [f"{where}: chart label {t!r} outside" for t in found["svgTextOutside"]]
            problems += [f"{where}: raw {t}" for t in found["raw"]]
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
            if results.violations_count:
                problems.append(f"{where}: {results.generate_report()}")
        context.close()
    assert not problems, "\n".join(problems)
