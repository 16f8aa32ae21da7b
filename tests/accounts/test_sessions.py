"""Sessions: a new key at sign-in, signing out everywhere, deactivation ending sessions at once."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts.services import user_deactivate, user_sign_out_everywhere
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("engagements:home")
ENGAGEMENTS_API = reverse("api:engagement-list")


def signed_in(user) -> Client:
    """A browser that signed in through the real form (not force_login)."""
    browser = Client()
    response = browser.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    assert browser.get(HOME).status_code == 200
    return browser


def is_signed_out(browser: Client) -> bool:
    response = browser.get(HOME)
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


def test_signing_in_gives_a_new_session_key(hr_lead):
    browser = Client()
    session = browser.session  # an anonymous session, as a visitor may have before signing in
    session["seen"] = True
    session.save()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    before = session.session_key

    browser.post(reverse("accounts:login"), {"username": hr_lead.email, "password": PASSWORD})

    after = browser.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert browser.get(HOME).status_code == 200


def test_signing_out_deletes_the_session(hr_lead):
    browser = signed_in(hr_lead)
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    browser.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert is_signed_out(browser)


def test_sign_out_everywhere_ends_every_session_of_the_user_only(hr_lead, account_manager):
    laptop, phone = signed_in(hr_lead), signed_in(hr_lead)
    colleague = signed_in(account_manager)

    response = phone.post(reverse("accounts:sign-out-everywhere"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "signed out on every device" in response.content.decode()
    assert is_signed_out(laptop) and is_signed_out(phone)
    assert laptop.get(ENGAGEMENTS_API).status_code in (401, 403)
    assert not is_signed_out(colleague)
    # Signing in again works and starts a fresh session.
    assert not is_signed_out(signed_in(hr_lead))


def test_the_account_page_shows_roles_and_the_button(login, hr_lead, engagement):
    page = login(hr_lead).get(reverse("accounts:account"))
    assert page.status_code == 200
    html = page.content.decode()
    assert engagement.client.name in html and "HR lead" in html
    assert reverse("accounts:sign-out-everywhere") in html
    assert "/accounts/account/" in login(hr_lead).get(HOME).content.decode()


def test_the_account_page_needs_a_signed_in_user(client):
    for url in (reverse("accounts:account"), reverse("accounts:sign-out-everywhere")):
        response = client.get(url) if url.endswith("account/") else client.post(url)
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_sign_out_everywhere_only_by_post(login, hr_lead):
    browser = login(hr_lead)
    assert browser.get(reverse("accounts:sign-out-everywhere")).status_code == 405
    assert not is_signed_out(browser)


def test_sign_out_everywhere_service_ends_sessions_at_their_next_request(hr_lead):
    browser = signed_in(hr_lead)
    user_sign_out_everywhere(actor=None, user=hr_lead)
    assert is_signed_out(browser)


def test_deactivating_ends_sessions_at_once_and_refuses_sign_in(hr_lead):
    browser = signed_in(hr_lead)
    user_deactivate(actor=None, user=hr_lead)
    assert is_signed_out(browser)
    again = Client().post(
        reverse("accounts:login"), {"username": hr_lead.email, "password": PASSWORD}
    )
    assert again.status_code == 200  # the form again, not a redirect into the app


def test_reactivating_does_not_revive_old_sessions(hr_lead):
    browser = signed_in(hr_lead)
    user_deactivate(actor=None, user=hr_lead)
    hr_lead.is_active = True
    hr_lead.save(update_fields=["is_active"])
    assert is_signed_out(browser)


def test_sessions_made_before_generations_stay_valid(hr_lead):
    """Generation 0 hashes as Django does, so deploying this signs nobody out."""
    from django.contrib.auth.base_user import AbstractBaseUser

    assert hr_lead.session_generation == 0
    assert hr_lead.get_session_auth_hash() == AbstractBaseUser._get_session_auth_hash(hr_lead)


def test_an_organizations_keys_survive_the_deactivation_of_their_creator(client_admin, engagement):
    """Keys belong to the organization: the integration keeps running; admins see who made
    the key and that they are gone, and revoke it when they choose."""
    from rest_framework.test import APIClient

    from accounts.services import api_key_create

    _, text = api_key_create(actor=client_admin, organization=engagement.client, name="ATS")
    user_deactivate(actor=None, user=client_admin)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    assert api.get(ENGAGEMENTS_API).status_code == 200

    other_admin = UserFactory()
    from accounts.models import Role
    from accounts.services import membership_set

    membership_set(user=other_admin, organization=engagement.client, role=Role.CLIENT_ADMIN)
    browser = Client()
    browser.force_login(other_admin)
    page = browser.get(reverse("organizations:api-keys", args=[engagement.client.slug]))
    assert "(deactivated)" in page.content.decode()


def test_admin_action_deactivates_and_ends_sessions(hr_lead, account_manager):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    browser = signed_in(hr_lead)
    bystander = signed_in(account_manager)

    response = admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [hr_lead.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "sessions have ended" in response.content.decode()
    hr_lead.refresh_from_db()
    assert not hr_lead.is_active
    assert is_signed_out(browser)
    assert not is_signed_out(bystander)


def test_admin_action_signs_out_everywhere(hr_lead):
    staff = UserFactory(is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(staff)
    browser = signed_in(hr_lead)
    admin.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "sign_out_everywhere", "_selected_action": [hr_lead.pk]},
    )
    hr_lead.refresh_from_db()
    assert hr_lead.is_active
    assert is_signed_out(browser)
