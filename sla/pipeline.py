"""The nightly pipeline as one Celery workflow, and the evaluation after a recompute.

    chord(recompute batch 1 .. n) -> evaluate the engagements that changed, fanned out
    in batches -> after_evaluation (what the run brought: new breaches and warnings)

Recompute batches hold up to KPI_RECOMPUTE_BATCH_ROWS applications each, one Celery task per
batch, so more worker processes (or machines on the same Redis and PostgreSQL) finish
sooner. Every step takes the same per-engagement advisory locks as the commands, so a run
never overlaps another, and every step writes only what changed, so running it twice changes
nothing the second time.
"""

from __future__ import annotations

from datetime import date

from celery import chord, group
from django.utils import timezone

from engagements.models import Engagement
from kpis import services as kpis_services
from sla import services


def flatten(parts) -> list:
    """Chord results (lists of lists) as one list."""
    flat = []
    for part in parts or []:
        if isinstance(part, list):
            flat.extend(flatten(part))
        elif part is not None:
            flat.append(part)
    return flat


def nightly_workflow(*, full: bool = False, as_of: date | None = None):
    """The workflow's signature (not yet sent): recompute, evaluate, after_evaluation."""
    from kpis.tasks import recompute_metrics_batch
    from sla.tasks import evaluate_changed_engagements

    as_of_text = (as_of or timezone.now().date()).isoformat()
    ids = list(kpis_services.engagements_to_recompute(full=full).values_list("pk", flat=True))
    batches = kpis_services.recompute_batches(ids) or [[]]
    header = group(recompute_metrics_batch.s(batch, as_of_text) for batch in batches)
    return chord(header, evaluate_changed_engagements.s(as_of_text))


def nightly_pipeline_start(*, full: bool = False, as_of: date | None = None):
    return nightly_workflow(full=full, as_of=as_of).apply_async()


def evaluation_fan_out(*, changed, as_of: str):
    """The evaluation step: one task per batch of engagements, then after_evaluation."""
    from sla.tasks import after_evaluation, evaluate_slas_batch

    ids = services.engagements_to_evaluate(
        changed_ids=flatten(changed), as_of=date.fromisoformat(as_of)
    )
    batches = services.evaluation_batches(ids)
    header = group(evaluate_slas_batch.s(batch, as_of) for batch in batches or [[]])
    return chord(header, after_evaluation.s(as_of))


def evaluation_batch_run(*, engagement_ids: list[int], as_of: str) -> list[dict]:
    results = services.slas_evaluate(engagement_ids=engagement_ids, as_of=date.fromisoformat(as_of))
    return [result.as_dict() for result in results]


def engagement_evaluation_run(*, engagement_id: int) -> dict:
    """Evaluate one engagement now (after its recompute or its clauses changed)."""
    if not Engagement.objects.filter(pk=engagement_id).exists():
        return {}
    result = services.slas_evaluate(engagement_ids=[engagement_id])[0]
    return services.after_evaluation(results=[result.as_dict()])
