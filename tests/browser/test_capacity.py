"""The recruiter capacity page in Chromium at 1280 and 390 px: loads with an over-capacity
recruiter, demand per department, and the what-if run through its htmx form; no page wider
than the window, no WCAG 2.1 AA violation. The SLA forecast page alongside."""

import pytest
from django.utils import timezone

from forecasts.capacity_services import capacity_agree, capacity_propose
from recruiting.generator import DataSpec, generated_data_import
from sla.forecasting.services import breach_forecasts_compute
from sla.services import schedule_agree, schedule_propose
from tests.browser.test_dashboard import settled, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def capacity_data(engagement, account_manager, hr_lead):
    today = timezone.localdate()
    spec = DataSpec(requisitions=120, seed=3, months=14, end=today)
    generated_data_import(actor=account_manager, engagement=engagement, spec=spec)
    capacity_agree(
        actor=hr_lead,
        terms=capacity_propose(
            actor=account_manager, engagement=engagement, requisitions_per_recruiter=2
        ),
    )
    schedule = schedule_propose(
        actor=account_manager,
        engagement=engagement,
        clauses=[
            {
                "key": "SLA-HIRES",
                "kpi": "hires",
                "grain": "month",
                "threshold": 500,
                "effective_from": today.replace(day=1),
                "pct": 1,
            }
        ],
    )
    schedule_agree(actor=hr_lead, schedule=schedule)
    breach_forecasts_compute(engagement=engagement)
    return engagement


def test_capacity_and_forecast_pages_at_both_widths(
    live_server, browser, capacity_data, client_viewer, screenshot, axe
):
    engagement = capacity_data
    problems = []
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, client_viewer)
        for name, path in (
            ("sla-forecast", f"/engagements/{engagement.pk}/sla/forecast/"),
            ("capacity", f"/engagements/{engagement.pk}/capacity/"),
        ):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            text = page.inner_text("main")
            if name == "capacity":
                assert "Over capacity" in text and "Recruiters needed" in text
                # The what-if, as a viewer may run it: it writes nothing.
                page.wait_for_function("() => window.htmx !== undefined")
                page.get_by_label("Department").select_option(index=1)
                page.get_by_label("Plan as % of today's").fill("250")
                page.get_by_role("button", name="Show the what-if").click()
                page.locator("#what-if h3").wait_for()
                settled(page)
                assert "at 250%" in page.locator("#what-if h3").inner_text()
            else:
                assert "SLA-HIRES" in text and "Likely breach" in text
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name} at {width} px: {overflow} px wider than the window")
            results = axe.run(
                page,
                options={
                    "runOnly": {
                        "type": "tag",
                        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"],
                    }
                },
            )
            if results.violations_count:
                problems.append(f"{name} at {width} px: {results.generate_report()}")
            screenshot(page, f"{name}-{width}")
        context.close()
    assert not problems, "\n".join(problems)
