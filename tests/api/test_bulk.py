"""Bulk upserts: all or nothing, errors by index/field/reason, idempotent, and the sample set."""

import csv

import pytest
from django.urls import reverse

from accounts.models import Role
from recruiting.api import KINDS
from recruiting.models import Application, ImportRun, Requisition
from tests.data import SAMPLE_DIR
from tests.factories import member
from tests.kpis.freshness import data_changed_at

pytestmark = pytest.mark.django_db

SAMPLE = SAMPLE_DIR
# References point backwards in this order.
SAMPLE_ORDER = ["requisitions", "applications", "surveys", "quality", "costs", "hiring_plan"]


def bulk_url(engagement, kind):
    return reverse(f"api:{kind}-bulk", kwargs={"engagement_id": engagement.pk})


def sample_rows(kind: str) -> list[dict]:
    """A sample file's rows as JSON objects: blank cells are null."""
    with (SAMPLE / f"{kind}.csv").open(newline="", encoding="utf-8-sig") as f:
        return [{k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(f)]


REQUISITION = {"external_id": "R-1", "title": "Engineer", "opened_on": "2025-01-02"}


def test_bulk_creates_then_updates_then_changes_nothing(key_client, engagement):
    client = key_client(engagement.provider)
    url = bulk_url(engagement, "requisitions")
    rows = [REQUISITION, {**REQUISITION, "external_id": "R-2", "openings": 2}]
    response = client.post(url, rows, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"kind": "requisitions", "created": 2, "updated": 0, "unchanged": 0}
    rows[0] = {**REQUISITION, "title": "Senior engineer", "filled_on": "2025-02-01"}
    response = client.post(url, rows, format="json")
    assert response.json() == {"kind": "requisitions", "created": 0, "updated": 1, "unchanged": 1}
    response = client.post(url, rows, format="json")
    assert response.json() == {"kind": "requisitions", "created": 0, "updated": 0, "unchanged": 2}
    requisition = Requisition.objects.get(engagement=engagement, external_id="R-1")
    assert (requisition.title, requisition.status) == ("Senior engineer", "filled")
    assert data_changed_at(engagement) is not None


def test_json_numbers_and_booleans_are_cells(key_client, engagement):
    client = key_client(engagement.client)
    client.post(bulk_url(engagement, "requisitions"), [REQUISITION], format="json")
    row = {
        "external_id": "A-1",
        "requisition_id": "R-1",
        "candidate_id": "C-1",
        "source": "referral",
        "applied_on": "2025-01-03",
        "diverse": True,
    }
    response = client.post(bulk_url(engagement, "applications"), [row], format="json")
    assert response.status_code == 200, response.json()
    assert Application.objects.get(engagement=engagement).diverse is True


def test_any_error_writes_nothing_and_lists_every_error(key_client, engagement):
    client = key_client(engagement.provider)
    rows = [
        REQUISITION,
        {"external_id": "R-2", "title": "Analyst", "opened_on": "2025-13-01"},
        {**REQUISITION, "external_id": "R-3", "filled_on": "2024-12-01"},
        {**REQUISITION, "external_id": "R-4", "colour": "blue"},
    ]
    response = client.post(bulk_url(engagement, "requisitions"), rows, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"detail", "errors", "error_count"}
    assert body["error_count"] == len(body["errors"]) >= 3
    for error in body["errors"]:
        assert set(error) == {"index", "field", "reason"} and error["reason"]
    located = {(e["index"], e["field"]) for e in body["errors"]}
    assert (1, "opened_on") in located
    assert (2, "filled_on") in located
    assert any(e["field"] == "colour" for e in body["errors"])
    assert not Requisition.objects.filter(engagement=engagement).exists()
    assert ImportRun.objects.get(engagement=engagement).status == "failed"


def test_references_to_another_engagements_records_are_errors(
    key_client, engagement, other_engagement
):
    key_client(other_engagement.provider).post(
        bulk_url(other_engagement, "requisitions"), [REQUISITION], format="json"
    )
    row = {
        "external_id": "A-1",
        "requisition_id": "R-1",
        "candidate_id": "C-1",
        "source": "referral",
        "applied_on": "2025-01-03",
    }
    response = key_client(engagement.provider).post(
        bulk_url(engagement, "applications"), [row], format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["index"] == 0
    assert response.json()["errors"][0]["field"] == "requisition_id"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ({"external_id": "R-1"}, "application/json"),
        ([1, 2], "application/json"),
        ([], "application/json"),
        ("[{", "application/json"),
    ],
)
def test_body_shape_errors_are_in_the_same_format(key_client, engagement, body, content_type):
    client = key_client(engagement.provider)
    url = bulk_url(engagement, "requisitions")
    if isinstance(body, str):
        response = client.generic("POST", url, body, content_type=content_type)
    else:
        response = client.post(url, body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and all(set(e) == {"index", "field", "reason"} for e in errors)


def test_a_form_post_is_refused(key_client, engagement):
    response = key_client(engagement.provider).post(
        bulk_url(engagement, "requisitions"), {"external_id": "R-1"}
    )
    assert response.status_code == 415


def test_import_history_names_the_key(key_client, engagement):
    key_client(engagement.provider).post(
        bulk_url(engagement, "requisitions"), [REQUISITION], format="json"
    )
    run = ImportRun.objects.get(engagement=engagement)
    assert run.source == "api" and run.user is None
    assert "ATS sync" in run.actor_label and engagement.provider.name in run.actor_label


def test_session_user_bulk_is_recorded_as_the_user(api, engagement, account_manager):
    api.force_login(account_manager)
    response = api.post(bulk_url(engagement, "requisitions"), [REQUISITION], format="json")
    assert response.status_code == 200
    assert ImportRun.objects.get(engagement=engagement).user == account_manager


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", [Role.HR_LEAD, Role.CLIENT_VIEWER, Role.RECRUITER])
def test_roles_without_import_get_403(api, engagement, kind, role):
    organization = engagement.provider if role == Role.RECRUITER else engagement.client
    api.force_login(member(organization, role))
    assert api.post(bulk_url(engagement, kind), [], format="json").status_code == 403


@pytest.mark.parametrize("kind", list(KINDS))
def test_outsider_gets_404(api, engagement, outsider, kind):
    api.force_login(outsider)
    assert api.post(bulk_url(engagement, kind), [], format="json").status_code == 404


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.CLIENT_ADMIN])
def test_importing_roles_may_bulk(api, engagement, role):
    organization = engagement.client if role == Role.CLIENT_ADMIN else engagement.provider
    api.force_login(member(organization, role))
    response = api.post(bulk_url(engagement, "requisitions"), [REQUISITION], format="json")
    assert response.status_code == 200


