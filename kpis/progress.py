"""Recompute scheduling and progress, kept in Redis (the cache).

A burst of imports enqueues one recompute; the "Recompute now" button enqueues at once; the
worker records its progress for the page to poll. Redis being unreachable never fails the
import or the page: the data is marked changed in PostgreSQL and the nightly run catches up.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from engagements.models import Engagement
from rpo_portal.advisory_locks import xact_lock_held
from rpo_portal.redis_errors import REDIS_ERRORS
from rpo_portal.task_names import task_named

logger = logging.getLogger(__name__)

# A burst of imports within this many seconds enqueues one recompute.
DEBOUNCE_SECONDS = getattr(settings, "KPI_RECOMPUTE_DEBOUNCE_SECONDS", 30)
RECOMPUTE_TASK = "kpis.tasks.recompute_engagement_metrics"

# What follows a recompute of one engagement (after an import, the button), by name: each a
# function of the engagement id that returns a Celery signature. The layer above registers
# them (orchestration.pipeline), so the KPI engine does not know what runs after it.
_after_recompute: dict[str, Callable[[int], object]] = {}


def after_recompute_register(name: str, step: Callable[[int], object]) -> None:
    _after_recompute[name] = step


def _steps_after(engagement_id: int):
    """The signature(s) linked to a recompute of one engagement (None when nothing follows)."""
    steps = [step(engagement_id) for step in _after_recompute.values()]
    return steps[0] if len(steps) == 1 else steps or None


def _pending_key(engagement_id: int) -> str:
    return f"kpis:recompute-pending:{engagement_id}"


def _progress_key(engagement_id: int) -> str:
    return f"kpis:recompute-progress:{engagement_id}"


def metrics_recompute_schedule(*, engagement_id: int, countdown: int = DEBOUNCE_SECONDS) -> bool:
    """Enqueue a recompute `countdown` seconds from now unless one is already waiting.

    Returns whether a task was enqueued: a burst of imports enqueues one run.
    """
    try:
        if not cache.add(_pending_key(engagement_id), 1, timeout=countdown + 300):
            return False
        task_named(RECOMPUTE_TASK).apply_async(
            args=[engagement_id], countdown=countdown, link=_steps_after(engagement_id)
        )
    except REDIS_ERRORS:
        # The data is marked changed in PostgreSQL: the nightly run still picks it up.
        logger.warning("KPI recompute of engagement %s not queued", engagement_id, exc_info=True)
        return False
    return True


def recompute_progress_set(*, engagement_id: int, state: str, message: str) -> None:
    cache.set(
        _progress_key(engagement_id),
        {"state": state, "message": message, "at": timezone.now().isoformat()},
        timeout=3600,
    )


PROGRESS_UNKNOWN = {"state": "unknown", "message": "progress cannot be read right now"}


def recompute_progress(*, engagement_id: int) -> dict[str, str] | None:
    """The latest progress of a recompute, None when none ran lately, or "unknown" when
    Redis cannot be reached."""
    try:
        status = cache.get(_progress_key(engagement_id))
        if status and status.get("state") == "running" and not _recompute_running(engagement_id):
            # Read again: the run may have finished between the two reads.
            status = cache.get(_progress_key(engagement_id))
            if status and status.get("state") == "running":
                return PROGRESS_INTERRUPTED
        return status
    except REDIS_ERRORS:
        logger.warning("KPI recompute progress unreadable", exc_info=True)
        return PROGRESS_UNKNOWN


# "running" is written while the run holds the engagement's recompute lock (a PostgreSQL
# advisory lock, which ends with its connection): a worker killed mid-run leaves "running"
# behind without the lock. The run itself is put back in the queue (kpis/tasks.py); until it
# starts again the page says the last run stopped and offers "Recompute now".
PROGRESS_INTERRUPTED = {
    "state": "interrupted",
    "message": "stopped before it finished; it runs again when a worker is free",
}


def _recompute_running(engagement_id: int) -> bool:
    from kpis.services import LOCK_CLASS

    return xact_lock_held(LOCK_CLASS, engagement_id)


def metrics_recompute_now(*, actor, engagement: Engagement) -> bool:
    """The "Recompute now" button: enqueue at once and show progress.

    Returns False when the job queue cannot be reached, so the page can say so: the enqueue
    happens (or fails) before this returns. (It writes nothing to the database, so the worker
    has nothing of the request's transaction to wait for.)
    """
    if not actor.has_perm("kpis.recompute", engagement):
        raise PermissionDenied("Your role does not allow recomputing KPIs.")
    failed = []

    def enqueue() -> None:
        try:
            task_named(RECOMPUTE_TASK).apply_async(
                args=[engagement.pk], countdown=0, link=_steps_after(engagement.pk)
            )
        except REDIS_ERRORS:
            logger.warning("KPI recompute of %s not queued", engagement.pk, exc_info=True)
            failed.append(engagement.pk)
            recompute_progress_clear(engagement_id=engagement.pk)

    try:
        recompute_progress_set(
            engagement_id=engagement.pk, state="queued", message="Waiting to start"
        )
    except REDIS_ERRORS:
        logger.warning("KPI recompute of %s not queued", engagement.pk, exc_info=True)
        return False
    enqueue()
    return not failed


def recompute_progress_clear(*, engagement_id: int) -> None:
    with contextlib.suppress(*REDIS_ERRORS):  # else it expires within the hour
        cache.delete(_progress_key(engagement_id))


def metrics_recompute_task_run(*, engagement_id: int):
    """What the Celery task does: clear the debounce marker, recompute, record progress.

    Returns the `kpis.services.RecomputeResult`, or None for an engagement since deleted."""
    from kpis.services import engagement_metrics_recompute

    cache.delete(_pending_key(engagement_id))
    engagement = Engagement.objects.filter(pk=engagement_id).first()
    if engagement is None:
        return None

    def progress(message: str) -> None:
        recompute_progress_set(engagement_id=engagement_id, state="running", message=message)

    try:
        result = engagement_metrics_recompute(engagement=engagement, progress=progress)
    except Exception:
        recompute_progress_set(engagement_id=engagement_id, state="failed", message="Failed")
        raise
    state = "done" if result.computed else "skipped"
    message = (
        f"{result.value_count} values ({result.inserted} new, {result.updated} changed, "
        f"{result.deleted} removed)"
        if result.computed
        else "Another recompute of this engagement is running"
    )
    recompute_progress_set(engagement_id=engagement_id, state=state, message=message)
    return result
