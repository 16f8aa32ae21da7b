"""The sign-in page and an organization's single sign-on page, as people see them."""

import pytest

from accounts.models import Role
from tests.factories import PASSWORD, UserFactory, member


@pytest.mark.parametrize("width", [1280, 390])
def test_sign_in_and_sso_settings_pages(live_server, browser, engagement, assert_accessible, width):
    admin = member(engagement.client, Role.CLIENT_ADMIN, user=UserFactory(email="it@acme.example"))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Continue with single sign-on").wait_for()
    assert_accessible(page)
    # An address with no single sign-on is told so, on the page.
    page.get_by_label("E-mail").fill("someone@elsewhere.example")
    page.get_by_role("button", name="Continue with single sign-on").click()
    page.get_by_text("No single sign-on is set up").wait_for()
    assert_accessible(page)
    page.get_by_label("E-mail").fill(admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Engagements").wait_for()
    page.goto(f"{live_server.url}/organizations/{engagement.client.slug}/sign-in/")
    page.get_by_role("heading", name="Single sign-on", exact=True).wait_for()
    assert_accessible(page)
    # A refused form: the error summary, and the error on its field.
    page.get_by_label("E-mail domain").fill("gmail.com")
    page.get_by_label("Discovery URL").fill("https://login.acme.example")
    page.get_by_label("Client ID").fill("portal")
    page.get_by_label("Client secret").fill("a-secret")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Use the domain of your own address").first.wait_for()
    assert_accessible(page)
    page.get_by_label("E-mail domain").fill("acme.example")
    page.get_by_label("Client secret").fill("a-secret")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Single sign-on saved.").wait_for()
    assert "a-secret" not in page.content()
    assert_accessible(page)
    page.get_by_label("Token name").fill("Okta provisioning")
    page.get_by_role("button", name="Create a token").click()
    assert page.get_by_label("Token", exact=True).input_value().startswith("scim_")
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.goto(f"{live_server.url}/accounts/sessions/")
    page.get_by_role("heading", name="Your sessions").wait_for()
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_two_factor_pages(live_server, browser, engagement, hr_lead, assert_accessible, width):
    from tests.identity.test_mfa import totp

    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Engagements").wait_for()
    page.goto(f"{live_server.url}/accounts/account/")
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("heading", name="Turn it on").wait_for()
    assert_accessible(page)
    secret = page.locator(".secret-key").inner_text()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    page.get_by_text("That code is not right").first.wait_for()
    assert_accessible(page)
    page.get_by_label("Code").fill(totp(secret))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Your new recovery codes").wait_for()
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    codes = page.locator(".recovery-codes code").all_inner_texts()
    context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Second factor").wait_for()
    assert_accessible(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Engagements").wait_for()
    context.close()


def test_a_security_key_added_then_used_after_the_password(
    live_server, browser, engagement, hr_lead, assert_accessible
):
    """Chromium's virtual authenticator (the DevTools protocol's WebAuthn domain) stands in for
    a security key: the browser does the real WebAuthn ceremonies with it."""
    from identity.models import SignInEvent

    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Engagements").wait_for()
    page.goto(f"{live_server.url}/accounts/two-factor/")
    page.get_by_label("Name of the key").fill("Virtual key")
    page.get_by_role("button", name="Add a security key").click()
    page.get_by_role("heading", name="Your new recovery codes").wait_for()
    page.get_by_text("Virtual key").first.wait_for()
    assert_accessible(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Second factor").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Use your security key").click()
    page.get_by_role("heading", name="Engagements").wait_for()
    assert SignInEvent.objects.filter(user=hr_lead, method="webauthn", outcome="signed_in").exists()
    context.close()
