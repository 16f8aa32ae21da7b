"""Self-identified diversity is accepted and counted, but never shown or served per person.

The test walks every page and API response that lists applications (record pages, the import
preview and run, every KPI drill-down, the API's list and detail) and checks that no
application appears with its `diverse` answer.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_key_create
from kpis.models import MetricValue
from recruiting.models import Application
from tests.data import SAMPLE_DIR

pytestmark = pytest.mark.django_db


def _table_headers(html: str) -> set[str]:
    return {
        re.sub(r"<[^>]+>", "", cell).strip().lower()
        for cell in re.findall(r"<th[^>]*>(.*?)</th>", html, flags=re.S)
    }


def _assert_no_diverse_column(html: str, where: str) -> None:
    assert "diverse" not in _table_headers(html), where


def test_pages_never_list_a_diverse_answer(sample_engagement, login, account_manager, hr_lead):
    engagement = sample_engagement
    assert Application.objects.filter(engagement=engagement, diverse__isnull=False).exists()
    for user in (account_manager, hr_lead):
        client = login(user)
        records = client.get(
            reverse("recruiting:records", args=[engagement.pk, "applications"]), {"page": 1}
        )
        assert records.status_code == 200
        _assert_no_diverse_column(records.content.decode(), "records page")
        assert "diverse" not in records.context["columns"]


def test_every_drilldown_shows_counts_not_people(sample_engagement, login, account_manager):
    client = login(account_manager)
    hires = set(
        Application.objects.filter(
            engagement=sample_engagement, started_on__isnull=False
        ).values_list("external_id", flat=True)
    )
    values = MetricValue.objects.filter(engagement=sample_engagement, dimension="all")
    kpis = set(values.values_list("kpi", flat=True))
    assert "diversity_hire_rate" in kpis
    for kpi in kpis:
        for value in values.filter(kpi=kpi, suppressed=False)[:3]:
            page = client.get(reverse("kpis:value_detail", args=[sample_engagement.pk, value.pk]))
            assert page.status_code == 200
            html = page.content.decode()
            _assert_no_diverse_column(html, f"{kpi} {value.period}")
            if kpi == "diversity_hire_rate":
                assert not hires & set(re.findall(r"A-\d{5}-\d{2}", html)), "a hire is listed"
                assert f">{int(value.denominator)}<" in html  # the count is shown


def test_import_preview_and_run_hide_the_answers(engagement, login, account_manager):
    client = login(account_manager)
    requisitions = SimpleUploadedFile(
        "requisitions.csv", (SAMPLE_DIR / "requisitions.csv").read_bytes()
    )
    client.post(reverse("recruiting:import", args=[engagement.pk]), {"file": requisitions})
    run = engagement_runs(engagement).first()
    client.post(reverse("recruiting:import-confirm", args=[engagement.pk, run.pk]))
    applications = SimpleUploadedFile(
        "applications.csv", (SAMPLE_DIR / "applications.csv").read_bytes()
    )
    preview = client.post(
        reverse("recruiting:import", args=[engagement.pk]), {"file": applications}
    )
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.ok and "diverse" not in [name.lower() for name in result.header]
    assert all(len(row) == len(result.header) for row in result.sample)
    _assert_no_diverse_column(preview.content.decode(), "import preview")
    run = engagement_runs(engagement).first()
    page = client.get(reverse("recruiting:import-run", args=[engagement.pk, run.pk]))
    _assert_no_diverse_column(page.content.decode(), "import run")


def engagement_runs(engagement):
    from recruiting.models import ImportRun

    return ImportRun.objects.filter(engagement=engagement).order_by("-pk")


def test_the_api_accepts_the_answer_but_never_serves_it(engagement):
    _, key = api_key_create(
        actor=None, organization=engagement.provider, name="ATS", role=Role.ACCOUNT_MANAGER
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    base = f"/api/v1/engagements/{engagement.pk}"
    api.post(
        f"{base}/requisitions/bulk",
        [{"external_id": "R1", "title": "Engineer", "opened_on": "2025-01-02"}],
        format="json",
    )
    created = api.post(
        f"{base}/applications/bulk",
        [
            {
                "external_id": "A1",
                "requisition_id": "R1",
                "candidate_id": "C1",
                "source": "referral",
                "applied_on": "2025-01-03",
                "diverse": True,
            }
        ],
        format="json",
    )
    assert created.status_code == 200, created.json()
    assert Application.objects.get(engagement=engagement, external_id="A1").diverse is True
    listing = api.get(f"{base}/applications/").json()
    assert listing["count"] == 1 and "diverse" not in listing["results"][0]
    detail = api.get(f"{base}/applications/A1/").json()
    assert detail["external_id"] == "A1" and "diverse" not in detail
    schema = api.get("/api/schema/?format=json").json()
    assert "diverse" not in schema["components"]["schemas"]["Application"]["properties"]
