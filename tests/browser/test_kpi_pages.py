"""The KPI overview in Chromium: the htmx filters, the drill-down link, phone width."""

import pytest

from kpis.services import engagement_metrics_recompute
from tests.factories import PASSWORD
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Engagements").wait_for()


def test_overview_filters_swap_the_table_and_values_drill_down(
    live_server,
    page,
    engagement,
    hr_lead,
):
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    sign_in(page, live_server, hr_lead)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/kpis/")
    page.get_by_text("Latest month with a value").wait_for()
    page.wait_for_function("() => window.htmx !== undefined")
    with page.expect_response(lambda r: "grain=quarter" in r.url):
        page.get_by_label("Grain").select_option("quarter")
    page.get_by_text("Latest quarter with a value").wait_for()
    # htmx binds the swapped-in form when the swap settles; a user is never that quick.
    page.wait_for_function("() => !document.querySelector('.htmx-settling, .htmx-request')")
    assert "grain=quarter" in page.url
    with page.expect_response(lambda r: "department" in r.url):
        page.get_by_label("Segment").select_option("department:Sales")
    page.get_by_text("Latest quarter with a value, Department: Sales").wait_for()
    page.locator("#kpi-values tbody tr").first.locator("a").nth(1).click()
    page.get_by_role("heading", name="Time to fill, Q3 2025, Department: Sales").wait_for()
    assert "Requisitions filled in the period" in page.content()


def test_overview_reads_at_phone_width(live_server, browser, engagement, hr_lead):
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = context.new_page()
    sign_in(phone, live_server, hr_lead)
    phone.goto(f"{live_server.url}/engagements/{engagement.pk}/kpis/")
    phone.get_by_role("heading", name="KPI overview").wait_for()
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # wide tables scroll inside their own box
    context.close()
