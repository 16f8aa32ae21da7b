"""Every number in view: the main page of every tab, as the HR lead and as the account
manager, at 1280 and 390 px, on generated data of fourteen months.

On each page: no table is wider than its container (only a time matrix scrolls, inside its own
region); the page is no wider than the window; every chart label lies inside its chart; axe-core
finds no WCAG 2.1 AA violation; and the visible text shows no raw internal value: no "None",
no snake_case key outside <code>, no ISO or fractional-second timestamp, no ISO date, no
five-digit amount without its thousands separator.
"""

import pytest

from accounts.models import Role
from sla.models import Breach
from sla.services import engagement_slas_evaluate
from tests.browser.conftest import SCREENSHOTS, WCAG_AA
from tests.browser.test_dashboard import sign_in
from tests.engagements.conftest import AS_OF, build_dashboard_data
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    "",
    "kpis/",
    "kpis/time_to_fill/",
    "kpis/targets/",
    "kpis/definitions/",
    "market/",
    "sla/",
    "sla/scorecard/",
    "sla/breaches/",
    "sla/breaches/{breach}/",
    "sla/ledger/",
    "reviews/",
    "reviews/actions/",
    "reviews/decisions/",
    "reviews/risks/",
    "reviews/plan/",
    "data/",
    "data/imports/",
    "qbr/",
    "contract/",
    "audit/",
]

# What the page shows that a person should never read; text inside <code>, <cite> (a
# standard's name), <option> and assistive-only elements is left out.
LAYOUT_AND_TEXT = r"""() => {
  const found = {pageWidth: document.documentElement.scrollWidth, wideTables: [],
                 svgTextOutside: [], raw: []};
  for (const table of document.querySelectorAll('main table')) {
    if (table.closest('.visually-hidden, .time-matrix')) continue;
    const room = table.parentElement.getBoundingClientRect().width;
    const width = table.getBoundingClientRect().width;
    if (width > room + 1) found.wideTables.push(`${table.className} ${width}>${room}`);
  }
  for (const svg of document.querySelectorAll('main svg')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 ||
                      r.top < box.top - 1 || r.bottom > box.bottom + 1))
        found.svgTextOutside.push(text.textContent);
    }
  }
  const patterns = [
    /\bNone\b/,
    /\b[a-z]+_[a-z0-9_]+\b(?!\.(csv|xlsx))/,
    /\d{2}:\d{2}:\d{2}\.\d+/,
    /\d{4}-\d{2}-\d{2}T\d/,
    /\b\d{4}-\d{2}-\d{2}\b/,
    /(?<![\w,.\/#-])\d{5,}(?![\w,])/,  // "#11921" is a record's number, not an amount
  ];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const unread = 'code, cite, pre, script, style, option, textarea, .visually-hidden';
  for (let node; (node = walker.nextNode()); ) {
    const parent = node.parentElement;
    if (parent.closest(unread)) continue;
    if (!parent.getClientRects().length) continue;  // not shown at this width
    for (const pattern of patterns) {
      const match = node.textContent.match(pattern);
      if (match) found.raw.push(`${match[0]} in "${node.textContent.trim().slice(0, 80)}"`);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("role", [Role.HR_LEAD, Role.ACCOUNT_MANAGER])
def test_every_tab_shows_its_numbers_in_view(live_server, browser, engagement, axe, role):
    build_dashboard_data(engagement, requisitions=40)
    breach = Breach.objects.filter(engagement=engagement).first()
    organization = engagement.client if role == Role.HR_LEAD else engagement.provider
    user = member(organization, role)
    problems = []
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, user)
        for path in PAGES:
            url = f"{live_server.url}/engagements/{engagement.pk}/{path.format(breach=breach.pk)}"
            response = page.goto(url)
            assert response.status == 200, url
            found = page.evaluate(LAYOUT_AND_TEXT)
            where = f"{width} px {path or 'dashboard'}"
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
