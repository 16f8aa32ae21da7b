"""When a cadence meets: its next occurrences, computed in the cadence's own time zone.

Pure functions: a cadence's rules and a moment in, aware UTC datetimes out. Times are local
wall-clock times, so a 09:00 weekly review stays at 09:00 across a daylight-saving change (its
UTC instant moves by an hour).
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

QUARTER_START_MONTHS = (1, 4, 7, 10)


def _local_instant(day: date, at: time, tz: zoneinfo.ZoneInfo) -> datetime:
    # A time skipped by a spring-forward change (02:30 on that night) resolves to the same
    # offset as before the change, i.e. one hour later in wall-clock time, as calendar apps do.
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def _days(frequency: str, weekday: int, day_of_month: int, start: date):
    """Candidate meeting days from `start` on, in order."""
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
    start = after.astimezone(tz).date()
    found: list[datetime] = []
    for day in _days(frequency, weekday, day_of_month, start):
        instant = _local_instant(day, at, tz)
        if instant > after:
            found.append(instant)
            if len(found) == count:
                return found
    return found
