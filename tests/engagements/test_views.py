import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import EngagementFactory, member

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("engagements:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_home_lists_only_visible_engagements(login, engagement, other_engagement, account_manager):
    second = EngagementFactory(provider=engagement.provider)
    response = login(account_manager).get(reverse("engagements:home"))
    assert response.status_code == 200
    names = [e.name for e in response.context["engagements"]]
    assert sorted(names) == sorted([engagement.name, second.name])
    assert other_engagement.name not in response.content.decode()


def test_home_query_count_does_not_grow_with_engagements(
    login, engagement, account_manager, count_queries
):
    client = login(account_manager)
    url = reverse("engagements:home")
    few = count_queries(lambda: client.get(url))
    EngagementFactory.create_batch(5, provider=engagement.provider)
    many = count_queries(lambda: client.get(url))
    assert many == few
    assert len(client.get(url).context["engagements"]) == 6


def test_detail_shows_contract_and_team(login, engagement, hr_lead, account_manager):
    response = login(hr_lead).get(reverse("engagements:detail", args=[engagement.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert engagement.client.name in body
    assert account_manager.email in body or str(account_manager) in body
    assert response.context["my_party"] == "client"


def test_detail_for_outsider_is_404(login, engagement, outsider):
    response = login(outsider).get(reverse("engagements:detail", args=[engagement.pk]))
    assert response.status_code == 404


def test_detail_for_read_only_viewer_is_200(login, engagement, client_viewer):
    # The overview is read-only: a viewer sees it (write views answer 403 to viewers).
    response = login(client_viewer).get(reverse("engagements:detail", args=[engagement.pk]))
    assert response.status_code == 200


def test_detail_query_count_does_not_grow_with_team(login, engagement, hr_lead, count_queries):
    client = login(hr_lead)
    url = reverse("engagements:detail", args=[engagement.pk])
    few = count_queries(lambda: client.get(url))
    for _ in range(4):
        member(engagement.provider, Role.RECRUITER)
    assert count_queries(lambda: client.get(url)) == few
