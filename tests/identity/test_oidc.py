"""Single sign-on end to end against a real OpenID Connect provider on loopback (idp.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory

from accounts.models import Membership, Role, User
from identity import services
from identity.models import SignInEvent, SignInOutcome
from tests.factories import PASSWORD, UserFactory, member
from tests.identity import idp
from tests.identity.conftest import (
    IdpBrowser,
    callback_path,
    idp_account,
    query,
    sso_sign_in,
    start,
)

pytestmark = [pytest.mark.urls("tests.identity.idp_urls"), pytest.mark.django_db(transaction=True)]


def signed_in_as(portal: Client) -> User | None:
    response = portal.get("/accounts/account/")
    if response.status_code != 200:
        return None
    return response.context["user"]


def test_a_new_person_of_the_domain_signs_in_and_joins_with_the_least_role(acme):
    portal = Client()
    response = sso_sign_in(portal, "new.hire@acme.example", idp_account("New.Hire@acme.example"))
    assert response.status_code == 302
    user = signed_in_as(portal)
    assert user is not None and user.email == "new.hire@acme.example"
    assert user.full_name == "Pat Example"
    assert not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role) == (acme.organization, Role.CLIENT_VIEWER)
    event = SignInEvent.objects.get(user=user, outcome=SignInOutcome.SIGNED_IN)
    assert event.organization == acme.organization and event.method == "sso"


def test_an_existing_member_signs_in_and_keeps_their_role(acme):
    lead = member(acme.organization, Role.HR_LEAD, user=UserFactory(email="lead@acme.example"))
    portal = Client()
    assert (
        sso_sign_in(portal, "lead@acme.example", idp_account("lead@acme.example")).status_code
        == 302
    )
    assert signed_in_as(portal) == lead
    assert Membership.objects.get(user=lead).role == Role.HR_LEAD
    # The next sign-in reaches the same account through the linked identity.
    portal = Client()
    assert (
        sso_sign_in(portal, "lead@acme.example", idp_account("lead@acme.example")).status_code
        == 302
    )


def test_group_claims_map_to_roles_when_the_admin_says_so(acme):
    services.connection_save(
        actor=acme.admin,
        organization=acme.organization,
        domain="acme.example",
        discovery_url=acme.connection.discovery_url,
        client_id=acme.connection.client_id,
        group_claim="groups",
        role_mapping={"hr": Role.HR_LEAD, "it": Role.CLIENT_ADMIN},
    )
    portal = Client()
    account = idp_account("boss@acme.example", groups=["staff", "hr"])
    assert sso_sign_in(portal, "boss@acme.example", account).status_code == 302
    assert Membership.objects.get(user__email="boss@acme.example").role == Role.HR_LEAD


def test_sign_in_by_email_routes_to_the_domain_s_provider_only(acme):
    portal = Client()
    location = start(portal, "someone@ACME.example")
    params = query(location)
    assert location.startswith(acme.connection.discovery_url)
    assert params["client_id"] == acme.connection.client_id
    assert params["nonce"] and params["state"] and params["code_challenge_method"] == "S256"
    response = portal.post("/sso/start/", {"username": "someone@elsewhere.example"})
    assert response.status_code == 400
    assert "No single sign-on is set up" in response.content.decode()


def test_required_sso_refuses_passwords_except_the_break_glass_admin(acme):
    lead = member(acme.organization, Role.HR_LEAD, user=UserFactory(email="lead@acme.example"))
    services.connection_save(
        actor=acme.admin,
        organization=acme.organization,
        domain="acme.example",
        discovery_url=acme.connection.discovery_url,
        client_id=acme.connection.client_id,
        sso_required=True,
        break_glass_user=acme.admin,
    )
    portal = Client()
    response = portal.post("/accounts/login/", {"username": lead.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "signs in with single sign-on" in response.content.decode()
    assert signed_in_as(portal) is None
    # The backend refuses too, whatever page asks it.
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username=lead.email, password=PASSWORD) is None
    # The break-glass admin still signs in with a password.
    response = portal.post("/accounts/login/", {"username": acme.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(portal) == acme.admin
    # Single sign-on still works for the member.
    portal = Client()
    assert sso_sign_in(portal, lead.email, idp_account(lead.email)).status_code == 302
    assert signed_in_as(portal) == lead


def test_the_password_sign_in_keeps_working_without_sso(acme):
    person = UserFactory(email="someone@elsewhere.example")
    portal = Client()
    response = portal.post("/accounts/login/", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(portal) == person
    assert SignInEvent.objects.filter(user=person, method="password").exists()


@pytest.mark.parametrize("mode", ["other_key", "expired", "forged", "wrong_audience"])
def test_a_bad_id_token_is_refused(acme, mode):
    idp.HOSTILE.update(mode=mode, email="admin@acme.example", audience="portal-someone-else")
    portal = Client()
    response = sso_sign_in(portal, "new.hire@acme.example", idp_account("new.hire@acme.example"))
    assert response.status_code == 401
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(portal) is None
    assert not User.objects.filter(email="new.hire@acme.example").exists()


def test_a_replayed_callback_is_refused(acme):
    """The same code and state a second time: the state was used, the session is new."""
    account = idp_account("new.hire@acme.example")
    portal = Client()
    location = IdpBrowser(account).authorize(start(portal, "new.hire@acme.example"))
    assert portal.get(callback_path(location)).status_code == 302
    portal.post("/accounts/logout/")
    assert signed_in_as(portal) is None
    response = portal.get(callback_path(location))
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(portal) is None
    attacker = Client()
    response = attacker.get(callback_path(location))
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(attacker) is None


def test_a_reused_code_is_refused(acme):
    """A code already redeemed, brought back with a fresh state of the same browser."""
    account = idp_account("new.hire@acme.example")
    portal = Client()
    browser = IdpBrowser(account)
    first = browser.authorize(start(portal, "new.hire@acme.example"))
    assert portal.get(callback_path(first)).status_code == 302
    portal.post("/accounts/logout/")
    second = query(browser.authorize(start(portal, "new.hire@acme.example")))
    code = query(first)["code"]
    path = callback_path(first).split("?")[0]
    response = portal.get(path, {"code": code, "state": second["state"]})
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(portal) is None


def test_an_id_token_with_another_sign_in_s_nonce_is_refused(acme):
    account = idp_account("new.hire@acme.example")
    first_nonce = query(start(Client(), "new.hire@acme.example"))["nonce"]
    idp.HOSTILE.update(mode="old_nonce", nonce=first_nonce)
    portal = Client()
    response = sso_sign_in(portal, "new.hire@acme.example", account)
    assert "Single sign-on failed" in response.content.decode()
    assert signed_in_as(portal) is None
    assert not User.objects.filter(email="new.hire@acme.example").exists()


def test_an_organization_s_provider_cannot_sign_anyone_into_another(acme, beta):
    beta_member = member(
        beta.organization, Role.RECRUITER, user=UserFactory(email="rita@beta.example")
    )
    # Acme's provider asserts an address of Beta's domain: refused.
    portal = Client()
    response = portal.post("/sso/start/", {"username": "x@acme.example"})
    location = IdpBrowser(idp_account("rita@beta.example")).authorize(response["Location"])
    response = portal.get(callback_path(location))
    assert response.status_code == 403
    assert signed_in_as(portal) is None
    # A member of Beta with an address at Acme's domain is not Acme's to sign in.
    odd = member(beta.organization, Role.RECRUITER, user=UserFactory(email="odd@acme.example"))
    portal = Client()
    response = sso_sign_in(portal, odd.email, idp_account(odd.email))
    assert response.status_code == 403
    assert signed_in_as(portal) is None
    assert not Membership.objects.filter(user=odd, organization=acme.organization).exists()
    assert Membership.objects.filter(user=beta_member).count() == 1
    refused = SignInEvent.objects.filter(
        outcome=SignInOutcome.REFUSED, organization=acme.organization
    )
    assert refused.count() == 2


def test_an_unverified_address_is_refused(acme):
    portal = Client()
    account = idp_account("new.hire@acme.example", email_verified=False)
    assert sso_sign_in(portal, "new.hire@acme.example", account).status_code == 403
    assert not User.objects.filter(email="new.hire@acme.example").exists()


def test_a_deactivated_person_is_refused(acme):
    gone = member(acme.organization, Role.HR_LEAD, user=UserFactory(email="gone@acme.example"))
    User.objects.filter(pk=gone.pk).update(is_active=False)
    portal = Client()
    assert sso_sign_in(portal, gone.email, idp_account(gone.email)).status_code == 403
    assert signed_in_as(portal) is None
