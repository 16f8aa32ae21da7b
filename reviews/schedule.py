"""When a cadence meets: its next occurrences, computed in the cadence's own time zone.

Pure functions: a cadence's rules and a moment in, aware UTC datetimes out. Times are local
wall-clock times, so a 09:00 weekly review stays at 09:00 across a daylight-saving change (its
UTC instant moves by an hour). No meeting falls on a Saturday or Sunday: such a day moves to the
next Monday.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

QUARTER_START_MONTHS = (1, 4, 7, 10)
SATURDAY = 5
# A named weekend day moves up to two days forward: candidates start this far back, so that a
# Saturday before `after` whose Monday comes after it is not missed.
LOOK_BACK = timedelta(days=7)


def _local_instant(day: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime:
    # A time skipped by a spring-forward change (02:30 on that night) resolves to the same
    # offset as before the change, i.e. one hour later in wall-clock time, as calendar apps do.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def on_a_weekday(day: date) -> date:
    """A meeting never falls on a weekend: a Saturday or Sunday moves to the next Monday
    (always forward, so a slot is never moved before the one the cadence names)."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= SATURDAY else day


def _days(frequency: str, weekday: int, day_of_month: int, start: date):
    """Candidate meeting days from `start` on, in order, each on a weekday."""
    for day in _named_days(frequency, weekday, day_of_month, start):
        yield on_a_weekday(day)


def _named_days(frequency: str, weekday: int, day_of_month: int, start: date):
    """The days the cadence names from `start` on, in order, weekends included."""
    if frequency == "weekly":
        day = start + timedelta(days=(weekday - start.weekday()) % 7)
        while True:
            yield day
            day += timedelta(days=7)
    year, month = start.year, start.month
    while True:
        if frequency == "monthly" or month in QUARTER_START_MONTHS:
            yield date(year, month, day_of_month)
        month += 1
        if month == 13:
            year, month = year + 1, 1


def occurrences(
    *,
    frequency: str,
    weekday: int,
    day_of_month: int,
    at: time,
    timezone: str,
    after: datetime,
    count: int,
) -> list[datetime]:
    """The next `count` meeting starts strictly after `after`, in UTC."""
    tz = zoneinfo.ZoneInfo(timezone)
    start = after.astimezone(tz).date() - LOOK_BACK
    found: list[datetime] = []
    for day in _days(frequency, weekday, day_of_month, start):
        instant = _local_instant(day, at, tz)
        if instant > after:
            found.append(instant)
            if len(found) == count:
                return found
    return found
