"""The nightly pipeline as one Celery workflow, and the evaluation after a recompute.

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
from django.utils import timezone

from engagements.models import Engagement
from kpis import services as kpis_services
from rpo_portal import fanout
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
    """The workflow's signature (not yet sent): recompute and evaluate each batch, then
    after_evaluation."""
    from kpis.tasks import recompute_metrics_batch
    from sla.tasks import after_evaluation, evaluate_recomputed_batch, evaluate_slas_batch

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
    return chord(
        group(header or [evaluate_slas_batch.s([], as_of_text)]), after_evaluation.s(as_of_text)
    )


def nightly_pipeline_start(*, full: bool = False, as_of: date | None = None):
    return nightly_workflow(full=full, as_of=as_of).apply_async()


def evaluation_batch_run(
    *, engagement_ids: list[int], as_of: str, changed_ids: list[int] | None = None
) -> list[dict]:
    """Evaluate those of the batch's engagements that need it (their values changed, listed
    in `changed_ids`, or not yet evaluated as of `as_of`)."""
    day = date.fromisoformat(as_of)
    ids = services.engagements_to_evaluate(
        changed_ids=changed_ids or [], as_of=day, among=engagement_ids
    )

    def evaluated(part: list[int]) -> list[dict]:
        return [r.as_dict() for r in services.slas_evaluate(engagement_ids=part, as_of=day)]

    # A batch that fails is evaluated one engagement at a time: one that fails is logged and
    # keeps its outcomes, breaches and warnings as they were; the others are evaluated.
    return fanout.batch_or_each("SLA evaluation", ids, evaluated)


def engagement_evaluation_run(*, engagement_id: int) -> dict:
    """Evaluate one engagement now (after its recompute or its clauses changed)."""
    if not Engagement.objects.filter(pk=engagement_id).exists():
        return {}
    result = services.slas_evaluate(engagement_ids=[engagement_id])[0]
    return services.after_evaluation(results=[result.as_dict()])
