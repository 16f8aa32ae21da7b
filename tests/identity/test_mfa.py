"""Two-factor authentication after a password, end to end through the pages: an authenticator
app's codes (computed here from RFC 6238, not by the library under test), recovery codes, the
organization's policy, and the lockout."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

import pytest

from identity.models import MfaPolicy, SignInEvent
from tests.factories import PASSWORD


def fresh_window() -> None:
    """Wait for a new 30-second window if this one is about to end, so that a code computed
    now is still the current one when it is posted."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)


def totp(secret: str, at: float | None = None) -> str:
    key = base64.b32decode(secret, casefold=True)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def turn_on(portal) -> tuple[str, list[str]]:
    fresh_window()
    portal.get("/accounts/two-factor/")
    secret = portal.session["identity.totp_secret"]
    response = portal.post("/accounts/two-factor/", {"action": "activate", "code": totp(secret)})
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) >= 8
    return secret, codes


def password(portal, user):
    return portal.post("/accounts/login/", {"username": user.email, "password": PASSWORD})


def signed_in(portal) -> bool:
    return portal.get("/accounts/account/").status_code == 200


def test_turn_on_then_sign_in_with_the_app_s_code(client, login, hr_lead):
    secret, _ = turn_on(login(hr_lead))
    client.post("/accounts/logout/")
    response = password(client, hr_lead)
    assert response["Location"] == "/accounts/login/second-factor/"
    assert not signed_in(client)
    response = client.post("/accounts/login/second-factor/", {"code": "000000"})
    assert "That code is not right" in response.content.decode()
    assert not signed_in(client)
    response = client.post("/accounts/login/second-factor/", {"code": totp(secret)})
    assert response.status_code == 302
    assert signed_in(client)
    methods = set(SignInEvent.objects.filter(user=hr_lead).values_list("method", flat=True))
    assert "totp" in methods
    actions = set(SignInEvent.objects.filter(user=hr_lead).values_list("action", flat=True))
    assert "Two-factor authentication turned on" in actions


def test_an_app_code_works_once(client, login, hr_lead):
    secret, _ = turn_on(login(hr_lead))
    client.post("/accounts/logout/")
    fresh_window()
    code = totp(secret)
    password(client, hr_lead)
    assert client.post("/accounts/login/second-factor/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    password(client, hr_lead)
    response = client.post("/accounts/login/second-factor/", {"code": code})
    assert response.status_code == 200 and not signed_in(client)


def test_a_recovery_code_works_once(client, login, hr_lead):
    _, codes = turn_on(login(hr_lead))
    client.post("/accounts/logout/")
    password(client, hr_lead)
    assert client.post("/accounts/login/second-factor/", {"code": codes[0]}).status_code == 302
    assert SignInEvent.objects.filter(user=hr_lead, method="recovery").exists()
    client.post("/accounts/logout/")
    password(client, hr_lead)
    response = client.post("/accounts/login/second-factor/", {"code": codes[0]})
    assert response.status_code == 200 and not signed_in(client)
    assert client.post("/accounts/login/second-factor/", {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old(client, login, hr_lead):
    portal = login(hr_lead)
    _, old = turn_on(portal)
    new = portal.post("/accounts/two-factor/", {"action": "regenerate"}).context["codes"]
    assert set(new).isdisjoint(old)
    client.post("/accounts/logout/")
    password(client, hr_lead)
    assert client.post("/accounts/login/second-factor/", {"code": old[0]}).status_code == 200
    assert client.post("/accounts/login/second-factor/", {"code": new[0]}).status_code == 302


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, login, hr_lead, settings):
    secret, _ = turn_on(login(hr_lead))
    client.post("/accounts/logout/")
    password(client, hr_lead)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/second-factor/", {"code": "123456"})
    response = client.post("/accounts/login/second-factor/", {"code": totp(secret)})
    assert not signed_in(client)
    # The lockout holds for the password too.
    response = password(client, hr_lead)
    assert response.status_code in (403, 429)
    assert not signed_in(client)


def test_the_second_step_expires_and_cannot_be_reached_without_a_password(client, hr_lead):
    response = client.post("/accounts/login/second-factor/", {"code": "123456"})
    assert response["Location"] == "/accounts/login/"


def test_an_organization_requires_it_of_everyone(client, login, engagement, client_admin, hr_lead):
    admin = login(client_admin)
    response = admin.post(
        f"/organizations/{engagement.client.slug}/sign-in/two-factor/", {"required_for": "everyone"}
    )
    assert response.status_code == 302
    assert MfaPolicy.objects.get(organization=engagement.client).required_for == "everyone"
    client.post("/accounts/logout/")
    response = password(client, hr_lead)
    assert response["Location"] == "/accounts/login/set-up-second-factor/"
    assert not signed_in(client)
    client.get("/accounts/login/set-up-second-factor/")
    secret = client.session["identity.totp_secret"]
    response = client.post("/accounts/login/set-up-second-factor/", {"code": totp(secret)})
    assert response.status_code == 200 and response.context["codes"]
    assert signed_in(client)
    # It cannot be turned off while required.
    response = client.post("/accounts/two-factor/", {"action": "deactivate", "code": totp(secret)})
    assert "requires two-factor authentication" in response.content.decode()


def test_an_organization_requires_it_of_admins_only(client, engagement, client_admin, hr_lead):
    MfaPolicy.objects.create(organization=engagement.client, required_for="admins")
    assert password(client, hr_lead).status_code == 302
    assert signed_in(client)
    client.post("/accounts/logout/")
    response = password(client, client_admin)
    assert response["Location"] == "/accounts/login/set-up-second-factor/"


def test_turn_it_off_with_a_code(client, login, hr_lead):
    portal = login(hr_lead)
    secret, _ = turn_on(portal)
    response = portal.post("/accounts/two-factor/", {"action": "deactivate", "code": totp(secret)})
    assert response.status_code == 302
    portal.post("/accounts/logout/")
    assert password(client, hr_lead)["Location"] != "/accounts/login/second-factor/"
    assert SignInEvent.objects.filter(action="Two-factor authentication turned off").exists()


@pytest.mark.parametrize(
    "who",
    ["hr_lead", "client_viewer", "provider_admin", "account_manager", "recruiter", "outsider"],
)
def test_only_the_organization_s_admins_set_the_policy(request, login, engagement, who):
    portal = login(request.getfixturevalue(who))
    response = portal.post(
        f"/organizations/{engagement.client.slug}/sign-in/two-factor/", {"required_for": "everyone"}
    )
    expected = 403 if who in ("hr_lead", "client_viewer") else 404
    assert response.status_code == expected
    assert not MfaPolicy.objects.exists()


def test_a_made_up_security_key_answer_is_refused_and_counted(client, login, hr_lead):
    from axes.models import AccessAttempt

    turn_on(login(hr_lead))
    client.post("/accounts/logout/")
    password(client, hr_lead)
    forged = '{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}'
    response = client.post(
        "/accounts/login/second-factor/", {"action": "key", "credential": forged}
    )
    assert "answer was not accepted" in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.filter(username=hr_lead.email).exists()
