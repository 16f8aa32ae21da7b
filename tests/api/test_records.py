"""List and detail endpoints: tenancy, filters, pagination, representation, query counts."""

import pytest
from django.urls import reverse

from accounts.models import Role
from recruiting.api import KINDS
from tests.api.conftest import records_create
from tests.factories import member

pytestmark = pytest.mark.django_db

READ_ROLES = [Role.CLIENT_VIEWER, Role.HR_LEAD, Role.RECRUITER, Role.PROVIDER_ADMIN]
DETAIL_KEYS = {
    "requisitions": "R-000",
    "applications": "A-000",
    "surveys": "S-000",
    "quality": "Q-000",
    "costs": "K-000",
}


def list_url(engagement, kind):
    return reverse(f"api:{kind}-list", kwargs={"engagement_id": engagement.pk})


def detail_url(engagement, kind):
    if KINDS[kind].url_kwarg == "line_id":
        line = KINDS[kind].model.objects.filter(engagement=engagement).first()
        kwargs = {"line_id": line.pk if line else 1}
    else:
        kwargs = {"external_id": DETAIL_KEYS[kind]}
    return reverse(f"api:{kind}-detail", kwargs={"engagement_id": engagement.pk, **kwargs})


def _party(engagement, role):
    if role in (Role.RECRUITER, Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER):
        return engagement.provider
    return engagement.client


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", READ_ROLES)
def test_every_member_role_reads(api, engagement, kind, role):
    records_create(engagement, 2)
    api.force_login(member(_party(engagement, role), role))
    response = api.get(list_url(engagement, kind))
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert api.get(detail_url(engagement, kind)).status_code == 200


@pytest.mark.parametrize("kind", list(KINDS))
def test_outsider_gets_404_on_list_and_detail(api, engagement, outsider, kind):
    records_create(engagement, 1)
    api.force_login(outsider)
    assert api.get(list_url(engagement, kind)).status_code == 404
    assert api.get(detail_url(engagement, kind)).status_code == 404


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_record_of_another_engagement_is_404(api, engagement, other_engagement, hr_lead, kind):
    records_create(other_engagement, 1)
    api.force_login(hr_lead)
    # The same external ids exist, but in the other engagement.
    url = detail_url(engagement, kind)
    if KINDS[kind].url_kwarg == "line_id":
        line = KINDS[kind].model.objects.get(engagement=other_engagement)
        url = reverse(
            f"api:{kind}-detail", kwargs={"engagement_id": engagement.pk, "line_id": line.pk}
        )
    assert api.get(url).status_code == 404
    assert api.get(list_url(engagement, kind)).json()["count"] == 0


def test_engagement_endpoints(api, engagement, other_engagement, hr_lead, outsider):
    api.force_login(hr_lead)
    body = api.get(reverse("api:engagement-list")).json()
    assert [e["id"] for e in body["results"]] == [engagement.pk]
    detail = reverse("api:engagement-detail", kwargs={"engagement_id": engagement.pk})
    response = api.get(detail)
    assert response.json()["client"]["id"] == engagement.client_id
    api.force_login(outsider)
    assert api.get(detail).status_code == 404
    assert [e["id"] for e in api.get(reverse("api:engagement-list")).json()["results"]] == [
        other_engagement.pk
    ]


def test_representation_uses_the_contracts_columns(api, engagement, hr_lead):
    records_create(engagement, 1)
    api.force_login(hr_lead)
    application = api.get(detail_url(engagement, "applications")).json()
    assert application["requisition_id"] == "R-000"
    assert application["offer_decided_on"] == "2025-01-22"
    requisition = api.get(detail_url(engagement, "requisitions")).json()
    assert requisition["status"] == "filled"
    cost = api.get(detail_url(engagement, "costs")).json()
    assert (cost["month"], cost["amount"]) == ("2025-01", "100.50")
    line = api.get(detail_url(engagement, "hiring_plan")).json()
    assert line["month"] == "2025-01" and line["planned_hires"] == 3
    survey = api.get(detail_url(engagement, "surveys")).json()
    assert (survey["requisition_id"], survey["application_id"]) == ("R-000", "A-000")


