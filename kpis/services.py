"""Writes for KPIs: the recompute of MetricValue, in batches, one run per engagement at a time.

Reading the recruiting tables is `kpis.reading`, the computation `kpis.compute` (pure), storing
the values `kpis.storage`; scheduling and progress in Redis are `kpis.progress`, the
negotiation of targets `kpis.target_services`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from engagements.models import Engagement
from kpis import compute, reading, storage
from kpis.models import EngagementMetricsState, KpiTarget, MetricRun, TargetState
from recruiting.models import Application
from rpo_portal import fanout
from rpo_portal.advisory_locks import try_xact_locks

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock(LOCK_CLASS, engagement id): one recompute per engagement at a time.
LOCK_CLASS = 7301
# A full run computes engagements together, up to this many applications at a time.
BATCH_ROWS = settings.KPI_RECOMPUTE_BATCH_ROWS


@dataclass
class RecomputeResult:
    engagement_id: int
    computed: bool  # False: another run holds the engagement's lock
    as_of: date | None = None
    value_count: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def unchanged(self) -> int:
        return self.value_count - self.inserted - self.updated

    def __str__(self) -> str:
        if not self.computed:
            return f"engagement {self.engagement_id}: a recompute is already running, skipped"
        return (
            f"engagement {self.engagement_id} as of {self.as_of}: {self.value_count} values, "
            f"{self.inserted} new, {self.updated} changed, {self.unchanged} unchanged, "
            f"{self.deleted} removed"
        )


# The model's field behind each of compute.TARGET_COLUMNS where the names differ.
TARGET_FIELD_OF = {"target_id": "id", "agreed_at": "responded_at"}


def _agreed_targets(engagement_ids: list[int]) -> pd.DataFrame:
    fields = [TARGET_FIELD_OF.get(c, c) for c in compute.TARGET_COLUMNS]
    rows = list(
        KpiTarget.objects.filter(
            engagement_id__in=engagement_ids, state=TargetState.AGREED
        ).values_list(*fields)
    )
    return pd.DataFrame(rows, columns=compute.TARGET_COLUMNS)


def _last_fingerprints(engagement_ids: list[int]) -> dict[int, str]:
    runs = (
        MetricRun.objects.filter(engagement_id__in=engagement_ids)
        .order_by("engagement_id", "-started_at", "-id")
        .distinct("engagement_id")
        .values_list("engagement_id", "fingerprint")
    )
    return dict(runs)


def _batches(engagement_ids: list[int], limit: int) -> list[list[int]]:
    """Consecutive groups of engagements holding up to `limit` applications each.

    Cut from the engagements' own counts only, never from the planner's statistics (whose
    estimate of the table differs from one database to the next, a fresh one most of all),
    so the same data always gives the same batches."""
    if len(engagement_ids) <= 1:
        return [engagement_ids] if engagement_ids else []
    sizes = _application_counts(engagement_ids)
    batches, batch, rows = [], [], 0
    for engagement_id in engagement_ids:
        size = sizes.get(engagement_id, 0)
        if batch and rows + size > limit:
            batches.append(batch)
            batch, rows = [], 0
        batch.append(engagement_id)
        rows += size
    if batch:
        batches.append(batch)
    return batches


def _application_counts(engagement_ids: list[int]) -> dict[int, int]:
    """{engagement: applications}: as the last computation read them while the engagement's
    data has not changed since (one small read), counted for the others."""
    states = EngagementMetricsState.objects.filter(
        engagement_id__in=engagement_ids, applications__isnull=False
    ).filter(Q(data_changed_at__isnull=True) | Q(data_changed_at__lte=F("metrics_computed_at")))
    sizes = dict(states.values_list("engagement_id", "applications"))
    rest = [engagement_id for engagement_id in engagement_ids if engagement_id not in sizes]
    if rest:
        sizes.update(
            Application.objects.filter(engagement_id__in=rest)
            .values_list("engagement_id")
            .annotate(rows=Count("id"))
            .values_list("engagement_id", "rows")
        )
    return sizes


def recompute_batches(engagement_ids: list[int]) -> list[list[int]]:
    """The batches a full run computes together: one Celery task each in the nightly run."""
    return _batches(sorted(engagement_ids), BATCH_ROWS)


def metrics_recompute_batch(*, engagement_ids: list[int], as_of: date) -> list[int]:
    """Recompute one batch of the nightly run; returns the engagements whose stored values
    changed. If the batch fails, each engagement is recomputed alone: one that fails keeps its
    previous values and is logged, and the others are computed."""

    def changed(ids: list[int]) -> list[int]:
        results = metrics_recompute(engagement_ids=ids, as_of=as_of)
        return [
            r.engagement_id
            for r in results
            if r.computed and (r.inserted or r.updated or r.deleted)
        ]

    return fanout.batch_or_each("KPI recompute", engagement_ids, changed, atomic=False)


def metrics_recompute(
    *,
    engagement_ids: list[int],
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[RecomputeResult]:
    """Recompute every KPI value of these engagements as of `as_of` (default today).

    Engagements are computed in batches of up to KPI_RECOMPUTE_BATCH_ROWS applications,
    each batch in one pass of the engine (`engagement_id` is its first group key) and one
    transaction: a run that dies halfway leaves the previous values of every engagement it
    had not finished. Runs of one engagement never overlap: an engagement whose lock another
    run holds gets `computed=False`. An engagement whose values hash the same as its last
    run's is not written again.
    """
    as_of = as_of or timezone.now().date()
    results = {}
    for batch in _batches(sorted(engagement_ids), BATCH_ROWS):
        results.update(_recompute_batch(batch, as_of, progress or (lambda message: None)))
    return [results[engagement_id] for engagement_id in engagement_ids]


def _recompute_batch(engagement_ids, as_of, report) -> dict[int, RecomputeResult]:
    with transaction.atomic():
        locked = try_xact_locks(LOCK_CLASS, engagement_ids)
        results = {
            engagement_id: RecomputeResult(engagement_id=engagement_id, computed=False)
            for engagement_id in engagement_ids
            if engagement_id not in locked
        }
        if not locked:
            return results
        started = timezone.now()
        report("Reading recruiting data")
        frames = reading.load_frames(locked)
        report("Computing KPI values")
        policies = dict(
            Engagement.objects.filter(pk__in=locked).values_list("pk", "exclude_on_hold")
        )
        values = compute.metric_frames(frames, as_of=as_of, exclude_on_hold=policies)
        values = compute.with_status(values, _agreed_targets(locked))
        # The fingerprint's and the diff's, and stored with each value (as a signed bigint).
        values["row_hash"] = storage.row_hashes(values, storage.STORED_COLUMNS).view(np.int64)
        fingerprints = storage.fingerprints(values)
        previous = _last_fingerprints(locked)
        changed = [e for e in locked if fingerprints.get(e, storage.EMPTY) != previous.get(e)]
        report("Saving KPI values")
        if len(changed) < len(locked):
            values = values[values["engagement_id"].isin(changed)]
        counts = storage.write_values(changed, values, started)
        read = frames.applications["engagement_id"].value_counts()
        metrics_state_update(
            engagement_ids=locked,
            metrics_computed_at=started,
            applications={e: int(read.get(e, 0)) for e in locked},
        )
        finished = timezone.now()
        runs = []
        for engagement_id in locked:
            inserted, updated, deleted = counts.get(engagement_id, (0, 0, 0))
            fingerprint = fingerprints.get(engagement_id, storage.EMPTY)
            result = RecomputeResult(
                engagement_id=engagement_id,
                computed=True,
                as_of=as_of,
                value_count=int(fingerprint.rsplit("-", 1)[1]),
                inserted=inserted,
                updated=updated,
                deleted=deleted,
            )
            results[engagement_id] = result
            runs.append(
                MetricRun(
                    engagement_id=engagement_id,
                    as_of=as_of,
                    started_at=started,
                    finished_at=finished,
                    value_count=result.value_count,
                    inserted=inserted,
                    updated=updated,
                    deleted=deleted,
                    fingerprint=fingerprint,
                )
            )
        MetricRun.objects.bulk_create(runs)
    for result in results.values():
        logger.info("KPI recompute: %s", result)
    return results


def engagement_metrics_recompute(
    *,
    engagement: Engagement,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeResult:
    """Recompute one engagement (the button, the run after an import, the command)."""
    return metrics_recompute(engagement_ids=[engagement.pk], as_of=as_of, progress=progress)[0]


def engagements_to_recompute(*, full: bool = False):
    """Engagements whose data (or targets) changed since their values were computed."""
    engagements = Engagement.objects.order_by("pk")
    if full:
        return engagements
    return engagements.filter(
        Q(metrics_state__metrics_computed_at__isnull=True)
        | Q(metrics_state__data_changed_at__gt=F("metrics_state__metrics_computed_at"))
    )


def metrics_state_update(
    *, engagement_ids, applications: dict[int, int] | None = None, **fields
) -> None:
    """Set the KPI bookkeeping timestamps (`data_changed_at`, `metrics_computed_at`) of these
    engagements, and with `applications` each one's count read, in one upsert, creating their
    rows on first use."""
    per_engagement = {"applications": applications} if applications is not None else {}
    EngagementMetricsState.objects.bulk_create(
        [
            EngagementMetricsState(
                engagement_id=pk,
                **fields,
                **{name: values[pk] for name, values in per_engagement.items()},
            )
            for pk in engagement_ids
        ],
        update_conflicts=True,
        unique_fields=["engagement"],
        update_fields=[*fields, *per_engagement],
    )


def metrics_recompute_stale(*, full: bool = False, as_of: date | None = None):
    """The nightly job run without a worker: recompute every engagement that needs it in one
    pass; if that fails, each engagement alone, and one that fails is left out (logged)."""
    ids = list(engagements_to_recompute(full=full).values_list("pk", flat=True))
    return fanout.batch_or_each(
        "KPI recompute",
        ids,
        lambda part: metrics_recompute(engagement_ids=part, as_of=as_of),
        atomic=False,
    )


# Split out by concern; still importable from here for code written before the split.
from kpis.target_services import (  # noqa: E402, F401
    TARGET_FIELDS,
    target_agree,
    target_counter,
    target_propose,
    target_reject,
)
