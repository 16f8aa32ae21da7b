"""iCalendar files: one meeting's `.ics`, and a cadence's subscription feed.

Events carry the meeting's own time zone with its VTIMEZONE, so calendar apps show the local
time the cadence was set in, across daylight-saving changes.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime

import icalendar
from django.utils import timezone

from reviews.models import Meeting, MeetingStatus

PRODID = "-//RPO Portal//Reviews//EN"


def _local_times(meeting: Meeting) -> tuple[datetime, datetime] | None:
    """The meeting's start and end in its own time zone, or None when the calendar cannot
    hold them (a time stored before dates were bounded, in year 9999: its end, or its local
    time ahead of UTC, falls past the last day Python can represent)."""
    tz = zoneinfo.ZoneInfo(meeting.timezone)
    try:
        return meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    except OverflowError:
        return None


def _event(meeting: Meeting, url: str, start: datetime, end: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@rpo-portal")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", start)
    event.add("dtend", end)
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
        times = _local_times(meeting)
        # One meeting that cannot be written never costs the subscribers the others.
        if times is not None:
            calendar.add_component(_event(meeting, url, *times))
    calendar.add_missing_timezones()
    return calendar.to_ical()
