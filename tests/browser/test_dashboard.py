"""The dashboard and the portfolio in Chromium: filters with history, the KPI page and its
drill-down, the quick-add, read-only and outsider views, both widths, axe-core on every page."""

import re

import pytest

from accounts.models import Role
from reviews.models import ActionItem
from rpo_portal import formats
from tests.engagements.conftest import build_dashboard_data
from tests.factories import PASSWORD, EngagementFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Engagements").wait_for()


def settled(page):
    # htmx binds swapped-in controls when the swap settles; a user is never that quick.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")


def kpis_heading(page) -> str:
    return page.locator("#kpis-heading").inner_text()


def test_hr_lead_filters_the_dashboard_goes_back_and_drills_down(
    live_server, page, engagement, assert_accessible
):
    build_dashboard_data(engagement, requisitions=20)
    hr_lead = member(engagement.client, Role.HR_LEAD)
    sign_in(page, live_server, hr_lead)
    assert_accessible(page)  # the portfolio
    page.get_by_role("link", name=engagement.name, exact=True).click()
    page.wait_for_function("() => window.htmx !== undefined")
    assert kpis_heading(page) == "KPIs, Sep 2025"
    assert_accessible(page)
    start = page.url

    with page.expect_response(lambda r: "period=2025-06" in r.url):
        page.locator("#dashboard-period").select_option("2025-06")
    page.get_by_role("heading", name="KPIs, Jun 2025").wait_for()
    settled(page)
    assert "period=2025-06" in page.url

    segment = page.locator("#dashboard-segment").locator("option").nth(1).get_attribute("value")
    with page.expect_response(lambda r: "segment=" in r.url):
        page.locator("#dashboard-segment").select_option(segment)
    dimension, value = segment.split(":")
    heading = f"KPIs, Jun 2025, {formats.label(dimension)}: {value}"
    page.get_by_role("heading", name=heading).wait_for()
    settled(page)
    assert re.search(r"segment=[^&]+", page.url)
    assert_accessible(page)

    page.go_back()
    page.get_by_role("heading", name="KPIs, Jun 2025", exact=True).wait_for()
    assert not re.search(r"segment=[^&]", page.url)
    page.go_back()
    page.get_by_role("heading", name="KPIs, Sep 2025", exact=True).wait_for()
    assert page.url == start
    assert page.locator("#dashboard-period").input_value() == "2025-09"

    page.get_by_role("link", name="Time to fill", exact=True).first.click()
    page.get_by_role("heading", name="Time to fill", exact=True).wait_for()
    chart = page.locator("svg.chart-trend")
    assert "Target 40" in chart.inner_html() and "Breach 60" in chart.inner_html()
    page.get_by_role("heading", name=re.compile("Every segment")).wait_for()
    assert_accessible(page)
    page.locator("#kpi-values tbody a").first.click()
    page.get_by_role("heading", name=re.compile(r"^Time to fill, [A-Z][a-z]{2} \d{4}")).wait_for()
    assert_accessible(page)


def test_account_manager_adds_an_action_item_from_the_dashboard(
    live_server, page, engagement, account_manager, hr_lead, assert_accessible
):
    sign_in(page, live_server, account_manager)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    page.get_by_label("Action", exact=True).fill("Share the offer-decline analysis")
    page.locator("#id_owner").select_option(str(hr_lead.pk))
    page.get_by_role("textbox", name="Due").fill("2020-01-15")
    page.locator("#id_priority").select_option("high")
    page.get_by_role("button", name="Add action item").click()
    row = page.get_by_role("row", name=re.compile("Share the offer-decline analysis"))
    row.wait_for()
    assert "Overdue" in row.inner_text()
    assert page.url.endswith(f"/engagements/{engagement.pk}/")  # swapped, not navigated
    item = ActionItem.objects.get(engagement=engagement)
    assert (item.owner, item.party, item.priority) == (hr_lead, "client", "high")
    assert_accessible(page)


def test_viewer_sees_no_write_control(live_server, page, engagement, client_viewer):
    sign_in(page, live_server, client_viewer)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.get_by_role("heading", name="Action items due").wait_for()
    assert page.get_by_role("button", name="Add action item").count() == 0
    assert page.get_by_role("button", name="Recompute now").count() == 0
    assert page.locator("main form[method=post]").count() == 0


def test_outsider_gets_404(live_server, page, engagement, outsider):
    sign_in(page, live_server, outsider)
    response = page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    assert response.status == 404
    assert engagement.name not in page.content()


def test_dashboard_and_portfolio_at_both_widths(
    live_server, browser, engagement, screenshot, assert_accessible
):
    build_dashboard_data(engagement, requisitions=20)
    manager = member(engagement.provider, Role.ACCOUNT_MANAGER)
    for seed, other in enumerate(EngagementFactory.create_batch(3, provider=engagement.provider)):
        build_dashboard_data(other, requisitions=8, seed=seed + 2)
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, manager)
        for name, path in (("portfolio", "/"), ("dashboard", f"/engagements/{engagement.pk}/")):
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (name, width)
            assert_accessible(page)
            screenshot(page, f"{name}-{width}")
        context.close()
