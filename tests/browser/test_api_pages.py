"""The API docs (Swagger UI under the site's CSP) and the API keys page, in Chromium."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def test_swagger_ui_renders_under_the_csp(live_server, page):
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    page.locator(".opblock-tag", has_text="Requisitions").first.wait_for()
    page.get_by_text("/api/v1/engagements/{engagement_id}/requisitions/bulk").first.wait_for(
        state="attached"
    )
    assert violations == []


def test_admin_creates_and_revokes_a_key_at_phone_width(live_server, browser, client_admin):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    violations = _csp_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(client_admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="API keys").click()
    page.get_by_role("heading", name="API keys").wait_for()
    page.get_by_label("Name").fill("Workday sync")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_role("textbox", name="Key", exact=True).input_value()
    assert key.startswith("rpo_")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke Workday sync").click()
    page.locator("#api-keys .badge", has_text="revoked").wait_for()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert violations == []
    context.close()
