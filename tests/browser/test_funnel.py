"""The funnel page in Chromium at 1280 and 390 px: the chart, the bottleneck, the sortable
source table (cards on a phone), axe-clean."""

import pytest

from kpis.services import engagement_metrics_recompute
from tests.browser.test_kpi_pages import sign_in
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_funnel_and_sources_read_at_each_width(
    live_server, browser, engagement, hr_lead, width, assert_accessible, screenshot
):
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, hr_lead)
    page.goto(
        f"{live_server.url}/engagements/{engagement.pk}/kpis/funnel/?grain=quarter&period=2025-Q3"
    )
    page.get_by_role("heading", name="Funnel of Q3 2025").wait_for()
    chart = page.locator("svg.chart-funnel")
    assert chart.count() == 1
    assert chart.locator("g > title").count() == 6  # one per stage
    assert "Applied" in chart.locator("g > title").first.text_content()
    assert page.locator(".bottleneck").count() == 1
    sources = page.locator("table.sources")
    assert sources.locator("tbody tr").count() >= 3

    # Sorting by source name, Z to A, then A to Z: by the column's heading on a wide screen,
    # by the sort links above the cards on a phone (a card has no column headings).
    def sort_link():
        if width == 1280:
            return page.locator("table.sources").get_by_role("link", name="Source")
        return page.get_by_role("navigation", name="Sort sources").get_by_role(
            "link", name="Source"
        )

    sort_link().click()
    page.locator("table.sources th[aria-sort='descending']").wait_for(state="attached")
    sort_link().click()
    page.locator("table.sources th[aria-sort='ascending']").wait_for(state="attached")
    names = page.locator("table.sources tbody th").all_text_contents()
    assert names == sorted(names)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    if width == 390:  # the rows are cards: each figure with its label
        display = page.evaluate(
            "getComputedStyle(document.querySelector('table.sources tbody tr')).display"
        )
        assert display == "block"
    assert_accessible(page)
    screenshot(page, f"funnel-{width}")
    context.close()
