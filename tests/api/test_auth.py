"""Session and API-key authentication, and what a key may reach."""

import pytest
from django.urls import reverse

from accounts.authentication import ApiKeyPrincipal
from accounts.models import ApiKey, Role
from accounts.services import api_key_create, api_key_revoke
from recruiting.models import Requisition
from tests.api.conftest import records_create

pytestmark = pytest.mark.django_db


def _requisitions(engagement):
    return reverse("api:requisitions-list", kwargs={"engagement_id": engagement.pk})


def test_anonymous_gets_401_with_the_scheme(api, engagement):
    response = api.get(_requisitions(engagement))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Api-Key")


def test_session_auth_for_the_browser(api, engagement, hr_lead):
    records_create(engagement, 2)
    api.force_login(hr_lead)
    response = api.get(_requisitions(engagement))
    assert response.status_code == 200
    assert [r["external_id"] for r in response.json()["results"]] == ["R-000", "R-001"]


@pytest.mark.parametrize("keyword", ["Api-Key", "Bearer", "api-key"])
def test_key_auth_with_either_keyword(api, make_key, engagement, keyword):
    records_create(engagement, 1)
    api.credentials(HTTP_AUTHORIZATION=f"{keyword} {make_key(engagement.client)}")
    response = api.get(_requisitions(engagement))
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_provider_key_reads_its_engagements(key_client, engagement, other_engagement):
    client = key_client(engagement.provider)
    ids = [e["id"] for e in client.get(reverse("api:engagement-list")).json()["results"]]
    assert ids == [engagement.pk]


@pytest.mark.parametrize(
    "text",
    [
        "rpo_000000000000_nope",
        "not-a-key",
        "rpo_only-two-parts",
        "",
    ],
)
def test_wrong_key_401(api, make_key, engagement, text):
    real = make_key(engagement.client)
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}".strip())
    assert api.get(_requisitions(engagement)).status_code == 401
    # A real prefix with a wrong secret is refused too.
    prefix = real.split("_")[1]
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key rpo_{prefix}_{'x' * 43}")
    assert api.get(_requisitions(engagement)).status_code == 401


def test_revoked_key_stops_working_at_once(api, engagement, client_admin):
    api_key, text = api_key_create(actor=client_admin, organization=engagement.client, name="ATS")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert api.get(_requisitions(engagement)).status_code == 200
    api_key_revoke(actor=client_admin, api_key=api_key)
    response = api.get(_requisitions(engagement))
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_key_of_another_organization_gets_404(key_client, engagement, other_engagement):
    records_create(engagement, 1)
    for organization in (other_engagement.client, other_engagement.provider):
        client = key_client(organization)
        for name in ("api:engagement-detail", "api:requisitions-list"):
            url = reverse(name, kwargs={"engagement_id": engagement.pk})
            assert client.get(url).status_code == 404, (organization, name)
        detail = reverse(
            "api:requisitions-detail",
            kwargs={"engagement_id": engagement.pk, "external_id": "R-000"},
        )
        assert client.get(detail).status_code == 404
        bulk = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
        response = client.post(bulk, [{"external_id": "X"}], format="json")
        assert response.status_code == 404
    assert not Requisition.objects.filter(external_id="X").exists()


def test_key_with_read_only_role_gets_403_on_bulk(key_client, engagement):
    client = key_client(engagement.client, Role.CLIENT_VIEWER)
    assert client.get(_requisitions(engagement)).status_code == 200
    bulk = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
    assert client.post(bulk, [], format="json").status_code == 403


def test_key_role_must_belong_to_its_organization(engagement):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_key_create(
            actor=None, organization=engagement.client, name="x", role=Role.ACCOUNT_MANAGER
        )


def test_default_roles_can_import(engagement):
    client_key, _ = api_key_create(actor=None, organization=engagement.client, name="c")
    provider_key, _ = api_key_create(actor=None, organization=engagement.provider, name="p")
    assert client_key.role == Role.CLIENT_ADMIN
    assert provider_key.role == Role.ACCOUNT_MANAGER
    for api_key in (client_key, provider_key):
        assert ApiKeyPrincipal(api_key).has_perm("recruiting.import_data", engagement)


def test_only_a_hash_is_stored(engagement):
    api_key, text = api_key_create(actor=None, organization=engagement.client, name="c")
    stored = ApiKey.objects.get(pk=api_key.pk)
    secret = text.split("_", 2)[2]
    assert len(secret) >= 43  # 32 random bytes
    assert secret not in stored.secret_hash and text not in str(stored.__dict__)


def test_last_used_is_recorded_once_a_minute(api, engagement, count_queries, time_machine):
    api_key, text = api_key_create(actor=None, organization=engagement.client, name="c")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    url = reverse("api:engagement-list")
    time_machine.move_to("2026-03-02 10:00:00Z")
    api.get(url)
    api_key.refresh_from_db()
    first = api_key.last_used_at
    assert first is not None
    time_machine.move_to("2026-03-02 10:00:30Z")
    api.get(url)
    api_key.refresh_from_db()
    assert api_key.last_used_at == first
    time_machine.move_to("2026-03-02 10:02:00Z")
    api.get(url)
    api_key.refresh_from_db()
    assert api_key.last_used_at > first


def test_key_principal_label_names_the_key(engagement):
    api_key, _ = api_key_create(actor=None, organization=engagement.client, name="Workday")
    principal = ApiKeyPrincipal(api_key)
    assert "Workday" in str(principal) and engagement.client.name in principal.label
    assert principal.is_authenticated and principal._org_roles == {
        engagement.client_id: Role.CLIENT_ADMIN
    }


def test_throttled_per_key(key_client, engagement, monkeypatch):
    from accounts.authentication import PrincipalRateThrottle

    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "3/minute"})
    client = key_client(engagement.client)
    other = key_client(engagement.client)
    url = reverse("api:engagement-list")
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert other.get(url).status_code == 200  # another key has its own budget
