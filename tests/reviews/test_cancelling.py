"""Calling a meeting off: only the organising side's leads, with a reason on record, and undone
by reinstating it; on the pages and in the API alike."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Meeting, MeetingStatus, Tier

pytestmark = pytest.mark.django_db

ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]
PROVIDER_LEADS = {"provider_admin", "account_manager"}
CLIENT_LEADS = {"client_admin", "hr_lead"}


def _meeting(engagement, organiser):
    return services.meeting_create(
        actor=organiser,
        engagement=engagement,
        tier=Tier.TACTICAL,
        title="Monthly review",
        starts_at=timezone.now() + timedelta(days=2),
    )


def _cancel_url(meeting):
    return reverse("reviews:meeting_cancel", args=[meeting.engagement_id, meeting.pk])


def _api(meeting, action):
    return f"/api/v1/engagements/{meeting.engagement_id}/reviews/meetings/{meeting.pk}/{action}/"


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organising_sides_leads_cancel_on_the_page(
    request, login, engagement, account_manager, role
):
    meeting = _meeting(engagement, account_manager)
    client = login(request.getfixturevalue(role))
    allowed = role in PROVIDER_LEADS
    assert client.get(_cancel_url(meeting)).status_code == (200 if allowed else 403)
    response = client.post(_cancel_url(meeting), {"reason": "The client asked to move it."})
    assert response.status_code == (302 if allowed else 403)
    meeting.refresh_from_db()
    assert meeting.status == (MeetingStatus.CANCELLED if allowed else MeetingStatus.SCHEDULED)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_organising_sides_leads_cancel_and_reinstate_in_the_api(
    request, login, engagement, account_manager, role
):
    meeting = _meeting(engagement, account_manager)
    client = login(request.getfixturevalue(role))
    allowed = role in PROVIDER_LEADS
    body = {"reason": "Budget freeze."}
    response = client.post(_api(meeting, "cancel"), body, content_type="application/json")
    assert response.status_code == (200 if allowed else 403), response.content
    if allowed:
        assert response.json()["status"] == "cancelled"
        assert response.json()["cancel_reason"] == "Budget freeze."
    else:
        services.meeting_cancel(actor=account_manager, meeting=meeting, reason="Budget freeze.")
    response = client.post(_api(meeting, "reinstate"), {}, content_type="application/json")
    assert response.status_code == (200 if allowed else 403), response.content
    meeting.refresh_from_db()
    assert meeting.status == (MeetingStatus.SCHEDULED if allowed else MeetingStatus.CANCELLED)


@pytest.mark.parametrize("role", ROLES)
def test_a_meeting_the_client_organises_is_the_clients_to_cancel(
    request, engagement, hr_lead, role
):
    meeting = _meeting(engagement, hr_lead)
    user = request.getfixturevalue(role)
    if role in CLIENT_LEADS:
        services.meeting_cancel(actor=user, meeting=meeting, reason="Moved to next week.")
        assert meeting.status == MeetingStatus.CANCELLED
    else:
        with pytest.raises(PermissionDenied):
            services.meeting_cancel(actor=user, meeting=meeting, reason="Moved to next week.")


def test_a_meeting_without_an_organiser_is_the_providers(engagement, hr_lead, provider_admin):
    meeting = _meeting(engagement, hr_lead)
    Meeting.objects.filter(pk=meeting.pk).update(organiser=None)
    meeting.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.meeting_cancel(actor=hr_lead, meeting=meeting, reason="x")
    services.meeting_cancel(actor=provider_admin, meeting=meeting, reason="No quorum.")


def test_outsider_gets_404(login, engagement, account_manager, outsider):
    meeting = _meeting(engagement, account_manager)
    client = login(outsider)
    assert client.get(_cancel_url(meeting)).status_code == 404
    assert client.post(_cancel_url(meeting), {"reason": "x"}).status_code == 404
    url = reverse("reviews:meeting_reinstate", args=[engagement.pk, meeting.pk])
    assert client.post(url).status_code == 404
    for action in ("cancel", "reinstate"):
        response = client.post(_api(meeting, action), {"reason": "x"})
        assert response.status_code == 404
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED


def test_cancelling_asks_for_a_reason_and_shows_it(login, engagement, account_manager, recruiter):
    meeting = _meeting(engagement, account_manager)
    client = login(account_manager)
    page = client.get(reverse("reviews:meeting", args=[engagement.pk, meeting.pk]))
    assert _cancel_url(meeting) in page.content.decode()
    form = client.get(_cancel_url(meeting)).content.decode()
    assert '<label for="id_reason">Why is the meeting cancelled?</label>' in form
    refused = client.post(_cancel_url(meeting), {"reason": "   "})
    assert refused.status_code == 200
    assert "Say why the meeting is cancelled." in refused.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED
    response = client.post(_cancel_url(meeting), {"reason": "Hiring managers at the offsite."})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Hiring managers at the offsite." in page and "Reinstate meeting" in page
    history = page[page.index("Changes on record") :]
    assert "cancel reason" in history and "Hiring managers at the offsite." in history
    assert "Cancelled" in history  # the status by its label, not its key
    # A recruiter sees the reason but no button to undo it.
    other = login(recruiter).get(reverse("reviews:meeting", args=[engagement.pk, meeting.pk]))
    html = other.content.decode()
    assert "Hiring managers at the offsite." in html and "Reinstate meeting" not in html
    assert _cancel_url(meeting) not in html


def test_api_cancel_needs_a_reason(login, engagement, account_manager):
    meeting = _meeting(engagement, account_manager)
    response = login(account_manager).post(
        _api(meeting, "cancel"), {"reason": ""}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": None, "field": "reason", "reason": "Say why the meeting is cancelled."}
    ]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.SCHEDULED


def test_reinstating_puts_the_meeting_back(login, engagement, account_manager):
    meeting = _meeting(engagement, account_manager)
    services.meeting_cancel(actor=account_manager, meeting=meeting, reason="Clash.")
    client = login(account_manager)
    url = reverse("reviews:meeting_reinstate", args=[engagement.pk, meeting.pk])
    assert client.post(url).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.SCHEDULED and meeting.cancel_reason == ""
    assert meeting.cancelled_by is None and meeting.cancelled_at is None


def test_recruiter_cannot_reinstate_on_the_page(login, engagement, account_manager, recruiter):
    meeting = _meeting(engagement, account_manager)
    services.meeting_cancel(actor=account_manager, meeting=meeting, reason="Clash.")
    url = reverse("reviews:meeting_reinstate", args=[engagement.pk, meeting.pk])
    assert login(recruiter).post(url).status_code == 403
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED
