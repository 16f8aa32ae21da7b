import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_and_open_an_engagement(live_server, page, engagement, hr_lead):
    page.goto(f"{live_server.url}/")
    # Not signed in: the login page, with labelled fields.
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Engagements").wait_for()
    page.get_by_role("link", name=engagement.name, exact=True).click()
    page.get_by_role("heading", name=engagement.name).wait_for()
    assert engagement.provider.name in page.content()


def test_engagement_page_reads_at_phone_width(live_server, browser, engagement, hr_lead):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.get_by_role("heading", name=engagement.name).wait_for()
    # Nothing forces a horizontal scroll on a phone.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()


def test_wrong_password_is_reported(live_server, page, hr_lead):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(hr_lead.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").is_visible()
