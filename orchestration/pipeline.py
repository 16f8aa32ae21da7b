"""The pipeline, defined once, at the top: recompute -> evaluate -> act on what it brought.

The apps below do their own step and know nothing of the next one: `engagements` announces
that an engagement's data changed (`engagements.signals`), `kpis` recomputes and runs what is
registered to follow a recompute (`kpis.progress.after_recompute_register`), `sla` evaluates
and notifies (`sla.tasks`). A new step is added here: `connect()` (called from
`OrchestrationConfig.ready`) for what follows one engagement's change, `nightly_workflow` for
the nightly run.

The nightly run as one Celery workflow:

    chord(
        recompute batch 1 -> evaluate batch 1's engagements,
        ...
        recompute batch n -> evaluate batch n's engagements,
        evaluate the engagements with clauses not recomputed (in evaluation batches),
    ) -> after_evaluation (what the run brought: new breaches and warnings)

Recompute batches hold up to KPI_RECOMPUTE_BATCH_ROWS applications each, one Celery task per
batch, and each batch's engagements are evaluated by the task that follows it in the same
chain (`sla.batch`: one transaction and a fixed number of queries per batch), so more worker
processes (or machines on the same Redis and PostgreSQL) finish sooner and no worker waits
for the others' recomputes before it evaluates. Every step takes the same per-engagement
advisory locks as the commands, so a run never overlaps another, and every step writes only
what changed, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from datetime import date

from celery import chain, chord, group
from django.db import transaction
from django.utils import timezone

from engagements.models import Engagement
from engagements.signals import engagement_data_changed
from forecasts.tasks import recompute_engagement_forecast, recompute_forecast_batch
from kpis import progress
from kpis import services as kpis_services
from kpis.tasks import recompute_metrics_batch
from sla import services
from sla.tasks import (
    after_evaluation,
    evaluate_engagement_slas,
    evaluate_recomputed_batch,
    evaluate_slas_batch,
    forecast_breaches_after_evaluation,
    forecast_engagement_breaches,
)


def connect() -> None:
    """What follows one engagement's change: mark its KPIs stale and recompute them soon
    (debounced), then evaluate its SLAs (linked to the recompute task)."""
    engagement_data_changed.connect(
        recompute_after_data_change, sender=Engagement, dispatch_uid="orchestration-recompute"
    )
    progress.after_recompute_register("sla-evaluation", evaluation_after_recompute)
    progress.after_recompute_register("sla-breach-forecast", forecast_engagement_breaches.si)
    progress.after_recompute_register("hiring-forecast", recompute_engagement_forecast.si)


def recompute_after_data_change(sender, engagement: Engagement, **kwargs) -> None:
    kpis_services.metrics_state_update(
        engagement_ids=[engagement.pk], data_changed_at=timezone.now()
    )
    engagement_id = engagement.pk
    transaction.on_commit(
        lambda: progress.metrics_recompute_schedule(engagement_id=engagement_id), robust=True
    )


def evaluation_after_recompute(engagement_id: int):
    """The SLA evaluation that follows every recompute of one engagement (import, button)."""
    return evaluate_engagement_slas.si(engagement_id)


def nightly_workflow(*, full: bool = False, as_of: date | None = None):
    """The workflow's signature (not yet sent): recompute and evaluate each batch, then
    after_evaluation."""
    as_of_text = (as_of or timezone.now().date()).isoformat()
    ids = list(kpis_services.engagements_to_recompute(full=full).values_list("pk", flat=True))
    batches = kpis_services.recompute_batches(ids)
    # Engagements not recomputed tonight are evaluated too: time alone closes periods.
    recomputed = set(ids)
    rest = [e for e in services.engagements_with_clauses() if e not in recomputed]
    header = [
        chain(
            recompute_metrics_batch.s(batch, as_of_text),
            evaluate_recomputed_batch.s(batch, as_of_text),
        )
        for batch in batches
    ]
    header += [
        evaluate_slas_batch.s(batch, as_of_text) for batch in services.evaluation_batches(rest)
    ]
    # The hiring forecast of every engagement, in the recompute's batches: its as-of moves
    # every night, so a full run of it follows a full or an incremental recompute alike.
    forecast_ids = ids if full else list(Engagement.objects.values_list("pk", flat=True))
    header += [
        recompute_forecast_batch.si(batch, as_of_text)
        for batch in kpis_services.recompute_batches(forecast_ids)
    ]
    return chord(
        group(header or [evaluate_slas_batch.s([], as_of_text)]),
        after_evaluation.s(as_of_text) | forecast_breaches_after_evaluation.s(as_of_text),
    )


def nightly_pipeline_start(*, full: bool = False, as_of: date | None = None):
    return nightly_workflow(full=full, as_of=as_of).apply_async()
