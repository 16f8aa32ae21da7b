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


# --- One canonical form of an address -----------------------------------------------------


@pytest.fixture
def initech_hr(db):
    from tests.factories import UserFactory

    return UserFactory(email="hr@initech.example", password=PASSWORD)


def test_a_dotless_i_spelling_reaches_no_account_and_leaves_the_lock(client, initech_hr):
    for _ in range(5):
        _attempt(client, "hr@initech.example", "wrong-password", address="192.0.2.1")
    # PostgreSQL's case-insensitive match folds ı to I; the canonical form does not.
    look_alike = _attempt(client, "hr@\u0131nitech.example", PASSWORD, address="192.0.2.2")
    assert look_alike.status_code == 200
    assert _attempt(client, "hr@initech.example", PASSWORD, address="192.0.2.3").status_code == 429


def test_compatibility_look_alikes_share_the_accounts_lock(client, initech_hr):
    # The long s and full-width letters are the same address once NFKC-normalised.
    spellings = ["hr@initech.example", "hr@init\uff45ch.example", "HR@INITECH.EXAMPLE "]
    for n in range(5):
        _attempt(client, spellings[n % 3], "wrong-password", address=f"192.0.2.{n + 20}")
    for spelling in spellings:
        assert _attempt(client, spelling, PASSWORD, address="192.0.2.99").status_code == 429


def test_a_full_width_spelling_signs_in_to_the_account(client, initech_hr):
    response = _attempt(client, "Hr@\uff29NITECH.example", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == initech_hr.pk


def test_addresses_are_stored_in_canonical_form(db):
    from accounts.models import User

    user = User.objects.create_user(" Stra\u00dfe@\uff25xample.COM ", PASSWORD)
    assert user.email == "strasse@example.com"


def test_create_user_stores_the_canonical_form_and_refuses_a_second_spelling(db):
    from django.core.management import CommandError, call_command

    from accounts.models import User

    options = {"password": PASSWORD, "org": "Initech", "role": "hr_lead"}
    call_command("create_user", email=" HR@\uff29nitech.example", **options)
    assert User.objects.get().email == "hr@initech.example"
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", email="hr@initech.EXAMPLE", **options)


def test_the_migration_canonicalises_stored_addresses(db, initech_hr):
    import importlib

    from django.apps import apps

    from accounts.models import User

    migration = importlib.import_module("accounts.migrations.0003_canonical_emails")
    User.objects.filter(pk=initech_hr.pk).update(email="HR@Init\uff25ch.example")
    migration.emails_canonicalise(apps, None)
    assert User.objects.get(pk=initech_hr.pk).email == "hr@initech.example"


def test_the_migration_names_accounts_that_would_become_one(db, initech_hr):
    import importlib

    from django.apps import apps

    from accounts.models import User
    from tests.factories import UserFactory

    other = UserFactory(email="x@example.com")
    User.objects.filter(pk=other.pk).update(email="hr@init\uff45ch.example")
    migration = importlib.import_module("accounts.migrations.0003_canonical_emails")
    with pytest.raises(RuntimeError, match="both have the e-mail address"):
        migration.emails_canonicalise(apps, None)
