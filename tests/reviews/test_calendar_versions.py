"""Calendar events that a moved meeting updates: SEQUENCE and LAST-MODIFIED from the
meeting's history, UIDs in the portal's domain (parsed with icalendar)."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.models import Meeting, Tier

pytestmark = pytest.mark.django_db


def event_of(client, engagement, meeting) -> icalendar.Event:
    body = client.get(reverse("reviews:meeting_ics", args=[engagement.pk, meeting.pk])).content
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    return event


def feed_events(client, engagement, user, tier) -> dict[str, icalendar.Event]:
    token = services.calendar_token_regenerate(user=user, engagement=engagement)
    body = client.get(
        reverse("reviews:calendar_feed", args=[engagement.pk]), {"tier": tier, "token": token}
    ).content
    return {str(e["uid"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def test_a_moved_or_cancelled_meeting_raises_its_sequence(login, engagement, hr_lead, settings):
    settings.PORTAL_BASE_URL = "https://rpo.example.com/"
    client = login(hr_lead)
    meeting = services.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.STRATEGIC,
        title="QBR",
        starts_at=timezone.now() + timedelta(days=10),
    )
    event = event_of(client, engagement, meeting)
    assert str(event["uid"]) == f"meeting-{meeting.pk}@rpo.example.com"
    assert event["sequence"] == 0
    first_modified = event.decoded("last-modified")

    # A new title is no reschedule: the sequence stays.
    Meeting.objects.filter(pk=meeting.pk).update(title="QBR with the CFO")
    assert event_of(client, engagement, meeting)["sequence"] == 0

    # Moved (a bulk update, as a cadence change makes, counts too), then moved somewhere.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=meeting.starts_at + timedelta(days=1))
    Meeting.objects.filter(pk=meeting.pk).update(location="Room 4")
    event = event_of(client, engagement, meeting)
    assert event["sequence"] == 2
    assert event.decoded("last-modified") >= first_modified

    meeting.refresh_from_db()
    services.meeting_cancel(actor=hr_lead, meeting=meeting, reason="The CFO is away.")
    feed = feed_events(client, engagement, hr_lead, Tier.STRATEGIC)
    event = feed[f"meeting-{meeting.pk}@rpo.example.com"]
    assert str(event["status"]) == "CANCELLED" and event["sequence"] == 3


def test_each_meeting_of_a_feed_has_its_own_sequence(login, engagement, hr_lead):
    client = login(hr_lead)
    start = timezone.now() + timedelta(days=5)
    made = [
        services.meeting_create(
            actor=hr_lead,
            engagement=engagement,
            tier=Tier.STRATEGIC,
            title=f"QBR {n}",
            starts_at=start + timedelta(days=n),
        )
        for n in range(3)
    ]
    Meeting.objects.filter(pk=made[1].pk).update(duration_minutes=90)
    feed = feed_events(client, engagement, hr_lead, Tier.STRATEGIC)
    sequences = {uid.split("@")[0]: int(e["sequence"]) for uid, e in feed.items()}
    assert {sequences[f"meeting-{m.pk}"] for m in made} == {0, 1}
    assert sequences[f"meeting-{made[1].pk}"] == 1
    assert all("last-modified" in e for e in feed.values())
