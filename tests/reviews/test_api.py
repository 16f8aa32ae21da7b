"""The reviews API: reads for members, writes by role, bad input named, outsiders 404."""

from datetime import date

import pytest

from reviews.models import ActionItem, Cadence, Risk

pytestmark = pytest.mark.django_db


def _base(engagement):
    return f"/api/v1/engagements/{engagement.pk}/reviews/"


def test_member_lists_every_resource(login, engagement, client_viewer):
    client = login(client_viewer)
    for part in ["cadences/", "meetings/", "decisions/", "action-items/", "risks/"]:
        response = client.get(_base(engagement) + part)
        assert response.status_code == 200, part
    cadences = client.get(_base(engagement) + "cadences/").json()["results"]
    assert sorted(c["tier"] for c in cadences) == ["operational", "strategic", "tactical"]


def test_outsider_gets_404(login, engagement, outsider):
    client = login(outsider)
    for part in ["cadences/", "meetings/", "action-items/", "risks/"]:
        assert client.get(_base(engagement) + part).status_code == 404
        assert client.post(_base(engagement) + part, {}).status_code == 404


def test_viewer_gets_403_on_writes(login, engagement, client_viewer):
    client = login(client_viewer)
    body = {"title": "x", "owner": client_viewer.pk, "due_date": "2026-05-01"}
    assert client.post(_base(engagement) + "action-items/", body).status_code == 403
    cadence = Cadence.objects.filter(engagement=engagement).first()
    url = f"{_base(engagement)}cadences/{cadence.pk}/"
    assert (
        client.patch(url, {"timezone": "UTC"}, content_type="application/json").status_code == 403
    )


def test_create_and_update_status(login, engagement, account_manager):
    client = login(account_manager)
    created = client.post(
        _base(engagement) + "action-items/",
        {"title": "Refresh job ads", "owner": account_manager.pk, "due_date": "2026-05-01"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["party"] == "provider"
    url = f"{_base(engagement)}action-items/{created.json()['id']}/"
    patched = client.patch(url, {"status": "done"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["completed_at"]
    assert ActionItem.objects.get().status == "done"


def test_bad_input_names_the_field_and_writes_nothing(
    login, engagement, other_engagement, hr_lead, outsider
):
    client = login(hr_lead)
    risk = {
        "title": "Attrition",
        "category": "capacity",
        "likelihood": 6,
        "impact": 3,
        "treatment": "mitigate",
        "owner": hr_lead.pk,
        "next_review_on": "2026-06-01",
    }
    response = client.post(_base(engagement) + "risks/", risk, content_type="application/json")
    assert response.status_code == 400 and "likelihood" in error_fields(response)
    risk["likelihood"] = 2
    risk["owner"] = outsider.pk
    response = client.post(_base(engagement) + "risks/", risk, content_type="application/json")
    assert response.status_code == 400 and "owner" in error_fields(response)
    foreign = Risk.objects.create(
        engagement=other_engagement,
        title="theirs",
        category="delivery",
        likelihood=1,
        impact=1,
        treatment="accept",
        owner=outsider,
        created_by=outsider,
        next_review_on=date(2026, 1, 1),
    )
    item = {"title": "x", "owner": hr_lead.pk, "due_date": "2026-05-01", "risk": foreign.pk}
    response = client.post(
        _base(engagement) + "action-items/", item, content_type="application/json"
    )
    assert response.status_code == 400 and "risk" in error_fields(response)
    cadence = Cadence.objects.get(engagement=engagement, tier="tactical")
    response = client.patch(
        f"{_base(engagement)}cadences/{cadence.pk}/",
        {"timezone": "Atlantis/Capital"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "timezone" in error_fields(response)
    assert not Risk.objects.filter(engagement=engagement).exists()
    assert not ActionItem.objects.exists()


def test_list_query_count_does_not_grow(login, engagement, hr_lead, make_item, count_queries):
    client = login(hr_lead)
    url = _base(engagement) + "action-items/"
    make_item(2)
    client.get(url)
    small = count_queries(lambda: client.get(url))
    make_item(10)
    assert count_queries(lambda: client.get(url)) == small


def error_fields(response) -> set[str]:
    """The fields the API's error body names."""
    return {error["field"] for error in response.json()["errors"]}
