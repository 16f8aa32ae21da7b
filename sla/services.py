"""Writes for SLAs: evaluating agreed clauses into outcomes, breaches and warnings.

Evaluation reads the stored KPI values and the clauses in force, works out every period's
outcome with the pure functions of `sla.evaluation`, and writes only what changed: outcomes
are updated in place (one per clause and period), a new breach outcome opens one Breach per
clause and period, a breach whose value later changes keeps its record and notes the change,
and warnings are raised and cleared. Runs of one engagement never overlap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engagements import agreement
from engagements.models import Engagement
from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY
from sla import evaluation as ev
from sla import schedule as schedule_terms
from sla.models import (
    Breach,
    BreachEvent,
    Outcome,
    ScheduleStep,
    SlaClause,
    SlaEvaluationRun,
    SlaOutcome,
    SlaSchedule,
    Warning,
)

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock(LOCK_CLASS, engagement id): one SLA evaluation per engagement.
LOCK_CLASS = 7302
OUTCOME_FIELDS = ("closed", "value", "shown_value", "n", "outcome", "metric_value_id")


@dataclass
class EvaluationResult:
    engagement_id: int
    evaluated: bool  # False: another evaluation of the engagement holds its lock
    as_of: date | None = None
    outcomes: int = 0
    outcomes_changed: int = 0
    new_breach_ids: list[int] = field(default_factory=list)
    changed_breach_ids: list[int] = field(default_factory=list)
    new_warning_ids: list[int] = field(default_factory=list)
    cleared_warning_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.evaluated:
            return f"engagement {self.engagement_id}: an SLA evaluation is already running, skipped"
        return (
            f"engagement {self.engagement_id} as of {self.as_of}: {self.outcomes} outcomes "
            f"({self.outcomes_changed} changed), {len(self.new_breach_ids)} new breaches, "
            f"{len(self.changed_breach_ids)} breach values changed, "
            f"{len(self.new_warning_ids)} warnings raised, "
            f"{len(self.cleared_warning_ids)} cleared"
        )

    def as_dict(self) -> dict:
        """For Celery (JSON)."""
        return {
            "engagement_id": self.engagement_id,
            "evaluated": self.evaluated,
            "new_breach_ids": self.new_breach_ids,
            "changed_breach_ids": self.changed_breach_ids,
            "new_warning_ids": self.new_warning_ids,
            "cleared_warning_ids": self.cleared_warning_ids,
        }


def clause_terms(clause: SlaClause) -> ev.ClauseTerms:
    kpi = KPI_BY_KEY[clause.kpi]
    return ev.ClauseTerms(
        key=clause.key,
        grain=clause.grain,
        kind=clause.kind,
        direction=kpi.direction,
        decimals=kpi.decimals,
        threshold=clause.threshold,
        effective_from=clause.effective_from,
        effective_to=clause.effective_to,
        pct=clause.pct,
        min_n=clause.min_n,
        grace_days=clause.grace_days,
        repeat_pct=clause.repeat_pct,
        cap_pct=clause.cap_pct,
        earn_back=clause.earn_back,
    )


def _try_lock(engagement_id: int) -> bool:
    from rpo_portal.advisory_locks import try_xact_locks  # the one helper, kpis' too

    return bool(try_xact_locks(LOCK_CLASS, [engagement_id]))


def _clause_values(engagement_id: int, clauses: list[SlaClause]) -> dict[int, dict]:
    """Each clause's stored KPI values by period: {clause id: {period: (StoredValue, id)}}."""
    if not clauses:
        return {}
    wanted = Q()
    for clause in clauses:
        wanted |= Q(
            kpi=clause.kpi, grain=clause.grain, dimension=clause.dimension, segment=clause.segment
        )
    rows = MetricValue.objects.filter(
        wanted, engagement_id=engagement_id, version=DEFINITION_VERSION
    ).values_list(
        "pk", "kpi", "grain", "dimension", "segment", "period", "value", "n", "suppressed"
    )
    by_key: dict[tuple, dict] = {}
    for pk, kpi, grain, dimension, segment, period, value, n, suppressed in rows:
        by_key.setdefault((kpi, grain, dimension, segment), {})[period] = (
            ev.StoredValue(value, n, suppressed),
            pk,
        )
    return {
        clause.pk: by_key.get((clause.kpi, clause.grain, clause.dimension, clause.segment), {})
        for clause in clauses
    }


def _outcome_row(engagement_id, clause, outcome: ev.PeriodOutcome, value_id, as_of, now):
    return SlaOutcome(
        engagement_id=engagement_id,
        clause=clause,
        period=outcome.period.key,
        period_start=outcome.period.start,
        period_end=outcome.period.end,
        closed=outcome.closed,
        value=outcome.value,
        shown_value=outcome.shown,
        n=outcome.n,
        outcome=outcome.outcome,
        metric_value_id=value_id,
        as_of=as_of,
        evaluated_at=now,
    )


