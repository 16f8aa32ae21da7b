"""The web import in a real browser: htmx upload, the preview panel, confirm, the Data tab."""

import pytest

from recruiting.models import Requisition
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = b"external_id,title,opened_on\nR1,Engineer,2025-01-10\nR2,Analyst,2025-01-11\n"
BAD = b"external_id,title,opened_on,salary\nR1,,2025-01-10,1\n"


def sign_in(page, url, user):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Engagements").wait_for()


def choose(page, name: str, data: bytes):
    page.get_by_label("CSV or XLSX file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": data}
    )


def test_upload_preview_and_confirm(
    live_server, page, engagement, account_manager, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server.url, account_manager)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/")
    page.get_by_role("link", name="Data").click()
    page.get_by_role("button", name="Import a file").click()

    choose(page, "requisitions.csv", BAD)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("requisitions.csv cannot be imported").wait_for()
    assert page.get_by_text("Unknown column for requisitions").is_visible()
    assert page.get_by_text("Required: this cell is blank.").is_visible()

    choose(page, "requisitions.csv", GOOD)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("Ready to import requisitions.csv").wait_for()
    assert not Requisition.objects.exists()
    page.get_by_role("button", name="Import 2 rows").click()
    page.get_by_text("Imported requisitions.csv: 2 created").wait_for()
    assert Requisition.objects.filter(engagement=engagement).count() == 2

    page.get_by_role("link", name="Back to the data").click()
    page.get_by_role("link", name="Requisitions").click()
    page.get_by_role("cell", name="Engineer").wait_for()


def test_data_pages_read_at_phone_width(live_server, browser, engagement, account_manager):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server.url, account_manager)
    for path in ("data/", "data/import/", "data/imports/", "data/records/applications/"):
        page.goto(f"{live_server.url}/engagements/{engagement.pk}/{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
            " > window.innerWidth + 1 && !e.closest('.table-wrap')).map(e => e.tagName + '.'"
            " + e.className + ':' + e.textContent.slice(0, 30)).slice(0, 5)"
        )
        assert overflow <= 0, (path, wide)
    context.close()
