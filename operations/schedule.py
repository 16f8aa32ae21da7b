"""Celery beat that sends each scheduled job once per slot, however many beats run.

A job's slot is the moment it was due: for a crontab the latest matching minute, for an
interval the start of the current interval. Before sending, the scheduler inserts
`ScheduledRun(job, slot)` in the transaction that sends it; a second scheduler's insert waits
for the first to commit, then finds the row and skips. A failed send rolls the row back, so
the other scheduler (or this one at its next tick) may still send it.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from celery import schedules
from celery.beat import PersistentScheduler
from django.db import IntegrityError, close_old_connections, transaction

from operations.models import ScheduledRun

# A crontab matches at least once a year; a bound keeps a nonsense schedule from looping.
_SEARCH_MINUTES = 366 * 24 * 60


def last_due(schedule, now: datetime) -> datetime:
    """When `schedule` was last due at or before `now` (UTC, to the minute for a crontab)."""
    if isinstance(schedule, schedules.crontab):
        return _last_crontab_minute(schedule, now)
    seconds = schedule.run_every.total_seconds()
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + timedelta(seconds=seconds * ((now - epoch).total_seconds() // seconds))


def _last_crontab_minute(cron: schedules.crontab, now: datetime) -> datetime:
    moment = now.astimezone(UTC).replace(second=0, microsecond=0)
    for _ in range(_SEARCH_MINUTES):
        day_matches = (
            moment.month in cron.month_of_year
            and moment.day in cron.day_of_month
            and moment.isoweekday() % 7 in cron.day_of_week  # crontab: 0 is Sunday
        )
        if not day_matches:
            moment = moment.replace(hour=23, minute=59) - timedelta(days=1)
        elif moment.hour not in cron.hour:
            moment = moment.replace(minute=59) - timedelta(hours=1)
        elif moment.minute not in cron.minute:
            moment -= timedelta(minutes=1)
        else:
            return moment
    raise ValueError(f"{cron} never matched in a year before {now}")


def scheduled_run_claim(*, job: str, slot: datetime, task: str) -> bool:
    """Record that `job` is being sent for `slot`; False if another scheduler already did.

    Call inside the transaction that sends the job.
    """
    try:
        with transaction.atomic():
            ScheduledRun.objects.create(
                job=job, slot=slot, task=task, sent_by=f"{socket.gethostname()}:{os.getpid()}"
            )
    except IntegrityError:
        return False
    return True


class OncePerSlotScheduler(PersistentScheduler):
    """The schedule in code (CELERY_BEAT_SCHEDULE), each due job sent by one scheduler only."""

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        slot = last_due(entry.schedule, self.app.now())
        # Beat is long-lived: a connection the database dropped is replaced, not reused.
        close_old_connections()
        with transaction.atomic():
            if not scheduled_run_claim(job=entry.name, slot=slot, task=entry.task):
                if advance:  # as beat does after sending: the entry waits for its next slot
                    self.reserve(entry)
                return None
            return super().apply_async(entry, producer=producer, advance=advance, **kwargs)
