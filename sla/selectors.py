"""Reads of SLAs: clauses, schedules, outcomes, the scorecard and the credit ledger.

Every read is given the engagement. The ledger is worked out from the stored outcomes and the
recorded breaches each time it is read (sla.evaluation.credit_ledger), so a waiver or an
accepted relief claim shows in it at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from engagements.models import Engagement
from kpis.selectors import format_value
from sla import evaluation as ev
from sla.models import (
    Breach,
    SlaClause,
    SlaEvaluationRun,
    SlaOutcome,
    SlaSchedule,
    Warning,
)
from sla.services import clause_terms


def clauses_in_force(*, engagement: Engagement) -> QuerySet[SlaClause]:
    return SlaClause.objects.filter(engagement=engagement, in_force=True).order_by("key")


def schedules(*, engagement: Engagement) -> QuerySet[SlaSchedule]:
    return (
        SlaSchedule.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by")
        .prefetch_related(
            Prefetch("clauses", queryset=SlaClause.objects.order_by("key")),
            "steps__actor",
        )
        .order_by("-proposed_at", "-id")
    )


def schedule_get(*, engagement: Engagement, schedule_id: int) -> SlaSchedule:
    return schedules(engagement=engagement).get(pk=schedule_id)


def clause_get(*, engagement: Engagement, clause_id: int) -> SlaClause:
    return SlaClause.objects.select_related("schedule").get(pk=clause_id, engagement=engagement)


def clause_history(*, engagement: Engagement, clause: SlaClause) -> list[SlaSchedule]:
    """The schedules that proposed a clause with this key, newest first, with their steps."""
    return list(schedules(engagement=engagement).filter(clauses__key=clause.key).distinct())


def outcomes(*, engagement: Engagement) -> QuerySet[SlaOutcome]:
    """The outcomes of the clauses in force, by clause key then period."""
    return (
        SlaOutcome.objects.filter(engagement=engagement, clause__in_force=True)
        .select_related("clause")
        .order_by("clause__key", "period_end")
    )


def clause_outcomes(*, engagement: Engagement, clause: SlaClause) -> QuerySet[SlaOutcome]:
    return SlaOutcome.objects.filter(engagement=engagement, clause=clause).order_by("-period_end")


@dataclass
class ClauseState:
    clause: SlaClause
    latest_closed: SlaOutcome | None
    current: SlaOutcome | None  # the open period's
    breaches: int
    open_breaches: int


def clause_states(*, engagement: Engagement, clauses: list[SlaClause]) -> list[ClauseState]:
    """Each clause with its latest closed outcome, its open period and its breach counts."""
    latest: dict[int, SlaOutcome] = {}
    current: dict[int, SlaOutcome] = {}
    for outcome in SlaOutcome.objects.filter(engagement=engagement, clause__in=clauses).order_by(
        "period_end"
    ):
        (latest if outcome.closed else current)[outcome.clause_id] = outcome
    counts: dict[int, list[int]] = {}
    for clause_id, status in Breach.objects.filter(
        engagement=engagement, clause__in=clauses
    ).values_list("clause_id", "status"):
        pair = counts.setdefault(clause_id, [0, 0])
        pair[0] += 1
        pair[1] += status == "open"
    return [
        ClauseState(
            clause, latest.get(clause.pk), current.get(clause.pk), *counts.get(clause.pk, [0, 0])
        )
        for clause in clauses
    ]


def last_run(*, engagement: Engagement) -> SlaEvaluationRun | None:
    return SlaEvaluationRun.objects.filter(engagement=engagement).first()


def warnings_raised(*, engagement: Engagement) -> QuerySet[Warning]:
    return Warning.objects.filter(
        engagement=engagement, cleared_at__isnull=True, clause__in_force=True
    ).select_related("clause")


@dataclass
class Scorecard:
    """Clauses x periods: each cell the outcome of that clause in that period, or None."""

    periods: list[str]
    rows: list[tuple[SlaClause, list[SlaOutcome | None]]]


def scorecard(*, engagement: Engagement, grain: str) -> Scorecard:
    rows = [o for o in outcomes(engagement=engagement) if o.clause.grain == grain]
    periods = sorted({o.period for o in rows})
    by_clause: dict[int, dict[str, SlaOutcome]] = {}
    clauses: dict[int, SlaClause] = {}
    for outcome in rows:
        by_clause.setdefault(outcome.clause_id, {})[outcome.period] = outcome
        clauses[outcome.clause_id] = outcome.clause
    return Scorecard(
        periods=periods,
        rows=[
            (clause, [by_clause[clause.pk].get(period) for period in periods])
            for clause in sorted(clauses.values(), key=lambda c: c.key)
        ],
    )


@dataclass
class Ledger:
    engagement: Engagement
    lines: list[ev.LedgerLine]
    nets: dict[str, Decimal]
    breach_ids: dict[tuple[str, str], int]

    def quarters(self) -> list[tuple[str, list[ev.LedgerLine], Decimal]]:
        """Each quarter's lines (in cap order: period end, then clause) and net."""
        result = []
        for quarter, net in self.nets.items():
            lines = sorted(
                (line for line in self.lines if line.quarter == quarter),
                key=lambda line: (line.period.end, line.clause),
            )
            result.append((quarter, lines, net))
        return result


