"""Input no page or endpoint can use answers 400 (or a normal page), never 500; and nothing is
stored that a spreadsheet would run as a formula."""

import json
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from bench import hostile_files
from kpis.api import MetricValueFilter
from recruiting import api as recruiting_api
from recruiting import contract
from rpo_portal.request_input import MAX_JSON_DEPTH
from rpo_portal.text_rules import FORMULA_CHARACTERS
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(engagement):
    return member(engagement.provider, "account_manager")


@pytest.fixture
def web(manager):
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def api(manager):
    client = APIClient()
    client.force_authenticate(manager)
    return client


def bulk(api, engagement, body: bytes, kind: str = "requisitions"):
    url = reverse(f"api:{kind}-bulk", kwargs={"engagement_id": engagement.pk})
    return api.post(url, body, content_type="application/json")


def test_a_nul_in_the_segment_filter_is_a_400(web, engagement):
    url = reverse("kpis:overview", kwargs={"engagement_id": engagement.pk})
    response = web.get(url + "?segment=department:%00")
    assert response.status_code == 400
    assert "contains a NUL character" in response.content.decode()


def test_a_nul_in_an_api_filter_is_a_400_with_the_api_error_body(api, engagement):
    url = reverse("api:requisitions-list", kwargs={"engagement_id": engagement.pk})
    response = api.get(url + "?department=%00")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "The query parameter 'department' contains a NUL character."
    assert set(body) == {"detail", "errors", "error_count"}


def test_a_lone_surrogate_in_a_bulk_body_is_a_400(api, engagement):
    body = b'[{"external_id": "R1", "title": "X\\ud800", "opened_on": "2025-01-10"}]'
    response = bulk(api, engagement, body)
    assert response.status_code == 400
    reason = (
        "JSON parse error - a value contains a lone surrogate, which is not a Unicode character"
    )
    assert response.json() == {
        "detail": reason,
        "errors": [{"index": None, "field": None, "reason": reason}],
        "error_count": 1,
    }


def test_a_lone_surrogate_in_a_key_is_a_400(api, engagement):
    response = bulk(api, engagement, b'[{"external_id\\udfff": "R1"}]')
    assert response.status_code == 400
    assert "a key contains a lone surrogate" in response.json()["errors"][0]["reason"]


def test_a_nul_in_a_bulk_key_is_a_400(api, engagement):
    response = bulk(api, engagement, b'[{"title\\u0000": "R1"}]')
    assert response.status_code == 400
    assert "a key contains a NUL character" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_an_over_deep_bulk_body_is_a_400(api, engagement, depth):
    response = bulk(api, engagement, hostile_files.deep_json(depth))
    assert response.status_code == 400
    reason = response.json()["errors"][0]["reason"]
    assert reason == f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep"


def test_an_over_deep_body_elsewhere_in_the_api_is_a_400(api, engagement):
    # The same parser serves every JSON endpoint.
    url = reverse("api:engagement-list")
    response = api.post(url, hostile_files.deep_json(100_000), content_type="application/json")
    assert response.status_code in (400, 405)


# --- Property: every page filter and bulk endpoint ----------------------------------------------

HOSTILE_CHARACTERS = "\x00\ud800\udfff \u00a0\u2003\t\r=+@-a1:%"
HOSTILE_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), max_size=12),
    st.builds(
        lambda head, tail: head + tail,
        st.sampled_from(["department:", "location:", "month", "Sales", ""]),
        st.text(alphabet=st.sampled_from(HOSTILE_CHARACTERS), max_size=6),
    ),
    st.text(max_size=12),
)
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def page_filters(engagement) -> list[tuple[str, list[str]]]:
    """Every page and API list with the query parameters it reads."""
    e = {"engagement_id": engagement.pk}
    pages = [
        (reverse("kpis:overview", kwargs=e), ["grain", "segment"]),
        (reverse("kpis:kpi_detail", kwargs={**e, "kpi": "time_to_fill"}), ["grain", "segment"]),
        (reverse("recruiting:records", kwargs={**e, "kind": "requisitions"}), ["page"]),
        (reverse("recruiting:import-history", kwargs=e), ["page"]),
        (reverse("recruiting:data", kwargs=e), ["page"]),
        (reverse("api:metric-list", kwargs=e), [*MetricValueFilter.base_filters, "page"]),
        (reverse("api:engagement-list"), ["page"]),
    ]
    for kind, spec in recruiting_api.KINDS.items():
        url = reverse(f"api:{kind}-list", kwargs=e)
        pages.append((url, [*spec.filterset.base_filters, "page", "page_size"]))
    return pages


