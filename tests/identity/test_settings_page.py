"""The organization's single sign-on page: only its admins see and change it."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from accounts.models import Role
from identity.models import SsoConnection
from tests.factories import UserFactory, member

FORM = {
    "domain": "acme.example",
    "discovery_url": "https://login.acme.example/oauth2/default",
    "client_id": "portal",
    "client_secret": "s3cret-value-never-shown",
    "enabled": "on",
}


@pytest.fixture
def acme_admin(engagement):
    return member(
        engagement.client, Role.CLIENT_ADMIN, user=UserFactory(email="admin@acme.example")
    )


def url(engagement, suffix=""):
    return f"/organizations/{engagement.client.slug}/sign-in/{suffix}"


def test_the_admin_sets_up_sso_and_the_secret_is_never_shown_back(login, engagement, acme_admin):
    portal = login(acme_admin)
    assert portal.get(url(engagement)).status_code == 200
    response = portal.post(url(engagement), FORM)
    assert response.status_code == 302
    connection = SsoConnection.objects.get(organization=engagement.client)
    assert connection.social_app.secret == FORM["client_secret"]
    page = portal.get(url(engagement)).content.decode()
    assert FORM["client_secret"] not in page
    assert "/sso/oidc/org-" in page  # the redirect URI to register
    # Saving without a secret keeps the stored one.
    response = portal.post(url(engagement), {**FORM, "client_secret": "", "client_id": "p2"})
    assert response.status_code == 302
    app = SocialApp.objects.get(pk=connection.social_app_id)
    assert (app.client_id, app.secret) == ("p2", FORM["client_secret"])


def test_the_domain_must_be_the_admin_s_own(login, engagement, acme_admin):
    portal = login(acme_admin)
    response = portal.post(url(engagement), {**FORM, "domain": "gmail.com"})
    assert response.status_code == 200
    assert "Use the domain of your own address" in response.content.decode()
    assert not SsoConnection.objects.exists()


def test_requiring_sso_needs_a_break_glass_admin(login, engagement, acme_admin):
    portal = login(acme_admin)
    response = portal.post(url(engagement), {**FORM, "sso_required": "on"})
    assert "Name the admin who may still use a password" in response.content.decode()
    response = portal.post(
        url(engagement), {**FORM, "sso_required": "on", "break_glass_user": acme_admin.pk}
    )
    assert response.status_code == 302
    assert SsoConnection.objects.get().sso_required


def test_a_bad_role_mapping_is_shown_on_its_field(login, engagement, acme_admin):
    portal = login(acme_admin)
    response = portal.post(url(engagement), {**FORM, "role_mapping": "hr = Recruiter"})
    assert response.status_code == 200
    assert "Line 1" in response.content.decode()


@pytest.mark.parametrize(
    "who", ["hr_lead", "client_viewer", "provider_admin", "account_manager", "recruiter"]
)
def test_other_roles_cannot_see_or_change_it(request, login, engagement, acme_admin, who):
    portal = login(request.getfixturevalue(who))
    expected = 404 if who in ("provider_admin", "account_manager", "recruiter") else 403
    assert portal.get(url(engagement)).status_code == expected
    assert portal.post(url(engagement), FORM).status_code == expected
    assert portal.post(url(engagement, "remove/")).status_code == expected
    assert not SsoConnection.objects.exists()


def test_an_outsider_gets_404(login, engagement, acme_admin, outsider):
    login(acme_admin).post(url(engagement), FORM)
    portal = login(outsider)
    assert portal.get(url(engagement)).status_code == 404
    assert portal.post(url(engagement), {**FORM, "client_id": "evil"}).status_code == 404
    assert portal.post(url(engagement, "remove/")).status_code == 404
    assert SsoConnection.objects.get().client_id == "portal"


def test_the_admin_removes_sso(login, engagement, acme_admin):
    portal = login(acme_admin)
    portal.post(url(engagement), FORM)
    assert portal.post(url(engagement, "remove/")).status_code == 302
    assert not SsoConnection.objects.exists() and not SocialApp.objects.exists()


def test_the_change_appears_in_the_engagement_s_audit_trail(login, engagement, acme_admin):
    from engagements.audit import AuditFilters, audit_events

    login(acme_admin).post(url(engagement), FORM)
    events = audit_events(engagement=engagement, filters=AuditFilters())
    assert any(e.model == "Single sign-on connection" for e in events)
    assert all(FORM["client_secret"] not in str(e.changes) for e in events)


def test_an_unreachable_provider_is_told_on_the_sign_in_page(login, engagement, acme_admin):
    form = {**FORM, "discovery_url": "http://127.0.0.1:9/unreachable"}
    login(acme_admin).post(url(engagement), form)
    login(acme_admin).post("/accounts/logout/")
    response = login(acme_admin).post("/sso/start/", {"username": "hr@acme.example"})
    assert response.status_code == 400
    assert "identity provider could not be reached" in response.content.decode()
