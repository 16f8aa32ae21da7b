"""iCalendar files: one meeting's `.ics`, and a cadence's subscription feed.

Events carry the meeting's own time zone with its VTIMEZONE, so calendar apps show the local
time the cadence was set in, across daylight-saving changes. Each event's UID is in the
portal's domain, and its SEQUENCE and LAST-MODIFIED come from the meeting's history: the
sequence counts the changes of its time, place or status, so Outlook and the others replace
a moved or cancelled meeting instead of keeping the old one beside it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import icalendar
from django.apps import apps
from django.utils import timezone

from reviews.models import Meeting, MeetingStatus
from rpo_portal.site import site_domain

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


# What a calendar app must be told again when it changes (RFC 5545's SEQUENCE).
SCHEDULING_FIELDS = ("starts_at", "duration_minutes", "timezone", "location", "status")


@dataclass(frozen=True)
class Version:
    sequence: int
    last_modified: datetime


def versions(meetings: list[Meeting]) -> dict[int, Version]:
    """Each meeting's SEQUENCE (how many of its recorded changes moved its time, place or
    status) and LAST-MODIFIED (its last recorded change), from its history (database
    triggers: bulk moves of a cadence count too). One query."""
    history = apps.get_model("reviews", "MeetingEvent")
    rows = (
        history.objects.filter(pgh_obj_id__in=[m.pk for m in meetings])
        .order_by("pgh_obj_id", "pgh_id")
        .values_list("pgh_obj_id", "pgh_created_at", *SCHEDULING_FIELDS)
    )
    found: dict[int, Version] = {}
    previous: dict[int, tuple] = {}
    for pk, created_at, *fields in rows:
        state = tuple(fields)
        bump = pk in previous and previous[pk] != state
        sequence = found[pk].sequence + bump if pk in found else 0
        found[pk] = Version(sequence, created_at)
        previous[pk] = state
    return found


def _event(
    meeting: Meeting, url: str, start: datetime, end: datetime, version: Version | None
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"meeting-{meeting.pk}@{site_domain()}")
    event.add("dtstamp", timezone.now())
    event.add("sequence", version.sequence if version else 0)
    event.add("last-modified", version.last_modified if version else meeting.created_at)
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
    meetings = list(meetings)
    known = versions([meeting for meeting, _ in meetings])
    for meeting, url in meetings:
        times = _local_times(meeting)
        # One meeting that cannot be written never costs the subscribers the others.
        if times is not None:
            calendar.add_component(_event(meeting, url, *times, known.get(meeting.pk)))
    calendar.add_missing_timezones()
    return calendar.to_ical()
