"""The audit page in Chromium: filters without JavaScript help, axe-clean, phone width."""

from datetime import date

import pytest

from reviews.services import decision_create
from tests.browser.test_kpi_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _changes(engagement, hr_lead):
    for n in range(3):
        decision_create(
            actor=hr_lead,
            engagement=engagement,
            title=f"Move the Sales panel to two rounds, step {n} — a long title that must wrap",
            decided_by=hr_lead,
            decided_on=date(2026, 3, 2),
        )


@pytest.mark.parametrize("width", [1280, 390])
def test_audit_page_filters_and_reads_well(
    live_server, browser, engagement, hr_lead, assert_accessible, width
):
    _changes(engagement, hr_lead)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, hr_lead)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/contract/")
    page.get_by_role("link", name="Audit trail of the whole engagement").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert_accessible(page)
    page.get_by_label("What").select_option(label="Decision")
    page.get_by_role("button", name="Filter").click()
    page.get_by_text("3 changes recorded matching these filters").wait_for()
    assert "model=reviews.Decision" in page.url
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # the table scrolls inside its own box
    context.close()
