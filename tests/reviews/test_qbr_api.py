"""The QBR pack API: start a pack, follow its progress, download it; the same tenancy, roles
and expiry as the QBR page, and the one error body when refused."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.models import QbrPack, QbrPackStatus
from reviews.qbr.services import qbr_pack_generate, qbr_pack_start, qbr_packs_expire
from tests.reviews.conftest import QUARTER


def packs_url(engagement) -> str:
    return f"/api/v1/engagements/{engagement.pk}/qbr-packs/"


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"detail", "errors", "error_count"} and body["error_count"] >= 1
    return body


@pytest.fixture
def ready_csv_pack(engagement, hr_lead):
    pack = qbr_pack_start(actor=hr_lead, engagement=engagement, quarter=QUARTER, fmt="csv")
    qbr_pack_generate(pack_id=pack.pk)
    pack.refresh_from_db()
    assert pack.status == QbrPackStatus.READY
    return pack


@pytest.mark.django_db
def test_a_member_starts_a_pack_follows_it_and_downloads_it(qbr_engagement, hr_lead):
    api = as_user(hr_lead)
    response = api.post(
        packs_url(qbr_engagement), {"quarter": QUARTER, "format": "csv"}, format="json"
    )
    assert response.status_code == 202, response.content
    started = response.json()
    assert (started["quarter"], started["format"], started["status"]) == (QUARTER, "csv", "queued")
    assert started["download_url"] is None and started["generated_by"] == str(hr_lead)
    pack = QbrPack.objects.get(pk=started["id"], engagement=qbr_engagement)

    qbr_pack_generate(pack_id=pack.pk)  # what the worker does once the request commits
    status = api.get(f"{packs_url(qbr_engagement)}{pack.pk}/").json()
    assert (status["status"], status["progress"], status["message"]) == ("ready", 100, "Ready")
    assert status["as_of"] == "2025-09-30" and status["filters"] == "grain quarter, segment all"
    assert status["download_url"].endswith(f"{packs_url(qbr_engagement)}{pack.pk}/download/")

    download = api.get(status["download_url"], HTTP_ACCEPT="application/zip")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Cache-Control"] == "private, no-store"
    assert f'filename="qbr-{qbr_engagement.slug}-{QUARTER}.zip"' in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    pack.refresh_from_db()
    assert data == pack.file.open("rb").read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert "07-sla_credits.csv" in names and "16-decisions.csv" in names

    listing = api.get(packs_url(qbr_engagement)).json()
    assert [p["id"] for p in listing["results"]] == [pack.pk]


@pytest.mark.django_db
def test_bad_input_is_refused_with_the_error_body(login, engagement, hr_lead):
    api = as_user(hr_lead)
    for body, field in (
        ({"quarter": "2026-Q5", "format": "pdf"}, "quarter"),
        ({"quarter": "2026-Q1", "format": "docx"}, "format"),
        ({"format": "pdf"}, "quarter"),
    ):
        error = assert_error(api.post(packs_url(engagement), body, format="json"), 400)
        assert [e["field"] for e in error["errors"]] == [field], error
    assert not QbrPack.objects.filter(engagement=engagement).exists()


@pytest.mark.django_db
def test_a_viewer_reads_but_cannot_start_and_an_outsider_gets_404(
    engagement, client_viewer, recruiter, outsider, other_engagement, ready_csv_pack
):
    start = {"quarter": QUARTER, "format": "pdf"}
    detail = f"{packs_url(engagement)}{ready_csv_pack.pk}/"
    viewer = as_user(client_viewer)
    assert_error(viewer.post(packs_url(engagement), start, format="json"), 403)
    assert viewer.get(detail).json()["download_url"]  # every member may download
    assert viewer.get(f"{detail}download/").status_code == 200
    # The roles that may generate a pack on the page may start one here.
    assert as_user(recruiter).post(packs_url(engagement), start, format="json").status_code == 202

    stranger = as_user(outsider)
    for url in (packs_url(engagement), detail, f"{detail}download/"):
        assert_error(stranger.get(url), 404)
    assert_error(stranger.post(packs_url(engagement), start, format="json"), 404)
    # Their own engagement's URL does not reach another engagement's pack either.
    theirs = f"{packs_url(other_engagement)}{ready_csv_pack.pk}/"
    assert_error(stranger.get(theirs), 404)
    assert_error(stranger.get(f"{theirs}download/"), 404)
    assert QbrPack.objects.filter(engagement=engagement).count() == 2


@pytest.mark.django_db
def test_an_expired_pack_is_gone_and_an_unfinished_one_not_ready(
    engagement, hr_lead, ready_csv_pack
):
    api = as_user(hr_lead)
    detail = f"{packs_url(engagement)}{ready_csv_pack.pk}/"
    QbrPack.objects.filter(pk=ready_csv_pack.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert api.get(detail).json()["download_url"] is None
    assert_error(api.get(f"{detail}download/"), 410)
    assert qbr_packs_expire() == 1
    assert api.get(detail).json()["status"] == "expired"
    assert_error(api.get(f"{detail}download/"), 410)

    queued = qbr_pack_start(actor=hr_lead, engagement=engagement, quarter=QUARTER, fmt="xlsx")
    body = assert_error(api.get(f"{packs_url(engagement)}{queued.pk}/download/"), 409)
    assert "not ready" in body["detail"]