def ledger(*, engagement: Engagement) -> Ledger:
    clauses = list(clauses_in_force(engagement=engagement))
    terms = {clause.key: clause_terms(clause) for clause in clauses}
    key_of = {clause.pk: clause.key for clause in clauses}
    period_outcomes: dict[str, list[ev.PeriodOutcome]] = {key: [] for key in terms}
    for row in SlaOutcome.objects.filter(clause__in=clauses).order_by("period_end"):
        period_outcomes[key_of[row.clause_id]].append(
            ev.PeriodOutcome(
                period=ev.Period(row.period, row.period_start, row.period_end),
                closed=row.closed,
                outcome=row.outcome,
                value=row.value,
                n=row.n,
                shown=row.shown_value,
            )
        )
    breaches = {}
    breach_ids = {}
    for pk, clause_id, period, status in Breach.objects.filter(clause__in=clauses).values_list(
        "pk", "clause_id", "period", "status"
    ):
        breaches[(key_of[clause_id], period)] = status
        breach_ids[(key_of[clause_id], period)] = pk
    lines = ev.credit_ledger(
        clauses=terms,
        outcomes=period_outcomes,
        breaches=breaches,
        monthly_fee=engagement.monthly_fee,
        at_risk_pct=engagement.at_risk_pct,
    )
    return Ledger(engagement, lines, ev.quarter_nets(lines), breach_ids)


# --- exports for checking (export_sla) --------------------------------------------------------

EVALUATION_COLUMNS = ["clause", "period", "value", "n", "outcome"]
LEDGER_COLUMNS = ["clause", "period", "event", "rate", "gross", "amount", "earned_back"]


def plain_decimal(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return text


def evaluation_rows(*, engagement: Engagement) -> Iterator[list]:
    yield EVALUATION_COLUMNS
    for outcome in outcomes(engagement=engagement):
        n = "" if outcome.n is None else outcome.n
        yield [outcome.clause.key, outcome.period, format_value(outcome.value), n, outcome.outcome]


def ledger_rows(*, engagement: Engagement) -> Iterator[list]:
    """One row per recorded breach (until it is waived) and per bonus."""
    yield LEDGER_COLUMNS
    for line in ledger(engagement=engagement).lines:
        if line.status == "waived":
            continue
        yield [
            line.clause,
            line.period.key,
            line.event,
            plain_decimal(line.rate),
            f"{line.gross:.2f}",
            f"{line.amount:.2f}",
            "true" if line.earned_back else "false",
        ]
