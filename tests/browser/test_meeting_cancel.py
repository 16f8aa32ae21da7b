"""Cancelling a meeting in Chromium: the organising side's lead gives a reason on a page of its
own (the error on its field when the reason is blank), both parties read it on the meeting's
page, and the meeting is reinstated; at both widths, with no WCAG 2.1 AA violation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reviews import services
from reviews.models import Meeting, MeetingStatus, Tier
from tests.browser.conftest import WCAG_AA
from tests.browser.test_dashboard import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (390, 844)])
def test_cancel_with_a_reason_then_reinstate(
    live_server, browser, engagement, account_manager, screenshot, axe, width, height
):
    meeting = services.meeting_create(
        actor=account_manager,
        engagement=engagement,
        tier=Tier.TACTICAL,
        title="Monthly review",
        starts_at=timezone.now() + timedelta(days=2),
    )
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, live_server, account_manager)
    page.goto(f"{live_server.url}/engagements/{engagement.pk}/reviews/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Cancel meeting…").click()
    reason = page.get_by_label("Why is the meeting cancelled?")
    reason.fill("   ")
    page.get_by_role("button", name="Cancel meeting", exact=True).click()
    # The error stands on its field, and the form's summary at the top names it too.
    page.get_by_text("Say why the meeting is cancelled.", exact=True).wait_for()
    summary = "Why is the meeting cancelled?: Say why the meeting is cancelled."
    assert page.get_by_text(summary, exact=True).count() == 1
    assert page.get_by_label("Why is the meeting cancelled?").get_attribute("aria-invalid")
    problems = []
    for name in ("cancel-form", "cancelled-meeting"):
        if name == "cancelled-meeting":
            page.get_by_label("Why is the meeting cancelled?").fill("The offsite moved.")
            page.get_by_role("button", name="Cancel meeting", exact=True).click()
            page.get_by_text("“The offsite moved.”").wait_for()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{name} at {width} px: {overflow} px wider than the window")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        if results.violations_count:
            problems.append(f"{name} at {width} px: {results.generate_report()}")
        screenshot(page, f"{name}-{width}")
    assert not problems, "\n".join(problems)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
    page.get_by_role("button", name="Reinstate meeting").click()
    page.get_by_text("Meeting reinstated").wait_for()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    context.close()
