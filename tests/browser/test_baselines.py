"""Baselines in Chromium (issue 26): the tiles' "vs baseline", the KPI chart's baseline line,
the baselines page with a proposal to answer, the go-live date on the terms page and the
portfolio, at 1280 and 390 px; every label in its chart, no raw value, axe-clean."""

from datetime import date

import pytest

from accounts.models import Role
from engagements.go_live_services import go_live_initial
from kpis.baselines.services import (
    baseline_propose_entered,
    baselines_agree,
    baselines_propose_computed,
)
from tests.browser.conftest import SCREENSHOTS, WCAG_AA
from tests.browser.test_dashboard import sign_in
from tests.browser.walk import LAYOUT_AND_TEXT
from tests.engagements.conftest import AS_OF, build_dashboard_data
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = ["?period=2025-09", "kpis/time_to_fill/", "kpis/baselines/", "terms/"]


def test_tiles_chart_line_and_pages_at_both_widths(live_server, browser, engagement, axe):
    build_dashboard_data(engagement, requisitions=40)
    go_live_initial(engagement=engagement, go_live_date=date(2025, 7, 1))
    engagement.refresh_from_db()
    client, provider = (
        member(engagement.client, Role.HR_LEAD),
        member(engagement.provider, Role.ACCOUNT_MANAGER),
    )
    computed = baselines_propose_computed(
        actor=provider,
        engagement=engagement,
        window_from=date(2025, 1, 1),
        window_to=date(2025, 6, 1),
        as_of=AS_OF,
    )
    baselines_agree(actor=client, proposal=computed)
    baseline_propose_entered(
        actor=provider,
        engagement=engagement,
        kpi="candidate_nps",
        value=18,
        source="benchmark",
        source_detail="Industry survey 2024",
    )
    problems = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, client)
        for path in [*PAGES, None]:
            url = (
                f"{live_server.url}/"
                if path is None
                else f"{live_server.url}/engagements/{engagement.pk}/{path}"
            )
            assert page.goto(url).status == 200, url
            where = f"{width} px {path or 'portfolio'}"
            found = page.evaluate(LAYOUT_AND_TEXT)
            if found["pageWidth"] > width:
                problems.append(f"{where}: page {found['pageWidth']} px wide")
            problems += [f"{where}: table {t}" for t in found["wideTables"]]
            problems += [f"{where}: chart label {t!r} outside" for t in found["svgTextOutside"]]
            problems += [f"{where}: raw {t}" for t in found["raw"]]
            results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
            if results.violations_count:
                problems.append(f"{where}: {results.generate_report()}")
            if path == PAGES[0]:
                tile = page.locator(".tile", has_text="Time to fill")
                assert "vs baseline:" in tile.inner_text()
                page.locator(".tiles").screenshot(
                    path=str(SCREENSHOTS / f"baseline-tiles-{width}.png")
                )
            if path == PAGES[1]:
                chart = page.locator("figure.trend svg").first
                label = chart.locator("text", has_text="Baseline")
                assert label.count() == 1
                assert chart.locator('line[stroke="#5b3f8c"]').count() == 1
                assert "Baseline before go-live" in chart.locator("desc").text_content()
                assert "vs baseline:" in page.locator(".baseline-note").inner_text()
                page.locator("figure.trend").screenshot(
                    path=str(SCREENSHOTS / f"baseline-chart-{width}.png")
                )
            if path == PAGES[2]:
                assert page.get_by_text("Waiting for the client to answer").count() == 0
                assert page.get_by_role("button", name="Agree").count() == 1
            if path is None:
                assert "Against baseline:" in page.locator("main").inner_text()
        context.close()
    assert not problems, "\n".join(problems)