def _write_outcomes(engagement_id, clauses, values, as_of, now, result) -> list[SlaOutcome]:
    """Upsert every clause's outcomes; rows that did not change are not written."""
    stored = {(o.clause_id, o.period): o for o in SlaOutcome.objects.filter(clause__in=clauses)}
    current, to_create, to_update = [], [], []
    for clause in clauses:
        periods = values.get(clause.pk, {})
        stored_values = {period: pair[0] for period, pair in periods.items()}
        for outcome in ev.clause_outcomes(clause_terms(clause), stored_values, as_of):
            value_id = periods.get(outcome.period.key, (None, None))[1]
            row = _outcome_row(engagement_id, clause, outcome, value_id, as_of, now)
            old = stored.pop((clause.pk, outcome.period.key), None)
            if old is None:
                to_create.append(row)
            elif any(getattr(old, f) != getattr(row, f) for f in OUTCOME_FIELDS):
                row.pk = old.pk
                to_update.append(row)
            else:
                row = old
            current.append(row)
    SlaOutcome.objects.bulk_create(to_create)
    SlaOutcome.objects.bulk_update(to_update, [*OUTCOME_FIELDS, "as_of", "evaluated_at"])
    # Periods no longer in a clause's range (its terms changed) have no outcome any more.
    if stored:
        SlaOutcome.objects.filter(pk__in=[o.pk for o in stored.values()]).delete()
    result.outcomes = len(current)
    result.outcomes_changed = len(to_create) + len(to_update) + len(stored)
    return current


def _open_and_note_breaches(engagement_id, outcomes, now, result) -> None:
    breaches = {
        (b.clause_id, b.period): b for b in Breach.objects.filter(engagement_id=engagement_id)
    }
    opened = []
    for outcome in outcomes:
        breach = breaches.get((outcome.clause_id, outcome.period))
        if breach is None:
            if outcome.outcome == Outcome.BREACH:
                opened.append(outcome)
            continue
        last_known = breach.changed_new_value if breach.value_changed else breach.value
        if outcome.value != last_known:
            _breach_note_change(breach, outcome, now)
            result.changed_breach_ids.append(breach.pk)
    if opened:
        result.new_breach_ids.extend(b.pk for b in _breaches_open(engagement_id, opened, now))


def _breaches_open(engagement_id: int, outcomes: list[SlaOutcome], now) -> list[Breach]:
    """A breach per new breach outcome, each with its `opened` event (written together: a
    first evaluation of a long history opens many)."""
    breaches = Breach.objects.bulk_create(
        Breach(
            engagement_id=engagement_id,
            clause=outcome.clause,
            period=outcome.period,
            period_end=outcome.period_end,
            value=outcome.value,
            n=outcome.n,
            threshold=outcome.clause.threshold,
            opened_at=now,
        )
        for outcome in outcomes
    )
    BreachEvent.objects.bulk_create(
        BreachEvent(
            engagement_id=engagement_id,
            breach=breach,
            action=BreachEvent.Action.OPENED,
            at=now,
            data={"value": outcome.value, "shown_value": str(outcome.shown_value), "n": outcome.n},
        )
        for breach, outcome in zip(breaches, outcomes, strict=True)
    )
    return breaches


def _breach_note_change(breach: Breach, outcome: SlaOutcome, now) -> None:
    """The period's value changed after the breach was recorded: note it, keep the record."""
    old = breach.changed_new_value if breach.value_changed else breach.value
    breach.value_changed_at = now
    breach.changed_old_value = breach.value
    breach.changed_new_value = outcome.value
    breach.still_breaches = outcome.outcome == Outcome.BREACH
    breach.save(
        update_fields=[
            "value_changed_at",
            "changed_old_value",
            "changed_new_value",
            "still_breaches",
            "updated_at",
        ]
    )
    BreachEvent.objects.create(
        engagement_id=breach.engagement_id,
        breach=breach,
        action=BreachEvent.Action.VALUE_CHANGED,
        at=now,
        data={
            "old_value": old,
            "new_value": outcome.value,
            "outcome": outcome.outcome,
            "still_breaches": breach.still_breaches,
        },
    )


