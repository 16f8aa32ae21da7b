"""What the schema refuses, the API refuses: bad pages, empty or repeated filters, bad ids and
paths, answered with the one error body rather than clamped, ignored or an HTML page."""

import pytest
from django.test import override_settings

from reviews.quarters import is_quarter
from tests.api.conftest import records_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_api(api, engagement, make_key):
    records_create(engagement, 2)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {make_key(engagement.provider)}")
    return api


def assert_error(response, status: int, field: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors", "error_count"}
    if field is not None:
        assert [error["field"] for error in body["errors"]] == [field]


@pytest.mark.parametrize("value", ["0", "-1", "1001", "5000", "abc", ""])
def test_a_page_size_outside_1_to_1000_is_refused(key_api, engagement, value):
    response = key_api.get(f"/api/v1/engagements/{engagement.pk}/requisitions/?page_size={value}")
    assert_error(response, 400, "page_size")


@pytest.mark.parametrize("value", ["0", "-2", "x"])
def test_a_page_that_is_not_a_whole_number_from_1_is_refused(key_api, engagement, value):
    assert_error(key_api.get(f"/api/v1/engagements/?page={value}"), 400, "page")


def test_pages_within_bounds_are_served(key_api, engagement):
    base = f"/api/v1/engagements/{engagement.pk}/requisitions/"
    first = key_api.get(f"{base}?page_size=1").json()
    assert first["count"] == 2 and len(first["results"]) == 1
    assert len(key_api.get(f"{base}?page_size=1000").json()["results"]) == 2
    assert_error(key_api.get(f"{base}?page=3&page_size=1"), 404)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("opened_on_after=", "opened_on_after"),
        ("department=", "department"),
        ("month_from=", "month_from"),
        ("opened_on_before=01/02/2025", "opened_on_before"),
        ("department=A&department=B", "department"),
    ],
)
def test_empty_or_repeated_filters_are_refused(key_api, engagement, query, field):
    kind = "costs" if field == "month_from" else "requisitions"
    response = key_api.get(f"/api/v1/engagements/{engagement.pk}/{kind}/?{query}")
    assert_error(response, 400, field)


@pytest.mark.parametrize("value", ["null", "1", "yes", "True"])
def test_a_boolean_filter_takes_true_or_false_only(key_api, engagement, value):
    response = key_api.get(f"/api/v1/engagements/{engagement.pk}/applications/?hired={value}")
    assert_error(response, 400, "hired")
    ok = key_api.get(f"/api/v1/engagements/{engagement.pk}/applications/?hired=true")
    assert ok.status_code == 200 and ok.json()["count"] == 2


def test_a_filter_that_takes_several_values_may_repeat(key_api, engagement):
    response = key_api.get(
        f"/api/v1/engagements/{engagement.pk}/breaches/?status=open&status=waived"
    )
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["", "2025-Q5", "0000-Q1", "2025-q1"])
def test_the_ledger_refuses_a_quarter_that_is_not_one(key_api, engagement, value):
    response = key_api.get(f"/api/v1/engagements/{engagement.pk}/sla/ledger/?quarter={value}")
    assert_error(response, 400, "quarter")


def test_a_quarter_is_exactly_year_q_number():
    assert is_quarter("2026-Q1")
    for label in ("2026-Q1\n", "0000-Q1", "２０２６-Q1", " 2026-Q1", "2026-Q5"):
        assert not is_quarter(label), label


@override_settings(DEBUG=True)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/engagements/abc/"),
        ("get", "/api/v1/engagements/-1/"),
        ("get", "/api/v1/engagements/{id}/requisitions/x/y/"),
        ("post", "/api/v1/engagements/-1/requisitions/bulk"),
        ("delete", "/api/v1/nowhere/"),
    ],
)
def test_unrouted_api_paths_answer_json_in_development_too(key_api, engagement, method, path):
    response = getattr(key_api, method)(path.format(id=engagement.pk))
    assert_error(response, 404)


def test_a_missing_trailing_slash_is_pointed_out(key_api, engagement):
    response = key_api.get(f"/api/v1/engagements/{engagement.pk}")
    assert_error(response, 404)
    assert response.json()["detail"].endswith(f"/api/v1/engagements/{engagement.pk}/ ?")
