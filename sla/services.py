"""Writes for SLAs: evaluating agreed clauses into outcomes, breaches and warnings.

Evaluation reads the stored KPI values and the clauses in force, works out every period's
outcome with the pure functions of `sla.evaluation`, and writes only what changed: outcomes
are updated in place (one per clause and period), a new breach outcome opens one Breach per
clause and period, a breach whose value later changes keeps its record and notes the change,
and warnings are raised and cleared. Runs of one engagement never overlap.
"""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements import agreement
from engagements.models import Engagement
from rpo_portal import fanout
from sla import schedule as schedule_terms
from sla import schedule_notices
from sla.models import (
    Breach,
    SlaClause,
    SlaEvaluationRun,
    SlaOutcome,
    SlaSchedule,
    Warning,
)
from sla.runs import (  # LOCK_CLASS: the service's lock, as named before sla.runs existed
    LOCK_CLASS,  # noqa: F401
    EvaluationResult,
    evaluation_schedule,
)

logger = logging.getLogger(__name__)

# Engagements evaluated together: one transaction, and one task of the nightly fan-out.
EVALUATION_BATCH = getattr(settings, "SLA_EVALUATION_BATCH", 25)


def slas_evaluate(
    *, engagement_ids: list[int], as_of: date | None = None
) -> list[EvaluationResult]:
    """Evaluate the clauses in force of these engagements as of `as_of` (default today).

    In batches of EVALUATION_BATCH engagements (`sla.batch`), each batch in one transaction
    with a fixed number of queries, under the locks of its engagements: an engagement whose
    lock another evaluation holds gets `evaluated=False` and nothing of it is written.
    Evaluating again with nothing changed writes no outcome, breach or warning.
    """
    from sla.batch import batch_evaluate

    as_of = as_of or timezone.now().date()
    results: dict[int, EvaluationResult] = {}
    for batch in evaluation_batches(engagement_ids):
        results.update(batch_evaluate(batch, as_of))
    for result in results.values():
        logger.info("SLA evaluation: %s", result)
    return [results[engagement_id] for engagement_id in engagement_ids]


def evaluation_batches(engagement_ids: list[int]) -> list[list[int]]:
    """Batches of up to EVALUATION_BATCH engagements: one transaction each, and one Celery
    task each in the nightly run."""
    ids = sorted(set(engagement_ids))
    return [ids[i : i + EVALUATION_BATCH] for i in range(0, len(ids), EVALUATION_BATCH)]


def engagement_slas_evaluate(
    *, engagement: Engagement, as_of: date | None = None
) -> EvaluationResult:
    return slas_evaluate(engagement_ids=[engagement.pk], as_of=as_of)[0]


def engagements_with_clauses(among: list[int] | None = None) -> list[int]:
    clauses = SlaClause.objects.filter(in_force=True)
    if among is not None:
        clauses = clauses.filter(engagement_id__in=among)
    return list(
        clauses.values_list("engagement_id", flat=True).distinct().order_by("engagement_id")
    )


def engagements_to_evaluate(
    *, changed_ids: list[int], as_of: date, among: list[int] | None = None
) -> list[int]:
    """The engagements whose KPI values changed, and those with clauses not yet evaluated as
    of `as_of` (time alone closes periods and ends warnings); only those `among` if given."""
    with_clauses = set(engagements_with_clauses(among))
    evaluated_today = set(
        SlaEvaluationRun.objects.filter(engagement_id__in=with_clauses, as_of__gte=as_of)
        .values_list("engagement_id", flat=True)
        .distinct()
    )
    stale = with_clauses - evaluated_today
    return sorted((set(changed_ids) & with_clauses) | stale)


def after_evaluation(*, results: list[dict]) -> dict[str, list[int]]:
    """The last step of every evaluation workflow: what it brought that people must hear of.

    Returns the ids of the new breaches, the breaches whose value changed, and the warnings
    raised, and records each new breach and warning in the log. Notifications plug in here.
    """
    events: dict[str, list[int]] = {
        "new_breach_ids": [],
        "changed_breach_ids": [],
        "new_warning_ids": [],
    }
    for result in results:
        for name in events:
            events[name].extend(result.get(name, []))
    for breach in Breach.objects.filter(pk__in=events["new_breach_ids"]).select_related("clause"):
        logger.warning(
            "SLA breach: engagement %s clause %s period %s value %s (threshold %s)",
            breach.engagement_id,
            breach.clause.key,
            breach.period,
            breach.value,
            breach.threshold,
        )
    for warning in Warning.objects.filter(pk__in=events["new_warning_ids"]).select_related(
        "clause"
    ):
        logger.info(
            "SLA warning: engagement %s clause %s period %s value %s",
            warning.engagement_id,
            warning.clause.key,
            warning.period,
            warning.value,
        )
    from sla.breaches.services import sla_events_notify

    sla_events_notify(events=events)  # each lead of both parties, never twice
    return events


# --- the SLA schedule: proposed by one party, agreed as a whole by the other -------------------

PROPOSE = "sla.propose_schedule"
AGREE = "sla.agree_schedule"
CLAUSE_TERMS = ("key", *schedule_terms.TERMS)


def _clause_terms_json(clause: SlaClause) -> dict:
    return {name: agreement.jsonable(getattr(clause, name)) for name in CLAUSE_TERMS}


