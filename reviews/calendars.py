"""iCalendar files: one meeting's `.ics`, and a cadence's subscription feed.

Events carry the meeting's own time zone with its VTIMEZONE, so calendar apps show the local
time the cadence was set in, across daylight-saving changes.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from reviews.models import Meeting, MeetingStatus

PRODID = "-//RPO Portal//Reviews//EN"


def _event(meeting: Meeting, url: str) -> icalendar.Event:
    tz = zoneinfo.ZoneInfo(meeting.timezone)
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@rpo-portal")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", f"{meeting.title} · {meeting.engagement.name}")
    event.add("description", f"{meeting.get_tier_display()} review.\n{url}")
    event.add("url", url)
    if meeting.location:
        event.add("location", meeting.location)
    cancelled = meeting.status == MeetingStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar_ics(meetings: Iterable[tuple[Meeting, str]], name: str) -> bytes:
    """A VCALENDAR of (meeting, its page's URL) pairs, with the VTIMEZONEs they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for meeting, url in meetings:
        calendar.add_component(_event(meeting, url))
    calendar.add_missing_timezones()
    return calendar.to_ical()
