"""API hardening: no mass assignment of tenancy or identity, one error body for every error,
and throttling per key (and per signed-in user)."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role
from recruiting.api import KINDS
from recruiting.models import Requisition
from tests.api.test_bulk import SAMPLE_ORDER, bulk_url, sample_rows
from tests.factories import member

pytestmark = pytest.mark.django_db

# Fields that would move a record to another tenant or overwrite another record.
TENANCY_AND_IDENTITY = [
    "engagement",
    "engagement_id",
    "organization",
    "organization_id",
    "id",
    "pk",
]
WRITE_METHODS = {"post", "put", "patch"}


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if node.get("type") == "array":
        return _resolve(schema, node["items"])
    return node


def write_operations() -> list[tuple[str, str, dict]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in WRITE_METHODS:
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                found.append(
                    (f"{method.upper()} {path}", method, _resolve(schema, media["schema"]))
                )
    return found


WRITES = write_operations()


def test_the_schema_lists_the_write_operations():
    assert len({name for name, _, _ in WRITES}) >= len(KINDS)


@pytest.mark.parametrize(("operation", "method", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_no_write_body_accepts_a_tenant_or_an_id(operation, method, body):
    """Every request body in the schema, including endpoints added later: the engagement
    comes from the URL (through the gate), ids from the server, never from the body."""
    writable = set(body.get("properties", {}))
    assert not writable & set(TENANCY_AND_IDENTITY), (operation, writable)


@pytest.fixture
def loaded(key_client, engagement):
    """The sample in the engagement, and a key allowed to import."""
    client = key_client(engagement.provider, Role.ACCOUNT_MANAGER)
    for kind in SAMPLE_ORDER:
        assert (
            client.post(bulk_url(engagement, kind), sample_rows(kind), format="json").status_code
            == 200
        )
    return client


@pytest.mark.parametrize("kind", SAMPLE_ORDER)
@pytest.mark.parametrize("field", TENANCY_AND_IDENTITY)
def test_a_bulk_row_naming_a_tenant_or_id_is_refused(
    loaded, engagement, other_engagement, kind, field
):
    row = dict(sample_rows(kind)[0])
    before = KINDS[kind].model.objects.filter(engagement=engagement).count()
    value = other_engagement.client_id if "organization" in field else other_engagement.pk
    row[field] = value

    response = loaded.post(bulk_url(engagement, kind), [row], format="json")

    assert response.status_code == 400
    body = response.json()
    assert any(error["field"] == field for error in body["errors"]), body
    assert KINDS[kind].model.objects.filter(engagement=engagement).count() == before
    assert not KINDS[kind].model.objects.filter(engagement=other_engagement).exists()


def assert_error_body(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors", "error_count"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert body["errors"] and body["error_count"] >= len(body["errors"])
    for error in body["errors"]:
        assert set(error) == {"index", "field", "reason"} and error["reason"]
    return body


def test_every_api_error_has_the_one_body(
    api, key_client, make_key, engagement, other_engagement, client_viewer, monkeypatch
):
    from accounts.authentication import BulkRateThrottle, PrincipalRateThrottle

    requisitions = reverse("api:requisitions-list", kwargs={"engagement_id": engagement.pk})
    bulk = bulk_url(engagement, "requisitions")
    importer = key_client(engagement.provider, Role.ACCOUNT_MANAGER)
    viewer = key_client(engagement.client, Role.CLIENT_VIEWER)
    outsider = key_client(other_engagement.provider, Role.ACCOUNT_MANAGER)
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Api-Key rpo_000000000000_nope")

    assert_error_body(api.get(requisitions), 401)  # no credentials
    assert_error_body(wrong.get(requisitions), 401)  # an unknown key
    assert_error_body(viewer.post(bulk, [{"external_id": "R"}], format="json"), 403)
    assert_error_body(outsider.get(requisitions), 404)  # another tenant
    assert_error_body(importer.get(requisitions + "NOPE/"), 404)  # no such record
    assert_error_body(importer.get("/api/v1/nowhere/"), 404)  # no such route
    assert_error_body(importer.delete(requisitions), 405)
    assert_error_body(importer.post(bulk, {"external_id": "R"}, format="multipart"), 415)
    assert_error_body(importer.post(bulk, b"{", content_type="application/json"), 400)
    body = assert_error_body(
        importer.post(
            bulk, [{"external_id": "R", "title": "T", "opened_on": "soon"}], format="json"
        ),
        400,
    )
    assert body["errors"][0]["index"] == 0
    assert_error_body(importer.post(bulk, [], format="json"), 400)

    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "1/minute"})
    monkeypatch.setattr(BulkRateThrottle, "THROTTLE_RATES", {"principal": "1/minute"})
    throttled = key_client(engagement.provider, Role.ACCOUNT_MANAGER)
    assert throttled.get(requisitions).status_code == 200
    limited = throttled.get(requisitions)
    assert_error_body(limited, 429)
    assert int(limited["Retry-After"]) > 0


def test_a_server_error_under_the_api_is_the_error_body(engagement, make_key, monkeypatch):
    """A fault in a view (here: the records query failing) answers 500 with the body."""
    from recruiting import api as recruiting_api

    def fails(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(recruiting_api, "records_of", fails)
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {make_key(engagement.provider)}")
    url = reverse("api:requisitions-list", kwargs={"engagement_id": engagement.pk})
    body = assert_error_body(client.get(url), 500)
    assert "database" not in body["detail"]  # nothing of the fault leaks to the caller


def test_throttled_per_key_not_per_organization(key_client, engagement, monkeypatch):
    from accounts.authentication import PrincipalRateThrottle

    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "2/minute"})
    url = reverse("api:engagement-list")
    first, second = key_client(engagement.client), key_client(engagement.client)
    provider = key_client(engagement.provider)
    assert [first.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert [second.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert provider.get(url).status_code == 200


def test_throttled_per_signed_in_user(api, engagement, hr_lead, monkeypatch):
    from accounts.authentication import PrincipalRateThrottle

    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "2/minute"})
    url = reverse("api:engagement-list")
    api.force_authenticate(hr_lead)
    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 429]
    colleague = APIClient()
    colleague.force_authenticate(member(engagement.client, Role.HR_LEAD))
    assert colleague.get(url).status_code == 200


def test_a_throttled_bulk_writes_nothing(key_client, engagement, monkeypatch):
    from accounts.authentication import BulkRateThrottle

    monkeypatch.setattr(
        BulkRateThrottle, "THROTTLE_RATES", {"principal": "100/minute", "bulk": "1/minute"}
    )
    client = key_client(engagement.provider)
    url = bulk_url(engagement, "requisitions")
    row = {"external_id": "R-9", "title": "Engineer", "opened_on": "2025-01-02"}
    assert client.post(url, [row], format="json").status_code == 200
    assert client.post(url, [{**row, "external_id": "R-10"}], format="json").status_code == 429
    assert list(
        Requisition.objects.filter(engagement=engagement).values_list("external_id", flat=True)
    ) == ["R-9"]