def test_filters(api, engagement, hr_lead):
    from recruiting.models import Requisition

    records_create(engagement, 3)
    Requisition.objects.filter(external_id="R-001").update(filled_on=None, department="Sales")
    Requisition.objects.filter(external_id="R-002").update(
        filled_on=None, cancelled_on="2025-03-01"
    )
    api.force_login(hr_lead)

    def ids(kind, **params):
        response = api.get(list_url(engagement, kind), params)
        assert response.status_code == 200, response.json()
        return [r.get("external_id", r.get("id")) for r in response.json()["results"]]

    assert ids("requisitions", status="open") == ["R-001"]
    assert ids("requisitions", status="filled") == ["R-000"]
    assert ids("requisitions", status="cancelled") == ["R-002"]
    assert ids("requisitions", department="Sales") == ["R-001"]
    assert ids("requisitions", opened_on_after="2025-01-03") == []
    assert ids("requisitions", opened_on_before="2025-01-02") == ["R-000", "R-001", "R-002"]
    assert ids("applications", department="Sales") == ["A-001"]
    assert ids("applications", requisition_id="R-002") == ["A-002"]
    assert ids("applications", source="agency") == []
    assert ids("applications", hired="true") == ["A-000", "A-001", "A-002"]
    assert ids("applications", hired="false") == []
    assert ids("surveys", respondent="hiring_manager") == []
    assert ids("quality", meets_expectations="true") == ["Q-000", "Q-001", "Q-002"]
    assert ids("costs", month_from="2025-02") == []
    assert ids("costs", month_from="2025-01", month_to="2025-01", category="advertising") == [
        "K-000",
        "K-001",
        "K-002",
    ]
    assert len(ids("hiring_plan", month_to="2025-01")) == 3
    assert api.get(list_url(engagement, "costs"), {"month_from": "2025-1-99"}).status_code == 400
    assert api.get(list_url(engagement, "requisitions"), {"status": "x"}).status_code == 400


def test_pagination(api, engagement, hr_lead):
    records_create(engagement, 5)
    api.force_login(hr_lead)
    body = api.get(list_url(engagement, "requisitions"), {"page_size": 2, "page": 2}).json()
    assert body["count"] == 5
    assert [r["external_id"] for r in body["results"]] == ["R-002", "R-003"]
    assert body["next"] and body["previous"]


def test_odd_ids_are_404_not_errors(api, engagement, hr_lead):
    api.force_login(hr_lead)
    for external_id in ("nul\x00byte", "a/b", "x" * 500):
        url = reverse(
            "api:requisitions-detail",
            kwargs={"engagement_id": engagement.pk, "external_id": external_id},
        )
        assert api.get(url).status_code == 404
    huge = reverse(
        "api:hiring_plan-detail", kwargs={"engagement_id": engagement.pk, "line_id": 10**30}
    )
    assert api.get(huge).status_code == 404
    assert api.get(f"/api/v1/engagements/{10**30}/requisitions/").status_code == 404
    response = api.get(list_url(engagement, "requisitions"), {"department": "a\x00b"})
    assert response.status_code == 400


@pytest.mark.parametrize("kind", list(KINDS))
def test_list_query_count_does_not_grow(api, engagement, hr_lead, count_queries, kind):
    api.force_login(hr_lead)
    url = list_url(engagement, kind)
    records_create(engagement, 1, tag="a")
    api.get(url)  # warm the session and the content types
    few = count_queries(lambda: api.get(url))
    records_create(engagement, 20, tag="b")
    many = count_queries(lambda: api.get(url))
    assert many == few


@pytest.mark.parametrize("kind", list(KINDS))
def test_list_query_count_with_a_key(key_client, engagement, count_queries, kind):
    client = key_client(engagement.client)
    url = list_url(engagement, kind)
    records_create(engagement, 1, tag="a")
    client.get(url)  # records the key's use; the next minute needs no write
    few = count_queries(lambda: client.get(url))
    records_create(engagement, 20, tag="b")
    assert count_queries(lambda: client.get(url)) == few


def test_engagement_list_query_count(api, hr_lead, count_queries, engagement):
    from tests.factories import EngagementFactory

    api.force_login(hr_lead)
    url = reverse("api:engagement-list")
    api.get(url)
    few = count_queries(lambda: api.get(url))
    for _ in range(5):
        EngagementFactory(client=engagement.client)
    assert count_queries(lambda: api.get(url)) == few


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_outsider_gets_404_for_any_method_members_405(api, engagement, outsider, hr_lead, method):
    url = list_url(engagement, "requisitions")
    api.force_login(outsider)
    assert getattr(api, method)(url, {}, format="json").status_code == 404
    api.force_login(hr_lead)
    assert getattr(api, method)(url, {}, format="json").status_code == 405
