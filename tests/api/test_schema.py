"""The OpenAPI schema: valid without warnings, and every operation honours it (schemathesis)."""

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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
schema.app = get_wsgi_application()


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests through the WSGI app share the test's transaction, as Django's test client does."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def member_key(engagement, make_key):
    """An account manager's key: it may read everything and import (the bulk endpoints)."""
    records_create(engagement, 3)
    return make_key(engagement.provider, "account_manager")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_honours_the_schema(case, engagement, member_key, wsgi_in_test_transaction):
    """Every operation and method: no 5xx, and only documented statuses, content types and
    bodies (errors included)."""
    if "engagement_id" in (case.path_parameters or {}):
        case.path_parameters["engagement_id"] = engagement.pk
    response = case.call(headers={"Authorization": f"Api-Key {member_key}"})
    case.validate_response(response, checks=CHECKS)


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
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method)
            if path.endswith("/bulk"):
                body = operation["requestBody"]["content"]["application/json"]["schema"]
                assert body["minItems"] == 1
                bulk_bodies += 1
    assert bulk_bodies == 6


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