def _raise_and_clear_warnings(engagement_id, outcomes, now, result) -> None:
    raised = {
        (w.clause_id, w.period): w
        for w in Warning.objects.filter(engagement_id=engagement_id, cleared_at__isnull=True)
    }
    for outcome in outcomes:
        warning = raised.pop((outcome.clause_id, outcome.period), None)
        if outcome.outcome == Outcome.WARNING:
            if warning is None:
                warning = Warning.objects.create(
                    engagement_id=engagement_id,
                    clause=outcome.clause,
                    period=outcome.period,
                    period_end=outcome.period_end,
                    value=outcome.value,
                    n=outcome.n,
                    raised_at=now,
                )
                result.new_warning_ids.append(warning.pk)
            elif (warning.value, warning.n) != (outcome.value, outcome.n):
                Warning.objects.filter(pk=warning.pk).update(value=outcome.value, n=outcome.n)
        elif warning is not None:
            because = Warning.Cleared.CLOSED if outcome.closed else Warning.Cleared.RECOVERED
            _warning_clear(warning, because, now, result)
    for warning in raised.values():  # its clause or period is no longer evaluated
        _warning_clear(warning, Warning.Cleared.RECOVERED, now, result)


def _warning_clear(warning: Warning, because: str, now, result) -> None:
    Warning.objects.filter(pk=warning.pk).update(cleared_at=now, cleared_because=because)
    result.cleared_warning_ids.append(warning.pk)


def clauses_in_force(engagement_id: int) -> list[SlaClause]:
    return list(
        SlaClause.objects.filter(engagement_id=engagement_id, in_force=True).order_by("key")
    )


def _evaluate_one(engagement_id: int, as_of: date) -> EvaluationResult:
    with transaction.atomic():
        if not _try_lock(engagement_id):
            return EvaluationResult(engagement_id=engagement_id, evaluated=False)
        started = timezone.now()
        result = EvaluationResult(engagement_id=engagement_id, evaluated=True, as_of=as_of)
        clauses = clauses_in_force(engagement_id)
        values = _clause_values(engagement_id, clauses)
        outcomes = _write_outcomes(engagement_id, clauses, values, as_of, started, result)
        _open_and_note_breaches(engagement_id, outcomes, started, result)
        _raise_and_clear_warnings(engagement_id, outcomes, started, result)
        SlaEvaluationRun.objects.create(
            engagement_id=engagement_id,
            as_of=as_of,
            started_at=started,
            finished_at=timezone.now(),
            outcomes=result.outcomes,
            outcomes_changed=result.outcomes_changed,
            breaches_opened=len(result.new_breach_ids),
            breaches_changed=len(result.changed_breach_ids),
            warnings_raised=len(result.new_warning_ids),
            warnings_cleared=len(result.cleared_warning_ids),
        )
    logger.info("SLA evaluation: %s", result)
    return result


def slas_evaluate(
    *, engagement_ids: list[int], as_of: date | None = None
) -> list[EvaluationResult]:
    """Evaluate the clauses in force of these engagements as of `as_of` (default today).

    Each engagement in its own transaction, under its own lock: a second evaluation of an
    engagement running at the same time gets `evaluated=False` and writes nothing.
    Evaluating again with nothing changed writes no outcome, breach or warning.
    """
    as_of = as_of or timezone.now().date()
    return [_evaluate_one(engagement_id, as_of) for engagement_id in engagement_ids]


def engagement_slas_evaluate(
    *, engagement: Engagement, as_of: date | None = None
) -> EvaluationResult:
    return slas_evaluate(engagement_ids=[engagement.pk], as_of=as_of)[0]


def engagements_with_clauses() -> list[int]:
    return list(
        SlaClause.objects.filter(in_force=True)
        .values_list("engagement_id", flat=True)
        .distinct()
        .order_by("engagement_id")
    )


def engagements_to_evaluate(*, changed_ids: list[int], as_of: date) -> list[int]:
    """The engagements whose KPI values changed, and those with clauses not yet evaluated as
    of `as_of` (time alone closes periods and ends warnings)."""
    with_clauses = set(engagements_with_clauses())
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
    from sla.breach_services import sla_events_notify

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
    party = agreement.negotiator_party(actor, engagement, PROPOSE)
    if not clauses:
        raise ValidationError("A schedule needs at least one clause.")
    schedule = SlaSchedule(
        engagement=engagement,
        source_name=source_name,
        proposed_by=actor,
        proposed_by_party=party,
        proposed_at=timezone.now(),
        replaces=replaces,
        note=note,
    )
    schedule.full_clean()
    schedule.save()
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
    agreement.step_record(
        schedule,
        action=ScheduleStep.Action.PROPOSED,
        actor=actor,
        party=party,
        changes=_schedule_changes(rows, replaces),
        note=note,
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


# schedule_agree(actor=..., schedule=..., note=...), and schedule_reject alike.
ANSWERS = agreement.Answers("schedule", AGREE, on_agreed=_schedule_in_force)
schedule_agree = ANSWERS.agree
schedule_reject = ANSWERS.reject


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


def evaluation_schedule(*, engagement_id: int) -> None:
    """Evaluate an engagement soon (its clauses changed), in a worker."""
    from sla.tasks import evaluate_engagement_slas

    evaluate_engagement_slas.delay(engagement_id)
