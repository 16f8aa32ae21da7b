"""A person sees where they are signed in and ends any of their sessions; nobody else's."""

from __future__ import annotations

from django.test import Client

from identity.models import UserSession
from tests.factories import PASSWORD


def sign_in(user, agent: str) -> Client:
    browser = Client(HTTP_USER_AGENT=agent)
    response = browser.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_sessions_are_listed_and_one_is_ended(hr_lead):
    laptop = sign_in(hr_lead, "Laptop browser")
    phone = sign_in(hr_lead, "Phone browser")
    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Laptop browser" in text and "Phone browser" in text and "this session" in text
    phone_row = UserSession.objects.get(user=hr_lead, user_agent="Phone browser")
    assert laptop.post("/accounts/sessions/", {"session": phone_row.pk}).status_code == 302
    assert phone.get("/accounts/account/").status_code == 302  # signed out
    assert laptop.get("/accounts/account/").status_code == 200
    assert "Phone browser" not in laptop.get("/accounts/sessions/").content.decode()


def test_signing_out_forgets_the_session(hr_lead):
    laptop = sign_in(hr_lead, "Laptop browser")
    laptop.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=hr_lead).exists()


def test_another_person_s_session_cannot_be_ended(hr_lead, outsider):
    victim = sign_in(hr_lead, "Victim browser")
    attacker = sign_in(outsider, "Attacker browser")
    row = UserSession.objects.get(user=hr_lead)
    assert attacker.post("/accounts/sessions/", {"session": row.pk}).status_code == 302
    assert victim.get("/accounts/account/").status_code == 200
    assert "Victim browser" not in attacker.get("/accounts/sessions/").content.decode()


def test_scim_deactivation_ends_listed_sessions(engagement, client_admin, hr_lead):
    import json

    from identity import scim

    browser = sign_in(hr_lead, "Laptop browser")
    token = scim.token_create(actor=client_admin, organization=engagement.client, name="Okta")[1]
    Client().patch(
        f"/scim/v2/{engagement.client.slug}/Users/{hr_lead.pk}",
        data=json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            }
        ),
        content_type="application/scim+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert not UserSession.objects.filter(user=hr_lead).exists()
    assert browser.get("/accounts/account/").status_code == 302
