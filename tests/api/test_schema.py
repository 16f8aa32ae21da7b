"""The OpenAPI schema: valid without warnings, and every operation honours it (schemathesis)."""

import pytest
import schemathesis
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.parameters import ParameterLocation

from tests.api.conftest import records_create

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/engagements/{engagement_id}/requisitions/bulk" in text
    assert "ApiKeyAuth" in text


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # Swagger UI from the sidecar (same origin), its start-up script as a file, not inline.
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html and "cdn" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    policy = docs["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'sha256-" in policy


schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
# Text with a NUL, or not encodable as UTF-8 (a lone surrogate), is refused with 400 by every
# endpoint before any view reads it (`rpo_portal/request_input.py`, docs/architecture.md); JSON
# Schema 3.0 cannot say so of an object's free-form keys, so the generator is told instead.
schema.config.generation.update(allow_x00=False, codec="utf-8")
load_all_checks()
# Every check schemathesis has (`--checks all`): server errors, documented statuses, content
# types, headers and bodies, invalid data refused, valid data accepted, unsupported methods,
# the `Allow` header, authentication enforced.
ALL_CHECKS = list(CHECKS.get_all())


@pytest.fixture
def member_key(engagement, make_key):
    """An account manager's key: it may read everything and import (the bulk endpoints)."""
    records_create(engagement, 3)
    return make_key(engagement.provider, "account_manager")


# The six bulk uploads are left out here: their cells take CSV-style text as well as JSON
# values, which the schema cannot state cell by cell (tests/api/test_bulk.py covers them).
@schema.exclude(path_regex=r"/bulk$").parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_schema(case, live_server, engagement, member_key):
    """Every operation and method, over HTTP against a running server, with an API key: all of
    schemathesis' checks pass, for valid and for invalid requests. Writes land in the test's
    own engagement, which the test database throws away."""
    path_is_valid = case.meta is None or not case.meta.is_negative_at(ParameterLocation.PATH)
    if path_is_valid and "engagement_id" in (case.path_parameters or {}):
        case.path_parameters["engagement_id"] = engagement.pk
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Api-Key {member_key}"},
        checks=ALL_CHECKS,
    )


def test_the_schema_documents_errors_and_non_empty_bulk_bodies():
    document = SchemaGenerator().get_schema(request=None, public=True)
    assert set(document["components"]["schemas"]["Error"]["required"]) == {
        "detail",
        "errors",
        "error_count",
    }
    bulk_bodies = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = [code for code in operation["responses"] if code[0] in "45"]
            assert {"400", "401", "403", "404", "429"} <= set(errors), (path, method)
            for code in errors:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
            if path.endswith("/bulk"):
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert body["minItems"] == 1
                bulk_bodies += 1
    assert bulk_bodies == 8  # the six ATS kinds, and market benchmarks per engagement and shared


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/engagements/{id}/hiring_plan/not-a-number/", 404), ("/api/v1/nowhere/", 404)],
)
def test_unrouted_api_paths_answer_the_error_body(api, engagement, member_key, path, status):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {member_key}")
    response = api.get(path.format(id=engagement.pk))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "errors", "error_count"}


def test_an_empty_bulk_body_is_refused_with_the_error_body(api, engagement, member_key):
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {member_key}")
    response = api.post(f"/api/v1/engagements/{engagement.pk}/requisitions/bulk", [], format="json")
    assert response.status_code == 400
    assert response.json()["error_count"] >= 1 and response.json()["detail"]


INTERNAL_WORDS = ("self.", "tenancy gate", "view finds", "queryset", "serializer")


def test_operations_are_described_for_the_api_users_not_its_code():
    """Every operation has a summary and a description written for the API's users;
    drf-spectacular publishes a view's docstring as its description, so none may leak notes
    meant for the code's readers."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("description"), (path, method)
            text = f"{operation.get('summary')} {operation.get('description', '')}".lower()
            leaked = [word for word in INTERNAL_WORDS if word in text]
            assert not leaked, (path, method, leaked)
