"""The dashboard, each of its panels and the portfolio read a fixed number of queries.

The same with 10 or 1,000 requisitions per engagement and with 2 or 20 engagements.
"""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.engagements.conftest import build_dashboard_data
from tests.factories import EngagementFactory, member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGES = [
    ("engagements:detail", (), {}),
    ("engagements:detail", (), HTMX),  # the panels the filters swap
    ("engagements:panel", ("kpis",), HTMX),
    ("engagements:panel", ("sla",), HTMX),
    ("engagements:panel", ("meetings",), HTMX),
    ("engagements:panel", ("actions",), HTMX),
    ("engagements:panel", ("activity",), HTMX),
    ("engagements:panel", ("freshness",), HTMX),
]


def _counts(client, engagement, count_queries) -> list[int]:
    counts = []
    for name, args, headers in PAGES:
        url = reverse(name, args=[engagement.pk, *args])
        response = client.get(url, {"segment": ""}, **headers)
        assert response.status_code == 200
        counts.append(count_queries(lambda url=url, headers=headers: client.get(url, **headers)))
    return counts


def test_dashboard_queries_do_not_grow_with_requisitions(login, count_queries):
    small, large = EngagementFactory(), EngagementFactory()
    build_dashboard_data(small, requisitions=10, seed=1)
    build_dashboard_data(large, requisitions=1000, seed=2)
    user = member(small.client, Role.HR_LEAD)
    member(large.client, Role.HR_LEAD, user=user)
    client = login(user)
    assert _counts(client, small, count_queries) == _counts(client, large, count_queries)


def _portfolio_queries(client, count_queries) -> int:
    url = reverse("engagements:home")
    assert client.get(url).status_code == 200
    return count_queries(lambda: client.get(url))


def test_portfolio_and_dashboard_queries_do_not_grow_with_engagements(
    login, engagement, count_queries
):
    build_dashboard_data(engagement, requisitions=10)
    manager = member(engagement.provider, Role.ACCOUNT_MANAGER)
    client = login(manager)
    EngagementFactory(provider=engagement.provider)
    two = _portfolio_queries(client, count_queries)
    dashboard_two = _counts(client, engagement, count_queries)
    more = EngagementFactory.create_batch(18, provider=engagement.provider)
    for seed, other in enumerate(more[:3], start=2):  # some with values and actions, some bare
        build_dashboard_data(other, requisitions=5, seed=seed)
    rows = client.get(reverse("engagements:home")).context["rows"]
    assert len(rows) == 20
    assert _portfolio_queries(client, count_queries) == two
    assert _counts(client, engagement, count_queries) == dashboard_two