def _schedule_changes(clauses: list[SlaClause], replaces: SlaSchedule | None) -> dict:
    """What a proposal says: every clause's terms, or for a counter what it changes."""
    terms = {c.key: _clause_terms_json(c) for c in clauses}
    if replaces is None:
        return {"clauses": terms}
    before = {c.key: _clause_terms_json(c) for c in replaces.clauses.all()}
    changes: dict = {}
    for key, after in terms.items():
        if key not in before:
            changes[key] = {"added": after}
        else:
            changed = agreement.terms_changed(before[key], after)
            if changed:
                changes[key] = changed
    for key in before.keys() - terms.keys():
        changes[key] = {"removed": before[key]}
    return {"clauses": changes}


@transaction.atomic
def schedule_propose(
    *,
    actor,
    engagement: Engagement,
    clauses: list[dict],
    source_name: str = "",
    note: str = "",
    replaces: SlaSchedule | None = None,
) -> SlaSchedule:
    """One party proposes clauses (terms as `sla.schedule` reads them); none is in force
    until the other party agrees to the schedule."""
    schedule = agreement.proposal_make(
        SlaSchedule,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        replaces=replaces,
        note=note,
        source_name=source_name,
    )
    if not clauses:  # after the role check, as before: an outsider is refused whatever is sent
        raise ValidationError("A schedule needs at least one clause.")
    rows = []
    for terms in clauses:
        clause = SlaClause(engagement=engagement, schedule=schedule, **terms)
        try:
            clause.full_clean(exclude=["schedule"], validate_constraints=False)
        except ValidationError as error:
            raise ValidationError(
                {f"{terms.get('key')}: {k}": v for k, v in error.message_dict.items()}
            ) from None
        rows.append(clause)
    SlaClause.objects.bulk_create(rows)
    agreement.proposed_record(schedule, _schedule_changes(rows, replaces))
    schedule_notices.schedule_notify(
        schedule, event="proposed" if replaces is None else "countered", actor=actor
    )
    return schedule


def _schedule_in_force(schedule: SlaSchedule) -> None:
    """Agreed: its clauses take effect; a clause with an earlier clause's key supersedes it and
    takes over that clause's outcomes, breaches and warnings."""
    clauses = list(schedule.clauses.all())
    earlier = {
        c.key: c
        for c in SlaClause.objects.filter(
            engagement_id=schedule.engagement_id,
            in_force=True,
            key__in=[c.key for c in clauses],
        )
    }
    SlaClause.objects.filter(pk__in=[c.pk for c in earlier.values()]).update(in_force=False)
    for clause in clauses:
        old = earlier.get(clause.key)
        if old is not None:
            SlaClause.objects.filter(pk=old.pk).update(superseded_by=clause)
            for model in (SlaOutcome, Breach, Warning):
                model.objects.filter(clause=old).update(clause=clause)
    SlaClause.objects.filter(schedule=schedule).update(in_force=True)
    engagement_id = schedule.engagement_id
    transaction.on_commit(lambda: evaluation_schedule(engagement_id=engagement_id), robust=True)


ANSWERS = agreement.Answers("schedule", AGREE, on_agreed=_schedule_in_force)


@transaction.atomic
def schedule_agree(*, actor, schedule: SlaSchedule, note: str = "") -> SlaSchedule:
    """The other party agrees: every clause of the schedule is in force from now on."""
    ANSWERS.agree(actor=actor, schedule=schedule, note=note)
    schedule_notices.schedule_notify(schedule, event="agreed", actor=actor)
    return schedule


@transaction.atomic
def schedule_reject(*, actor, schedule: SlaSchedule, note: str = "") -> SlaSchedule:
    ANSWERS.reject(actor=actor, schedule=schedule, note=note)
    schedule_notices.schedule_notify(schedule, event="rejected", actor=actor)
    return schedule


@transaction.atomic
def schedule_counter(
    *, actor, schedule: SlaSchedule, clauses: list[dict], source_name: str = "", note: str = ""
) -> SlaSchedule:
    """The other party answers with different clauses: a new schedule for the first to answer."""

    def propose() -> SlaSchedule:
        return schedule_propose(
            actor=actor,
            engagement=schedule.engagement,
            clauses=clauses,
            source_name=source_name,
            note=note,
            replaces=schedule,
        )

    return agreement.proposal_counter(
        actor=actor, proposal=schedule, perm=AGREE, propose=propose, note=note
    )


# --- Runs of the evaluation (what the tasks call) ---------------------------------------


def flatten(parts) -> list:
    """Chord results (lists of lists) as one list."""
    flat = []
    for part in parts or []:
        if isinstance(part, list):
            flat.extend(flatten(part))
        elif part is not None:
            flat.append(part)
    return flat


def evaluation_batch_run(
    *, engagement_ids: list[int], as_of: str, changed_ids: list[int] | None = None
) -> list[dict]:
    """Evaluate those of the batch's engagements that need it (their values changed, listed
    in `changed_ids`, or not yet evaluated as of `as_of`)."""
    day = date.fromisoformat(as_of)
    ids = engagements_to_evaluate(changed_ids=changed_ids or [], as_of=day, among=engagement_ids)

    def evaluated(part: list[int]) -> list[dict]:
        return [result.as_dict() for result in slas_evaluate(engagement_ids=part, as_of=day)]

    # A batch that fails is evaluated one engagement at a time: one that fails is logged and
    # keeps its outcomes, breaches and warnings as they were; the others are evaluated.
    return fanout.batch_or_each("SLA evaluation", ids, evaluated)


def engagement_evaluation_run(*, engagement_id: int) -> dict:
    """Evaluate one engagement now (after its recompute or its clauses changed)."""
    if not Engagement.objects.filter(pk=engagement_id).exists():
        return {}
    result = slas_evaluate(engagement_ids=[engagement_id])[0]
    return after_evaluation(results=[result.as_dict()])
