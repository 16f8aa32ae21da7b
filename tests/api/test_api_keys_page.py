"""The API keys page: org admins create keys (shown once) and revoke them."""

import re

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Role
from accounts.services import api_key_create
from tests.factories import member

pytestmark = pytest.mark.django_db


def _page(organization):
    return reverse("organizations:api-keys", kwargs={"slug": organization.slug})


def test_admin_creates_a_key_and_sees_it_once(login, engagement, client_admin):
    client = login(client_admin)
    response = client.post(_page(engagement.client), {"name": "Workday", "role": Role.HR_LEAD})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    text = re.search(r'value="(rpo_[^"]+)"', html).group(1)
    api_key = ApiKey.objects.get(organization=engagement.client)
    assert (api_key.name, api_key.role, api_key.created_by) == ("Workday", "hr_lead", client_admin)
    assert text.startswith(f"rpo_{api_key.prefix}_")
    # The key works, and the page never shows it again.
    api_response = client.get(reverse("api:engagement-list"), HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert api_response.status_code == 200
    assert text not in client.get(_page(engagement.client)).content.decode()


def test_role_defaults_to_the_importing_role(login, engagement, provider_admin):
    client = login(provider_admin)
    response = client.get(_page(engagement.provider))
    assert re.search(r'<option value="account_manager" selected>', response.content.decode())
    # Only the provider's own roles are offered.
    assert 'value="client_admin"' not in response.content.decode()
    client.post(_page(engagement.provider), {"name": "ATS", "role": Role.ACCOUNT_MANAGER})
    assert ApiKey.objects.get().role == Role.ACCOUNT_MANAGER


def test_a_role_of_the_other_kind_is_refused(login, engagement, client_admin):
    response = login(client_admin).post(
        _page(engagement.client), {"name": "x", "role": Role.ACCOUNT_MANAGER}
    )
    assert response.status_code == 200
    assert not ApiKey.objects.exists()
    assert "role" in response.context["form"].errors


def test_admin_revokes_a_key(login, api, engagement, client_admin):
    api_key, text = api_key_create(actor=client_admin, organization=engagement.client, name="x")
    url = reverse(
        "organizations:api-key-revoke",
        kwargs={"slug": engagement.client.slug, "key_id": api_key.pk},
    )
    response = login(client_admin).post(url)
    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key.revoked_by == client_admin
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert api.get(reverse("api:engagement-list")).status_code == 401


def test_revoke_over_htmx_returns_the_table(login, engagement, client_admin):
    api_key, _ = api_key_create(actor=client_admin, organization=engagement.client, name="Sync")
    url = reverse(
        "organizations:api-key-revoke",
        kwargs={"slug": engagement.client.slug, "key_id": api_key.pk},
    )
    response = login(client_admin).post(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="api-keys"') and "revoked" in html
    assert "<html" not in html


@pytest.mark.parametrize("role", [Role.HR_LEAD, Role.CLIENT_VIEWER])
def test_non_admin_members_get_403(login, engagement, client_admin, role):
    api_key, _ = api_key_create(actor=client_admin, organization=engagement.client, name="x")
    client = login(member(engagement.client, role))
    assert client.get(_page(engagement.client)).status_code == 403
    assert client.post(_page(engagement.client), {"name": "x"}).status_code == 403
    url = reverse(
        "organizations:api-key-revoke",
        kwargs={"slug": engagement.client.slug, "key_id": api_key.pk},
    )
    assert client.post(url).status_code == 403
    assert ApiKey.objects.get().revoked_at is None


def test_members_of_other_orgs_get_404(login, engagement, client_admin, outsider, provider_admin):
    api_key, _ = api_key_create(actor=client_admin, organization=engagement.client, name="x")
    revoke = reverse(
        "organizations:api-key-revoke",
        kwargs={"slug": engagement.client.slug, "key_id": api_key.pk},
    )
    # The engagement's other party is another organization too.
    for user in (outsider, provider_admin):
        client = login(user)
        assert client.get(_page(engagement.client)).status_code == 404
        assert client.post(revoke).status_code == 404
    assert (
        login(client_admin)
        .get(reverse("organizations:api-keys", kwargs={"slug": "no-such-org"}))
        .status_code
        == 404
    )


def test_an_admin_cannot_revoke_another_orgs_key_through_own_page(
    login, engagement, provider_admin, client_admin
):
    api_key, _ = api_key_create(actor=client_admin, organization=engagement.client, name="x")
    url = reverse(
        "organizations:api-key-revoke",
        kwargs={"slug": engagement.provider.slug, "key_id": api_key.pk},
    )
    assert login(provider_admin).post(url).status_code == 404
    assert ApiKey.objects.get().revoked_at is None


def test_anonymous_is_sent_to_sign_in(client, engagement):
    response = client.get(_page(engagement.client))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admins_see_the_link_others_do_not(login, engagement, client_admin, hr_lead):
    home = reverse("engagements:home")
    assert _page(engagement.client) in login(client_admin).get(home).content.decode()
    assert "API keys" not in login(hr_lead).get(home).content.decode()
