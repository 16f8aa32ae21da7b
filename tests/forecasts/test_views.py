"""The hiring forecast's page, CSV, API and the places that include it: every role reads it,
an outsider gets 404, a brand-new engagement shows an empty forecast."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.hiring import add_months
from forecasts.services import forecasts_recompute
from recruiting.models import Application, HiringPlanLine, Requisition
from reviews import services as review_services
from reviews.agenda import agenda_build
from reviews.models import Tier
from reviews.qbr.services import pack_content

ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]


@pytest.fixture
def planned(engagement):
    """A plan well above what the pipeline holds: a forecast gap in Sales."""
    today = timezone.localdate()
    month = today.replace(day=1)
    requisition = Requisition.objects.create(
        engagement=engagement,
        external_id="R1",
        title="Account executive",
        department="Sales",
        opened_on=today - timedelta(days=20),
    )
    Application.objects.create(
        engagement=engagement,
        external_id="A1",
        requisition=requisition,
        candidate_id="C1",
        source="referral",
        applied_on=today - timedelta(days=15),
        offered_on=today - timedelta(days=5),
        offer_outcome="accepted",
        offer_decided_on=today - timedelta(days=3),
    )
    for offset in range(9):
        HiringPlanLine.objects.create(
            engagement=engagement,
            month=add_months(month, offset),
            department="Sales",
            planned_hires=6,
        )
    forecasts_recompute(engagement_ids=[engagement.pk])
    return engagement


def urls(engagement):
    return [
        reverse("forecasts:hiring", args=[engagement.pk]),
        reverse("forecasts:hiring_csv", args=[engagement.pk]),
        reverse("api:forecast-hires", args=[engagement.pk]),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_forecast(request, login, planned, role):
    client = login(request.getfixturevalue(role))
    for url in urls(planned):
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_an_outsider_gets_404(login, planned, outsider):
    client = login(outsider)
    for url in urls(planned):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_page_shows_the_gap(login, planned, client_viewer):
    page = login(client_viewer).get(reverse("forecasts:hiring", args=[planned.pk]))
    text = page.content.decode()
    assert "Gaps by segment" in text
    assert "Department: Sales" in text
    assert "Short" in text
    assert ">None<" not in text and "2026-" not in text.split("<h1")[1].replace('"', "")


@pytest.mark.django_db
def test_csv_rows_and_cells(login, planned, hr_lead):
    response = login(hr_lead).get(reverse("forecasts:hiring_csv", args=[planned.pk]))
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("month,dimension,segment,expected_hires,p10,p90,planned_hires")
    sales = [line for line in lines if ",department,Sales," in line]
    assert len(sales) == 9
    planned_cells = [line.split(",")[6] for line in sales if line.split(",")[6]]
    assert planned_cells and set(planned_cells) == {"6.0"}
    assert 'attachment; filename="hiring-forecast-' in response["Content-Disposition"]


@pytest.mark.django_db
def test_api_rows_and_dimension_filter(login, planned, recruiter):
    client = login(recruiter)
    url = reverse("api:forecast-hires", args=[planned.pk])
    data = client.get(url, {"dimension": "department"}).json()
    assert {row["dimension"] for row in data["rows"]} == {"department"}
    sales = [row for row in data["rows"] if row["segment"] == "Sales" and row["plan"]]
    assert sales[0]["plan"] == 6
    assert sales[0]["gap"] == pytest.approx(sales[0]["expected"] - 6)
    assert client.get(url, {"dimension": "priority"}).status_code == 400


@pytest.mark.django_db
def test_schema_documents_the_endpoint(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/engagements/{engagement_id}/forecast/hires/"]["get"]
    assert operation["summary"] and operation["description"]


@pytest.mark.django_db
def test_a_new_engagement_shows_an_empty_forecast(login, engagement, client_viewer):
    client = login(client_viewer)
    page = client.get(reverse("forecasts:hiring", args=[engagement.pk]))
    assert page.status_code == 200
    assert "No segment has a hiring plan for these quarters" in page.content.decode()
    rows = client.get(reverse("api:forecast-hires", args=[engagement.pk])).json()["rows"]
    assert rows and all(row["expected"] == 0 for row in rows)


@pytest.mark.django_db
def test_dashboard_and_kpi_pages_include_the_forecast(login, planned, hr_lead):
    client = login(hr_lead)
    dashboard = client.get(reverse("engagements:detail", args=[planned.pk])).content.decode()
    assert 'id="forecast-dashboard"' in dashboard and "band-chart" in dashboard
    for kpi, shown in (("hires", True), ("plan_attainment", True), ("time_to_fill", False)):
        page = client.get(reverse("kpis:kpi_detail", args=[planned.pk, kpi])).content.decode()
        assert ('id="forecast-kpi"' in page) is shown, kpi


@pytest.mark.django_db
def test_agendas_and_qbr_pack_include_the_forecast(planned, hr_lead):
    for tier, key in ((Tier.TACTICAL, "hiring_forecast"), (Tier.STRATEGIC, "hiring_outlook")):
        meeting = review_services.meeting_create(
            actor=hr_lead,
            engagement=planned,
            tier=tier,
            title="Review",
            starts_at=timezone.now() + timedelta(days=1),
        )
        section = next(s for s in agenda_build(meeting=meeting)["sections"] if s["key"] == key)
        assert any(row[0] == "Department: Sales" for row in section["rows"])
        assert "against a plan of" in section["note"]
    content = pack_content(
        engagement=planned,
        quarter="2026-Q3",
        generated_by="hr@example.com",
        generated_at=timezone.now(),
    )
    forecast = next(s for s in content.sections if s.key == "hiring_forecast")
    assert forecast.tables[0].rows and forecast.tables[1].rows[0][0] == "Department: Sales"
