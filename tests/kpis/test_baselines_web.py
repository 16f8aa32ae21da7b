"""Baselines on the web and the API (issue 26): outsiders 404, roles 403, forms with errors on
their fields, the tile's and KPI page's "vs baseline", the chart's baseline line, the portfolio
and the QBR pack's "Since go-live" with its arithmetic."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engagements.go_live_services import go_live_initial
from kpis.baselines.improvement import change, delivered, total
from kpis.baselines.models import Baseline, BaselineProposal
from kpis.baselines.services import baseline_propose_entered, baselines_agree
from kpis.models import MetricValue
from reviews.qbr.services import pack_content
from tests.factories import targets_agree

pytestmark = pytest.mark.django_db

ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]
NEGOTIATORS = {"hr_lead", "account_manager"}
ENTERED = {"kpi": "time_to_fill", "value": "60", "source": "benchmark", "source_detail": "Survey"}


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def api(engagement, tail: str = "") -> str:
    return f"/api/v1/engagements/{engagement.pk}/baselines/{tail}"


def page(engagement, tail: str = "") -> str:
    return f"/engagements/{engagement.pk}/kpis/baselines/{tail}"


@pytest.fixture
def live(engagement):
    go_live_initial(engagement=engagement, go_live_date=date(2025, 7, 1))
    engagement.refresh_from_db()
    return engagement


def agreed(engagement, proposer, agreer, kpi="time_to_fill", value="60"):
    proposal = baseline_propose_entered(
        actor=proposer, engagement=engagement, kpi=kpi, value=Decimal(value), source="benchmark"
    )
    return baselines_agree(actor=agreer, proposal=proposal)


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_only_negotiators_propose(live, role, request):
    user = request.getfixturevalue(role)
    client = api_as(user)
    assert client.get(api(live)).status_code == 200
    assert client.get(api(live, "history/")).status_code == 200
    response = client.post(api(live, "entered/"), ENTERED, format="json")
    if role in NEGOTIATORS:
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["state"] == "proposed" and body["baselines"][0]["value"] == "60.000000"
        assert [s["action"] for s in body["steps"]] == ["proposed"]
    else:
        assert response.status_code == 403
        assert BaselineProposal.objects.count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_agree_the_providers_proposal(live, account_manager, role, request):
    proposal = baseline_propose_entered(
        actor=account_manager,
        engagement=live,
        kpi="time_to_fill",
        value=Decimal("60"),
        source="benchmark",
    )
    response = api_as(request.getfixturevalue(role)).post(api(live, f"{proposal.pk}/agree/"))
    proposal.refresh_from_db()
    if role == "hr_lead":
        assert response.status_code == 200 and proposal.state == "agreed"
        (item,) = api_as(account_manager).get(api(live)).json()
        assert item["value"] == "60.000000" and item["proposal_id"] == proposal.pk
    else:
        assert response.status_code == 403 and proposal.state == "proposed"


def test_the_api_refuses_bad_input_with_nothing_written(engagement, hr_lead):
    client = api_as(hr_lead)
    no_go_live = client.post(
        api(engagement, "computed/"), {"window_from": "2025-01", "window_to": "2025-03"}
    )
    assert no_go_live.status_code == 400 and "go-live" in no_go_live.json()["detail"]
    go_live_initial(engagement=engagement, go_live_date=date(2025, 7, 1))
    for body, words in [
        ({"window_from": "2025-05", "window_to": "2025-03"}, "out of order"),
        ({"window_from": "2025-05", "window_to": "2025-07"}, "before go-live"),
        ({"window_from": "2025-13", "window_to": "2025-07"}, "not a month"),
    ]:
        response = client.post(api(engagement, "computed/"), body, format="json")
        assert response.status_code == 400 and words in str(response.json()), response.json()
    unknown = client.post(api(engagement, "entered/"), ENTERED | {"kpi": "nope"}, format="json")
    assert unknown.status_code == 400
    computed = client.post(api(engagement, "entered/"), ENTERED | {"source": "computed"})
    assert computed.status_code == 400
    assert (BaselineProposal.objects.count(), Baseline.objects.count()) == (0, 0)


def test_outsiders_get_404_everywhere(live, account_manager, outsider, login):
    proposal = baseline_propose_entered(
        actor=account_manager,
        engagement=live,
        kpi="time_to_fill",
        value=Decimal("60"),
        source="benchmark",
    )
    client = api_as(outsider)
    for url in (api(live), api(live, "history/")):
        assert client.get(url).status_code == 404
    for url in ("computed/", "entered/", f"{proposal.pk}/agree/", f"{proposal.pk}/reject/"):
        assert client.post(api(live, url), {}).status_code == 404
    web = login(outsider)
    assert web.get(page(live)).status_code == 404
    assert web.post(page(live), {"entered-kpi": "time_to_fill"}).status_code == 404
    assert web.post(page(live, f"{proposal.pk}/agree/")).status_code == 404


# --- the page -----------------------------------------------------------------------------------


def test_a_new_engagement_without_go_live_or_data_shows_the_page(engagement, client_viewer, login):
    response = login(client_viewer).get(page(engagement))
    assert response.status_code == 200
    text = response.content.decode()
    assert "not agreed yet" in text and "Propose baselines from history" not in text


def test_a_viewer_gets_403_on_every_write(live, account_manager, client_viewer, login):
    proposal = baseline_propose_entered(
        actor=account_manager,
        engagement=live,
        kpi="time_to_fill",
        value=Decimal("60"),
        source="benchmark",
    )
    web = login(client_viewer)
    assert web.post(page(live), {"entered-kpi": "time_to_fill"}).status_code == 403
    assert web.post(page(live, f"{proposal.pk}/agree/")).status_code == 403
    assert web.post(page(live, f"{proposal.pk}/reject/")).status_code == 403


def test_the_forms_propose_and_show_errors_on_their_fields(live, hr_lead, account_manager, login):
    web = login(hr_lead)
    bad = web.post(page(live), {"window-window_from": "2025-06", "window-window_to": "2025-08"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "error-summary" in text and 'href="#id_window-window_to"' in text
    assert "before go-live" in text
    order = web.post(page(live), {"window-window_from": "2025-06", "window-window_to": "2025-02"})
    assert order.status_code == 400 and "out of order" in order.content.decode()
    missing = web.post(page(live), {"entered-kpi": "time_to_fill", "entered-source": "benchmark"})
    assert missing.status_code == 400 and 'href="#id_entered-value"' in missing.content.decode()
    assert BaselineProposal.objects.count() == 0
    done = web.post(
        page(live),
        {"entered-kpi": "time_to_fill", "entered-value": "61.5", "entered-source": "benchmark"},
    )
    assert done.status_code == 302
    proposal = BaselineProposal.objects.get()
    answer = login(account_manager).post(page(live, f"{proposal.pk}/agree/"), {"note": "Fine."})
    assert answer.status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "agreed"
    shown = login(hr_lead).get(page(live)).content.decode()
    assert "61.5 days" in shown and "Fine." in shown


# --- where baselines show -----------------------------------------------------------------------


def test_arithmetic_is_on_shown_values():
    cost = delivered(
        "cost_per_hire",
        period="2025-08",
        baseline=5405.4119,
        value=5216.266,
        n=21,
        currency="USD",
    )
    assert cost.amount == Decimal("3971.94")
    assert cost.arithmetic == (
        "(USD\u00a05,405.41 − USD\u00a05,216.27) × 21 hires = USD\u00a03,971.94"
    )
    days = delivered(
        "time_to_fill", period="2025-08", baseline=40.04, value=52.05, n=1, currency=""
    )
    assert days.amount == Decimal("-12.1") and "1 requisition filled" in days.arithmetic
    amount, text = total("cost_per_hire", [cost, cost], "USD")
    assert amount == Decimal("7943.88") and "+ USD" in text
    drop = change("time_to_fill", Decimal("52.0"), 40.04)
    assert drop.delta == Decimal("-12.0") and drop.text == "−12.0 days (better)"
    assert drop.relative == Decimal("-23.1")
    assert change("hires", 10, 20) is None  # a count is a volume, not compared


def test_tile_kpi_page_chart_portfolio_and_pack(sample_engagement, hr_lead, account_manager, login):
    engagement = sample_engagement
    go_live_initial(engagement=engagement, go_live_date=date(2025, 7, 1))
    targets_agree(
        engagement,
        [("time_to_fill", "month", 40, 50, 60)],
        proposer=account_manager,
        agreer=hr_lead,
    )
    agreed(engagement, account_manager, hr_lead, "time_to_fill", "80")
    agreed(engagement, hr_lead, account_manager, "cost_per_hire", "9000")
    web = login(hr_lead)
    latest = (
        MetricValue.objects.filter(
            engagement=engagement, kpi="time_to_fill", grain="month", dimension="all"
        )
        .order_by("-period")
        .first()
    )
    expected = change("time_to_fill", 80, latest.value)
    dashboard = web.get(f"/engagements/{engagement.pk}/?grain=month&period={latest.period}")
    assert f"vs baseline: {expected.text}" in dashboard.content.decode()
    kpi_page = web.get(f"/engagements/{engagement.pk}/kpis/time_to_fill/").content.decode()
    assert ">Baseline 80.0 days</text>" in kpi_page
    assert f"vs baseline: {expected.text}" in kpi_page and expected.arithmetic in kpi_page
    portfolio = web.get("/").content.decode()
    assert "Against baseline:" in portfolio
    content = pack_content(
        engagement=engagement,
        quarter="2025-Q3",
        generated_by="t@example.com",
        generated_at=timezone.now().replace(microsecond=0),
    )
    section = next(s for s in content.sections if s.key == "since_go_live")
    improvement, value_delivered = section.tables
    row = next(r for r in improvement.rows if r[0] == "Time to fill")
    quarter = MetricValue.objects.get(
        engagement=engagement,
        kpi="time_to_fill",
        grain="quarter",
        period="2025-Q3",
        dimension="all",
    )
    assert row[1] == 80.0 and row[4] == float(change("time_to_fill", 80, quarter.value).delta)
    months = MetricValue.objects.filter(
        engagement=engagement,
        kpi="cost_per_hire",
        grain="month",
        dimension="all",
        period__gte="2025-07",
        period__lte="2025-09",
        value__isnull=False,
    ).order_by("period")
    cost_rows = [r for r in value_delivered.rows if r[0] == "Cost per hire"]
    assert len(cost_rows) == months.count() + 1
    expected_total = sum(
        delivered(
            "cost_per_hire",
            period=m.period,
            baseline=9000,
            value=m.value,
            n=m.n,
            currency=engagement.currency,
        ).amount
        for m in months
    )
    assert cost_rows[-1][1] == "Total since go-live"
    assert Decimal(str(cost_rows[-1][5])) == expected_total
    assert cost_rows[0][7].startswith("(")


def test_the_excel_and_pdf_packs_carry_since_go_live(sample_engagement, hr_lead, account_manager):
    import io
    import subprocess

    import openpyxl

    from reviews.qbr.services import qbr_pack_build_now

    go_live_initial(engagement=sample_engagement, go_live_date=date(2025, 7, 1))
    sample_engagement.refresh_from_db()
    agreed(sample_engagement, account_manager, hr_lead, "time_to_hire", "40")
    _, xlsx = qbr_pack_build_now(
        engagement=sample_engagement, quarter="2025-Q3", fmt="xlsx", generated_by="t@example.com"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx))["Since go-live"]
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Total since go-live" in cells
    assert any(isinstance(c, str) and c.startswith("(40.0 days − ") for c in cells)
    _, pdf = qbr_pack_build_now(
        engagement=sample_engagement, quarter="2025-Q3", fmt="pdf", generated_by="t@example.com"
    )
    text = subprocess.run(  # noqa: S603
        ["/usr/bin/pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Since go-live" in text and "Value delivered" in text
