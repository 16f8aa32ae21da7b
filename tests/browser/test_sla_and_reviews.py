"""From the dashboard to the SLA and review pages in Chromium: an account manager acknowledges
a breach through the dashboard's SLA panel; every SLA and review page the dashboard leads to
reads at both widths, with no WCAG 2.1 AA violation."""

import re

import pytest

from reviews.models import ActionItem, Meeting
from rpo_portal import formats
from sla.models import Breach, ReliefClaim
from tests.browser.conftest import WCAG_AA
from tests.browser.test_dashboard import sign_in
from tests.engagements.conftest import build_dashboard_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_account_manager_acknowledges_a_breach_from_the_dashboard(
    live_server, page, engagement, account_manager, assert_accessible
):
    build_dashboard_data(engagement, requisitions=20)
    breach = Breach.objects.get(engagement=engagement)
    sign_in(page, live_server, account_manager)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.wait_for_function("() => window.htmx !== undefined")
    panel = page.locator("section", has=page.get_by_role("heading", name="Open breaches"))
    panel.get_by_role(
        "link", name=f"{breach.clause.key}, {formats.period(breach.period)}", exact=True
    ).click()

    page.get_by_role("heading", name=re.compile(f"^Breach of {breach.clause.key}")).wait_for()
    assert_accessible(page)
    page.locator("#id_acknowledge-note").fill("Seen; a remediation plan follows on Friday.")
    page.get_by_role("button", name="Acknowledge the breach").click()
    page.locator("#breach .badge", has_text="Acknowledged").wait_for()
    assert page.get_by_role("button", name="Acknowledge the breach").count() == 0
    timeline = page.locator("ol.timeline").inner_text()
    assert "Seen; a remediation plan follows on Friday." in timeline
    assert_accessible(page)  # the swapped-in breach, with the plan form it now offers
    breach.refresh_from_db()
    assert breach.status == "acknowledged"

    page.get_by_role("link", name="Dashboard", exact=True).click()
    entry = page.locator(
        "li",
        has=page.get_by_role(
            "link", name=f"{breach.clause.key}, {formats.period(breach.period)}", exact=True
        ),
    )
    assert "Acknowledged" in entry.inner_text()


def test_sla_and_review_pages_at_both_widths(
    live_server, browser, engagement, account_manager, screenshot, axe
):
    build_dashboard_data(engagement, requisitions=160)
    breach = ReliefClaim.objects.get(engagement=engagement).breach  # with a pending claim
    meeting = Meeting.objects.filter(engagement=engagement).order_by("starts_at").first()
    item = ActionItem.objects.filter(engagement=engagement).order_by("due_date").first()
    base = f"/engagements/{engagement.pk}"
    pages = {
        "sla": f"{base}/sla/",
        "scorecard": f"{base}/sla/scorecard/",
        "ledger": f"{base}/sla/ledger/",
        "breaches": f"{base}/sla/breaches/",
        "breach": f"{base}/sla/breaches/{breach.pk}/",
        "reviews": f"{base}/reviews/",
        "meeting": f"{base}/reviews/meetings/{meeting.pk}/",
        "action-items": f"{base}/reviews/actions/",
        "action-item": f"{base}/reviews/actions/{item.pk}/",
        "decisions": f"{base}/reviews/decisions/",
    }
    problems = []
    for width, height in ((1280, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, live_server, account_manager)
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name} at {width} px: {overflow} px wider than the window")
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
            if results.violations_count:
                problems.append(f"{name} at {width} px: {results.generate_report()}")
            screenshot(page, f"{name}-{width}")
        context.close()
    assert not problems, "\n".join(problems)  # every page's, not only the first one's
