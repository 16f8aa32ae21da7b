"""Every number in view: every page of every tab of the demo, as the HR lead and as the
account manager, at 1280 and 390 px (`tests/browser/walk.py` finds the pages from the
navigation and the lists, one page per view; what it leaves out and why is its `EXCLUDED`).

On each page: no table is wider than its container (only a time matrix scrolls, inside its own
focusable labelled region with a sticky first column); the page is no wider than the window;
every chart label lies inside its chart and none overlaps another; axe-core finds no WCAG 2.1
AA violation; and the visible text shows no raw internal value: no "None", no snake_case key
outside <code>, no ISO or fractional-second timestamp, no ISO date, no five-digit amount
without its thousands separator.
"""

import io

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from sla.services import engagement_slas_evaluate
from tests.browser.conftest import SCREENSHOTS, WCAG_AA
from tests.browser.test_dashboard import sign_in
from tests.browser.walk import check_page, discover
from tests.engagements.conftest import AS_OF, build_dashboard_data
from tests.factories import PASSWORD, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The people of the walk (the demo's logins): the client's HR lead and the provider's account
# manager see every tab; the admins add the pages only an admin reaches (API keys).
WALKERS = ["hr@acme.example", "am@talentbridge.example"]
ADMINS = ["admin@acme.example", "admin@talentbridge.example"]
# Views no walk may miss: if the navigation stops linking one, the walk says so.
MUST_REACH = {
    "engagements/<int:engagement_id>/",
    "engagements/<int:engagement_id>/kpis/",
    "engagements/<int:engagement_id>/kpis/<slug:kpi>/",
    "engagements/<int:engagement_id>/kpis/targets/",
    "engagements/<int:engagement_id>/kpis/values/<int:value_id>/",
    "engagements/<int:engagement_id>/sla/",
    "engagements/<int:engagement_id>/sla/scorecard/",
    "engagements/<int:engagement_id>/sla/ledger/",
    "engagements/<int:engagement_id>/sla/breaches/",
    "engagements/<int:engagement_id>/sla/breaches/<int:breach_id>/",
    "engagements/<int:engagement_id>/reviews/",
    "engagements/<int:engagement_id>/reviews/meetings/<int:meeting_id>/",
    "engagements/<int:engagement_id>/reviews/actions/",
    "engagements/<int:engagement_id>/reviews/risks/",
    "engagements/<int:engagement_id>/reviews/decisions/",
    "engagements/<int:engagement_id>/data/imports/",
    "engagements/<int:engagement_id>/qbr/",
    "engagements/<int:engagement_id>/audit/",
    "notifications/",
    "accounts/account/",
}


def walk_and_check(browser, axe, live_server, email, widths, skip=()) -> tuple[dict, list]:
    """Sign in, find every page from the navigation at the first width, then check each page
    at every width; returns the pages found and the problems met."""
    user = User.objects.get(email=email)
    user.set_password(PASSWORD)  # the factories' password, which sign_in types
    user.save(update_fields=["password"])
    found, problems = {}, []
    for width in widths:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, user)
        if not found:
            found, _left_out = discover(page, live_server.url, ["/"])
        for key, path in found.items():
            if key in skip:
                continue
            page.goto(live_server.url + path)
            where = f"{email} {width} px {path}"
            problems += check_page(page, width, where)
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
            if results.violations_count:
                problems.append(f"{where}: {results.generate_report()}")
        context.close()
    return found, problems


def test_every_page_of_every_tab_shows_its_numbers_in_view(live_server, browser, axe):
    call_command("seed_demo", stdout=io.StringIO())
    problems, walked = [], {}
    for email in WALKERS:
        found, met = walk_and_check(browser, axe, live_server, email, (1280, 390))
        walked |= found
        problems += met
    assert set(walked) >= MUST_REACH, MUST_REACH - set(walked)
    for email in ADMINS:  # only what the leads did not reach
        found, met = walk_and_check(browser, axe, live_server, email, (1280, 390), skip=walked)
        walked |= found
        problems += met
    assert "organizations/<slug:slug>/api-keys/" in walked
    assert not problems, "\n".join(problems)


def test_the_scorecard_scrolls_in_a_labelled_region_opened_on_the_latest_periods(
    live_server, browser, engagement
):
    build_dashboard_data(engagement, requisitions=40)
    # The monthly clause's outcomes from January to September: nine periods, more than a phone
    # shows beside the clause column.
    engagement_slas_evaluate(engagement=engagement, as_of=AS_OF)
    hr_lead = member(engagement.client, Role.HR_LEAD)
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, hr_lead)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/sla/scorecard/")
    region = page.locator(".time-matrix")
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("tabindex") == "0"
    assert "latest on the right" in region.get_attribute("aria-label")
    shown = region.evaluate(
        """(box) => {
          const b = box.getBoundingClientRect();
          const heads = [...box.querySelectorAll('thead th')];
          const last = heads[heads.length - 1].getBoundingClientRect();
          const first = heads[0].getBoundingClientRect();
          return {scrolls: box.scrollWidth > box.clientWidth,
                  lastInView: last.right <= b.right + 1, firstInView: first.left >= b.left - 1};
        }"""
    )
    # The latest period is in view without scrolling, and the clause column stays put.
    assert shown == {"scrolls": True, "lastInView": True, "firstInView": True}
    context.close()


def test_a_refused_target_shows_its_error_in_view_and_tiles_their_sla_mark(
    live_server, browser, engagement, assert_accessible, screenshot
):
    build_dashboard_data(engagement, requisitions=40)
    hr_lead = member(engagement.client, Role.HR_LEAD)
    base = f"{live_server.url}/engagements/{engagement.pk}/"
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, hr_lead)
        page.goto(f"{base}?period=2025-07")
        tile = page.locator(".tile", has_text="Time to fill")
        assert "SLA ttf-month: Breached" in tile.inner_text()
        assert "against its breach threshold" in tile.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".tiles").screenshot(path=str(SCREENSHOTS / f"dashboard-tiles-{width}.png"))
        page.goto(f"{base}kpis/targets/")
        page.select_option("#id_kpi", "offer_acceptance_rate")
        page.select_option("#id_grain", "month")
        page.fill("#id_effective_from", "2025-01-01")
        page.fill("#id_target_value", "85")
        page.fill("#id_at_risk_threshold", "80")
        page.fill("#id_breach_threshold", "90")
        page.get_by_role("button", name="Propose").click()
        page.wait_for_load_state()
        summary = page.locator(".error-summary")
        # The page opens on the error: the summary has the focus and is in the window.
        focused = page.evaluate("() => document.activeElement.className")
        assert focused == "error-summary"
        box = summary.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900
        words = "For offer acceptance rate, higher is better: the breach threshold"
        assert words in summary.inner_text()
        # What the window shows as the page opens, and the whole page.
        page.screenshot(path=str(SCREENSHOTS / f"target-form-error-{width}-window.png"))
        screenshot(page, f"target-form-error-{width}")
        summary.get_by_role("link", name="Breach threshold").click()
        assert page.evaluate("() => document.activeElement.id") == "id_breach_threshold"
        field = page.locator("#id_breach_threshold")
        assert field.get_attribute("aria-invalid") == "true"
        assert "id_breach_threshold_error" in field.get_attribute("aria-describedby")
        assert_accessible(page)
        context.close()