def test_the_sample_loads_with_exact_counts_and_reloads_unchanged(key_client, engagement):
    client = key_client(engagement.provider)
    expected = {kind: len(sample_rows(kind)) for kind in SAMPLE_ORDER}
    assert all(expected.values())
    for kind in SAMPLE_ORDER:
        response = client.post(bulk_url(engagement, kind), sample_rows(kind), format="json")
        assert response.status_code == 200, (kind, response.json())
        assert response.json() == {
            "kind": kind,
            "created": expected[kind],
            "updated": 0,
            "unchanged": 0,
        }
    for kind in SAMPLE_ORDER:
        model = KINDS[kind].model
        assert model.objects.filter(engagement=engagement).count() == expected[kind], kind
        list_url = reverse(f"api:{kind}-list", kwargs={"engagement_id": engagement.pk})
        assert client.get(list_url).json()["count"] == expected[kind]
    for kind in SAMPLE_ORDER:
        response = client.post(bulk_url(engagement, kind), sample_rows(kind), format="json")
        assert response.json()["unchanged"] == expected[kind], kind
        assert response.json()["created"] == response.json()["updated"] == 0
    assert data_changed_at(engagement) is not None


def test_bulk_has_its_own_throttle(key_client, engagement, monkeypatch):
    from accounts.authentication import BulkRateThrottle

    monkeypatch.setattr(
        BulkRateThrottle, "THROTTLE_RATES", {"principal": "100/minute", "bulk": "2/minute"}
    )
    client = key_client(engagement.provider)
    url = bulk_url(engagement, "requisitions")
    codes = [client.post(url, [REQUISITION], format="json").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
