"""The OpenAPI schema: valid without warnings, and the read endpoints honour it (schemathesis)."""

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
read_schema = schema.include(method="GET")


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
    records_create(engagement, 3)
    return make_key(engagement.client, "client_viewer")


@read_schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_read_endpoints_honour_the_schema(case, engagement, member_key, wsgi_in_test_transaction):
    if "engagement_id" in (case.path_parameters or {}):
        case.path_parameters["engagement_id"] = engagement.pk
    response = case.call(headers={"Authorization": f"Api-Key {member_key}"})
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
