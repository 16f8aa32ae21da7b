"""SCIM 2.0 Users of an organization, with the requests of RFC 7644's examples (sections 3.3,
3.4.2.2, 3.5.1, 3.5.2, 3.6), a token created and revoked by the organization's admin."""

from __future__ import annotations

import json

import pytest

from accounts.models import ApiKey, Membership, Role, User
from accounts.services import api_key_create
from identity import scim
from identity.models import ScimCall
from tests.factories import PASSWORD, UserFactory, member

CT = "application/scim+json"


@pytest.fixture
def org(engagement):
    return engagement.client


@pytest.fixture
def token(org, client_admin):
    return scim.token_create(actor=client_admin, organization=org, name="Okta")[1]


def call(client, method, path, token, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type=CT)
    return getattr(client, method)(path, **kwargs)


def users_url(org, suffix=""):
    return f"/scim/v2/{org.slug}/Users{suffix}"


BJENSEN = {  # RFC 7644, 3.3
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "bjensen@example.com",
    "externalId": "bjensen",
    "name": {
        "formatted": "Ms. Barbara J Jensen III",
        "familyName": "Jensen",
        "givenName": "Barbara",
    },
}


def test_create_get_and_filter_as_in_the_rfc(client, org, token):
    response = call(client, "post", users_url(org), token, BJENSEN)
    assert response.status_code == 201
    body = response.json()
    assert body["userName"] == "bjensen@example.com" and body["active"] is True
    assert response["Location"].endswith(f"/Users/{body['id']}")
    user = User.objects.get(email="bjensen@example.com")
    assert Membership.objects.get(user=user).role == Role.CLIENT_VIEWER
    assert call(client, "get", users_url(org, f"/{body['id']}"), token).json()["id"] == body["id"]
    # 3.4.2.2: filter=userName eq "bjensen"
    listed = client.get(
        users_url(org),
        {"filter": 'userName eq "bjensen@example.com"'},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert listed["totalResults"] == 1 and listed["Resources"][0]["id"] == body["id"]
    none = client.get(
        users_url(org),
        {"filter": 'userName eq "nobody@example.com"'},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    ).json()
    assert none["totalResults"] == 0 and none["Resources"] == []
    # A second create of the same person: 409 uniqueness.
    again = call(client, "post", users_url(org), token, BJENSEN)
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    assert ScimCall.objects.filter(organization=org).count() == 5


def test_patch_active_false_ends_sessions_and_keys_at_once(client, org, token, login):
    leaver = member(org, Role.HR_LEAD, user=UserFactory(email="leaver@example.com"))
    admin = member(org, Role.CLIENT_ADMIN)
    key_row, _ = api_key_create(actor=leaver, organization=org, name="Leaver's sync")
    other_key, _ = api_key_create(actor=admin, organization=org, name="Team sync")
    session = login(leaver)
    assert session.get("/accounts/account/").status_code == 200
    # RFC 7644 3.5.2: PATCH with a PatchOp replacing "active".
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    from django.test import Client

    response = call(Client(), "patch", users_url(org, f"/{leaver.pk}"), token, patch)
    assert response.status_code == 200 and response.json()["active"] is False
    assert session.get("/accounts/account/").status_code == 302  # signed out
    assert not User.objects.get(pk=leaver.pk).is_active
    assert ApiKey.objects.get(pk=key_row.pk).revoked_at is not None
    assert ApiKey.objects.get(pk=other_key.pk).revoked_at is None
    refused = Client().post("/accounts/login/", {"username": leaver.email, "password": PASSWORD})
    assert refused.status_code == 200
    # Reactivation (a PUT with active true) lets them in again.
    body = {**BJENSEN, "userName": leaver.email, "active": True}
    assert call(Client(), "put", users_url(org, f"/{leaver.pk}"), token, body).json()["active"]


def test_delete_deactivates(client, org, token):
    leaver = member(org, Role.HR_LEAD)
    assert call(client, "delete", users_url(org, f"/{leaver.pk}"), token).status_code == 204
    assert not User.objects.get(pk=leaver.pk).is_active


def test_a_revoked_or_wrong_token_gets_401(client, org, token, client_admin):
    assert call(client, "get", users_url(org), "scim_000000000000_wrong").status_code == 401
    assert client.get(users_url(org)).status_code == 401
    saved = scim.ScimToken.objects.get()
    scim.token_revoke(actor=client_admin, token=saved)
    assert call(client, "get", users_url(org), token).status_code == 401


def test_another_organization_s_people_and_token_are_out_of_reach(
    client, org, token, other_engagement, outsider
):
    other = other_engagement.client
    stranger = member(other, Role.HR_LEAD)
    # Org's token on the other organization's endpoint: 401, as for any wrong token.
    assert call(client, "get", users_url(other), token).status_code == 401
    # The other's people are not org's: 404, unchanged.
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    assert call(client, "patch", users_url(org, f"/{stranger.pk}"), token, patch).status_code == 404
    assert User.objects.get(pk=stranger.pk).is_active
    # Someone who belongs to org and to another organization is not org's alone to provision.
    both = member(org, Role.HR_LEAD)
    member(other, Role.HR_LEAD, user=both)
    assert call(client, "get", users_url(org, f"/{both.pk}"), token).status_code == 404
    listed = call(client, "get", users_url(org), token).json()
    assert str(stranger.pk) not in [r["id"] for r in listed["Resources"]]
    assert str(outsider.pk) not in [r["id"] for r in listed["Resources"]]


def test_an_unsupported_filter_is_a_scim_error(client, org, token):
    response = client.get(
        users_url(org), {"filter": 'emails co "x"'}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400 and response.json()["scimType"] == "invalidFilter"


def test_the_admin_creates_and_revokes_a_token_shown_once(login, org, client_admin):
    portal = login(client_admin)
    response = portal.post(f"/organizations/{org.slug}/sign-in/scim-tokens/", {"name": "Okta"})
    assert response.status_code == 200
    shown = response.context["new_scim_token"]
    assert shown.startswith("scim_")
    saved = scim.ScimToken.objects.get()
    assert shown.split("_")[2] not in saved.secret_hash
    assert shown not in portal.get(f"/organizations/{org.slug}/sign-in/").content.decode()
    url = f"/organizations/{org.slug}/sign-in/scim-tokens/{saved.pk}/revoke/"
    assert portal.post(url).status_code == 302
    assert scim.ScimToken.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    "who",
    ["hr_lead", "client_viewer", "provider_admin", "account_manager", "recruiter", "outsider"],
)
def test_only_the_organization_s_admins_manage_tokens(request, login, org, client_admin, who):
    saved, _ = scim.token_create(actor=client_admin, organization=org, name="Okta")
    portal = login(request.getfixturevalue(who))
    expected = 403 if who in ("hr_lead", "client_viewer") else 404
    response = portal.post(f"/organizations/{org.slug}/sign-in/scim-tokens/", {"name": "Mine"})
    assert response.status_code == expected
    url = f"/organizations/{org.slug}/sign-in/scim-tokens/{saved.pk}/revoke/"
    assert portal.post(url).status_code == expected
    assert scim.ScimToken.objects.filter(revoked_at__isnull=True).count() == 1
