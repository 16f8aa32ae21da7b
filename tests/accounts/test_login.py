import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "accounts:login"


def _attempt(client, email, password, address="127.0.0.1"):
    return client.post(
        reverse(LOGIN), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_login_with_email_and_password(client, hr_lead):
    response = _attempt(client, hr_lead.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:home")
    assert client.get(reverse("engagements:home")).status_code == 200


def test_login_is_case_insensitive_on_email(client, hr_lead):
    response = _attempt(client, hr_lead.email.upper(), PASSWORD)
    assert response.status_code == 302


def test_wrong_password_shows_an_error(client, hr_lead):
    response = _attempt(client, hr_lead.email, "wrong-password")
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()


def test_five_wrong_passwords_lock_the_account_for_a_while(client, hr_lead):
    for _ in range(4):
        assert _attempt(client, hr_lead.email, "wrong-password").status_code == 200
    locked = _attempt(client, hr_lead.email, "wrong-password")
    assert locked.status_code == 429
    assert "temporarily locked" in locked.content.decode()
    # Even the right password is refused while the lock holds.
    still = _attempt(client, hr_lead.email, PASSWORD)
    assert still.status_code == 429
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=16)):
        assert _attempt(client, hr_lead.email, PASSWORD).status_code == 302


def test_changing_the_case_of_the_email_does_not_dodge_the_lock(client, hr_lead):
    for n in range(5):
        email = hr_lead.email.upper() if n % 2 else hr_lead.email
        _attempt(client, email, "wrong-password", address=f"192.0.2.{n + 10}")
    assert _attempt(client, hr_lead.email, PASSWORD, address="192.0.2.99").status_code == 429


def test_the_account_stays_locked_from_another_address(client, hr_lead, account_manager):
    for _ in range(5):
        _attempt(client, hr_lead.email, "wrong-password", address="192.0.2.1")
    assert _attempt(client, hr_lead.email, PASSWORD, address="192.0.2.2").status_code == 429
    # Other accounts from a fresh address are unaffected.
    assert _attempt(client, account_manager.email, PASSWORD, address="192.0.2.3").status_code == 302


def test_one_address_cannot_spray_many_accounts(client, hr_lead, account_manager):
    for n in range(5):
        _attempt(client, f"nobody{n}@example.com", "guess", address="192.0.2.9")
    assert _attempt(client, account_manager.email, PASSWORD, address="192.0.2.9").status_code == 429


def test_logout_requires_post_and_ends_the_session(client, hr_lead):
    client.force_login(hr_lead)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("engagements:home")).status_code == 302
