"""The market panel and a KPI page with the market's figure in Chromium, at 1280 and 390 px,
axe-clean; and the panel of an engagement with no benchmarks."""

import pytest

from kpis.services import engagement_metrics_recompute
from tests.browser.test_kpi_pages import sign_in
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample
from tests.market.sample import import_market_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_market_panel_and_a_kpi_page_with_the_market(
    live_server, browser, engagement, hr_lead, assert_accessible, screenshot, width
):
    import_sample(engagement)
    import_market_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    sign_in(page, live_server, hr_lead)

    page.goto(f"{live_server.url}/engagements/{engagement.pk}/market/")
    page.get_by_role("heading", name="Market benchmarks").wait_for()
    page.get_by_role("heading", name="This engagement against the market, Sep 2025").wait_for()
    table = page.locator("table").first
    assert "Time to fill" in table.inner_text() and "36.0 days" in table.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(page)
    screenshot(page, f"market-panel-{width}")

    page.goto(f"{live_server.url}/engagements/{engagement.pk}/kpis/time_to_fill/?grain=quarter")
    line = page.locator("#market-heading + p")
    line.wait_for()
    assert "Time to fill 36.0 days; market 38.0 days (Radford Q3 survey, Q3 2025)" in (
        line.inner_text()
    )
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert_accessible(page)
    screenshot(page, f"market-kpi-{width}")
    context.close()


def test_a_panel_with_no_benchmarks(live_server, page, engagement, hr_lead, assert_accessible):
    sign_in(page, live_server, hr_lead)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/market/")
    page.get_by_text("No market benchmarks for this engagement.").wait_for()
    assert_accessible(page)
