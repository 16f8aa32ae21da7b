"""A provider's shared benchmarks: the database's own policy (row-level security, as the
application role) and the API. Another provider's engagement, and anyone outside, get nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_key_create
from recruiting.models import MarketBenchmark, ProviderMarketBenchmark
from rpo_portal import tenant_db
from rpo_portal.tenant_db import APP_ROLE
from tests.factories import EngagementFactory, member
from tests.market.conftest import SHARED, import_own, import_shared

pytestmark = pytest.mark.django_db
TABLE = ProviderMarketBenchmark._meta.db_table


class _RolledBack(Exception):
    pass


@contextmanager
def as_application(organization_ids):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
                if organization_ids:
                    tenant_db.set_tenant(organization_ids)
                yield cursor
            raise _RolledBack
    except _RolledBack:
        pass


def seen(cursor) -> int:
    cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608 - the model's table
    return cursor.fetchone()[0]


@pytest.fixture
def shared(engagement):
    import_shared(engagement.provider)
    return engagement


def test_the_table_has_row_level_security_and_its_policies():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relrowsecurity, array_agg(p.polname ORDER BY p.polname) FROM pg_class c"
            " JOIN pg_policy p ON p.polrelid = c.oid WHERE c.relname = %s GROUP BY c.oid",
            [TABLE],
        )
        assert cursor.fetchone() == (True, ["rpo_provider_writes", "rpo_tenant_isolation"])


def test_who_reads_a_providers_rows_in_the_database(shared, another_provider_org):
    engagement = shared
    other = EngagementFactory(client=engagement.client, provider=another_provider_org)
    stranger = EngagementFactory()
    expected = {
        # the provider itself, and the client of one of its engagements
        (engagement.provider_id,): 3,
        (engagement.client_id,): 3,
        # another provider, even one sharing the client; a stranger; no context
        (other.provider_id,): 0,
        (stranger.client_id, stranger.provider_id): 0,
        (): 0,
    }
    for organizations, count in expected.items():
        with as_application(list(organizations)) as cursor:
            assert seen(cursor) == count, organizations


def test_only_the_provider_writes_its_rows_in_the_database(shared):
    engagement = shared
    with as_application([engagement.client_id]) as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
        assert cursor.rowcount == 0  # the client reads them but deletes none
        cursor.execute(f"UPDATE {TABLE} SET value = 1")  # noqa: S608
        assert cursor.rowcount == 0
        with pytest.raises(DatabaseError), transaction.atomic():
            cursor.execute(
                f"INSERT INTO {TABLE} (provider_id, period, job_family, location, metric, value,"  # noqa: S608
                " currency, source, note) VALUES (%s, '2026-10', '', '', 'time_to_fill_days', 1,"
                " '', 'x', '')",
                [engagement.provider_id],
            )
    with as_application([engagement.provider_id]) as cursor:
        cursor.execute(f"UPDATE {TABLE} SET note = 'checked'")  # noqa: S608
        assert cursor.rowcount == 3


def test_an_engagements_own_rows_are_its_parties_only(engagement, other_engagement):
    import_own(engagement)
    with as_application([other_engagement.client_id, other_engagement.provider_id]) as cursor:
        cursor.execute(f"SELECT count(*) FROM {MarketBenchmark._meta.db_table}")  # noqa: S608
        assert cursor.fetchone()[0] == 0


# --- The API of shared benchmarks -----------------------------------------------------------


def list_url(engagement):
    return reverse("api:shared-market-benchmark-list", args=[engagement.provider_id])


def bulk_url(engagement):
    return reverse("api:shared-market-benchmark-bulk", args=[engagement.provider_id])


ROWS = [
    {"period": "2026-10", "metric": "time_to_fill_days", "value": 40, "source": "Index"},
    {"period": "2026-10", "metric": "salary_median", "value": "72000.00", "source": "Index"},
]


def test_the_bulk_endpoint_refuses_bad_rows_then_imports(engagement, account_manager):
    api = APIClient()
    api.force_login(account_manager)
    response = api.post(bulk_url(engagement), ROWS, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 1,
            "field": "currency",
            "reason": "Required for salary_median: the figure is money.",
        }
    ]
    assert not ProviderMarketBenchmark.objects.exists()
    rows = [ROWS[0], {**ROWS[1], "currency": "EUR"}]
    response = api.post(bulk_url(engagement), rows, format="json")
    assert response.json() == {
        "kind": "market_benchmarks",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    response = api.post(bulk_url(engagement), rows, format="json")
    assert response.json()["unchanged"] == 2
    body = api.get(list_url(engagement)).json()
    assert body["count"] == 2


def test_an_api_key_of_the_provider_imports(engagement):
    _, key = api_key_create(
        actor=None, organization=engagement.provider, name="Market feed", role=Role.ACCOUNT_MANAGER
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    rows = [ROWS[0]]
    assert api.post(bulk_url(engagement), rows, format="json").status_code == 200


@pytest.mark.parametrize("role", [Role.CLIENT_ADMIN, Role.HR_LEAD, Role.CLIENT_VIEWER])
def test_a_client_of_the_provider_gets_404(engagement, role):
    import_shared(engagement.provider, SHARED)
    api = APIClient()
    api.force_login(member(engagement.client, role))
    assert api.get(list_url(engagement)).status_code == 404
    assert api.post(bulk_url(engagement), [ROWS[0]], format="json").status_code == 404


def test_an_outsider_gets_404_and_a_recruiter_403(engagement, outsider, recruiter, provider_admin):
    api = APIClient()
    api.force_login(outsider)
    assert api.get(list_url(engagement)).status_code == 404
    assert api.post(bulk_url(engagement), [ROWS[0]], format="json").status_code == 404
    api.force_login(recruiter)
    assert api.get(list_url(engagement)).status_code == 200
    assert api.post(bulk_url(engagement), [ROWS[0]], format="json").status_code == 403
    api.force_login(provider_admin)
    assert api.post(bulk_url(engagement), [ROWS[0]], format="json").status_code == 200
    assert ProviderMarketBenchmark.objects.count() == 1


def test_a_client_organizations_id_is_no_provider(engagement, client_admin):
    api = APIClient()
    api.force_login(client_admin)
    url = reverse("api:shared-market-benchmark-list", args=[engagement.client_id])
    assert api.get(url).status_code == 404