@settings(HYPOTHESIS, max_examples=8)
@given(value=HOSTILE_TEXT, name=HOSTILE_TEXT)
@example(value="department:\x00", name="grain")
@example(value="\ud800", name="x\x00")
def test_no_page_filter_answers_500(web, engagement, value, name):
    for url, parameters in page_filters(engagement):
        for parameter in [*parameters, name]:
            # Percent-encoded as a browser would send the bytes (a surrogate as its UTF-8
            # encoding, which no decoder accepts).
            query = "=".join(quote(t, safe="", errors="surrogatepass") for t in (parameter, value))
            response = web.get(f"{url}?{query}")
            assert response.status_code in (200, 400, 404), (url, parameter, value)


def stored_texts(engagement) -> list[str]:
    from recruiting.models import Application, Cost, HiringPlanLine, MarketBenchmark, Requisition

    texts = []
    for model, fields in (
        (Requisition, ["external_id", "title", "department", "recruiter", "hiring_manager"]),
        (Application, ["external_id", "candidate_id"]),
        (Cost, ["external_id", "note"]),
        (HiringPlanLine, ["department", "location", "job_family"]),
        (MarketBenchmark, ["job_family", "location", "source", "note"]),
    ):
        for row in model.objects.filter(engagement=engagement).values_list(*fields):
            texts += row
    return texts


ROWS = {
    "requisitions": {"external_id": "R1", "title": "T", "opened_on": "2025-01-10"},
    "applications": {
        "external_id": "A1",
        "requisition_id": "R1",
        "candidate_id": "C1",
        "source": "referral",
        "applied_on": "2025-01-11",
    },
    "costs": {"external_id": "K1", "month": "2025-01", "category": "advertising", "amount": "1"},
    "hiring_plan": {"month": "2025-01", "department": "D", "planned_hires": 1},
    "market_benchmarks": {
        "period": "2025-01",
        "metric": "time_to_fill_days",
        "value": 40,
        "source": "S",
    },
    "surveys": {
        "external_id": "S1",
        "respondent": "candidate",
        "responded_on": "2025-01-12",
        "score": 9,
    },
    "quality": {
        "external_id": "Q1",
        "application_id": "A1",
        "reviewed_on": "2025-05-01",
        "meets_expectations": True,
    },
}


@HYPOTHESIS
@given(
    kind=st.sampled_from(list(contract.KINDS)),
    column=st.sampled_from(["external_id", "title", "candidate_id", "note", "department", "x"]),
    value=HOSTILE_TEXT,
)
@example(kind="requisitions", column="title", value=" =HYPERLINK(1)")
@example(kind="requisitions", column="title", value="X\ud800")
def test_no_bulk_endpoint_answers_500_or_stores_a_formula(api, engagement, kind, column, value):
    if kind in ("applications", "quality", "surveys"):
        bulk(api, engagement, json.dumps([ROWS["requisitions"]]).encode())
    if kind == "quality":
        bulk(api, engagement, json.dumps([ROWS["applications"]]).encode(), "applications")
    row = {**ROWS[kind], column: value}
    body = json.dumps([row]).encode()
    response = bulk(api, engagement, body, kind)
    assert response.status_code in (200, 400), response.content
    response.json()  # the body is valid JSON, whatever the input held
    stored = stored_texts(engagement)
    assert not [t for t in stored if t and t.strip().startswith(FORMULA_CHARACTERS)]
    assert not [t for t in stored if "\x00" in t]
