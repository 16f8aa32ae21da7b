"""Reads of SLAs: clauses, schedules, outcomes, the scorecard and the credit ledger.

Every read is given the engagement. The ledger is worked out from the stored outcomes and the
recorded breaches each time it is read (sla.evaluation.credit_ledger), so a waiver or an
accepted relief claim shows in it at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet

from engagements.models import Engagement
from engagements.terms import TermsSchedule
from engagements.terms_selectors import agreed_terms_column, schedule_from_column
from kpis.selectors import format_value
from sla import evaluation as ev
from sla.models import (
    Breach,
    BreachStatus,
    ReliefClaim,
    ReliefStatus,
    SlaClause,
    SlaEvaluationRun,
    SlaOutcome,
    SlaSchedule,
    Warning,
)
from sla.runs import clause_terms


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


def scorecard(*, engagement: Engagement, grain: str, kpi: str | None = None) -> Scorecard:
    """The grid of one grain's clauses (those on one KPI if given). One query."""
    found = outcomes(engagement=engagement).filter(clause__grain=grain)
    if kpi is not None:
        found = found.filter(clause__kpi=kpi)
    rows = list(found)
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
    schedule: TermsSchedule  # the commercial terms in force for each period

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
    return ledgers(engagements=[engagement])[engagement.pk]


def ledgers(*, engagements: list[Engagement]) -> dict[int, Ledger]:
    """The ledger of each engagement, each period's credits under the commercial terms in
    force then: three queries however many engagements there are. (An engagement without
    clauses has no lines; its schedule is then its fee throughout.)"""
    ids = [engagement.pk for engagement in engagements]
    # Each clause row carries its engagement's agreed commercial terms: no query of its own.
    clauses = list(
        SlaClause.objects.filter(engagement_id__in=ids, in_force=True)
        .annotate(agreed_terms=agreed_terms_column())
        .order_by("key")
    )
    agreed: dict[int, list] = {clause.engagement_id: clause.agreed_terms for clause in clauses}
    terms: dict[int, dict] = {pk: {} for pk in ids}
    for clause in clauses:
        terms[clause.engagement_id][clause.key] = clause_terms(clause)
    key_of = {clause.pk: clause.key for clause in clauses}
    period_outcomes: dict[int, dict[str, list[ev.PeriodOutcome]]] = {
        pk: {key: [] for key in keys} for pk, keys in terms.items()
    }
    for row in SlaOutcome.objects.filter(clause__in=clauses).order_by("period_end"):
        period_outcomes[row.engagement_id][key_of[row.clause_id]].append(
            ev.PeriodOutcome(
                period=ev.Period(row.period, row.period_start, row.period_end),
                closed=row.closed,
                outcome=row.outcome,
                value=row.value,
                n=row.n,
                shown=row.shown_value,
            )
        )
    breaches: dict[int, dict] = {pk: {} for pk in ids}
    breach_ids: dict[int, dict] = {pk: {} for pk in ids}
    for pk, engagement_id, clause_id, period, status in Breach.objects.filter(
        clause__in=clauses
    ).values_list("pk", "engagement_id", "clause_id", "period", "status"):
        breaches[engagement_id][(key_of[clause_id], period)] = status
        breach_ids[engagement_id][(key_of[clause_id], period)] = pk
    schedules = {
        engagement.pk: schedule_from_column(engagement, agreed.get(engagement.pk))
        for engagement in engagements
    }
    result = {}
    for engagement in engagements:
        lines = ev.credit_ledger(
            clauses=terms[engagement.pk],
            outcomes=period_outcomes[engagement.pk],
            breaches=breaches[engagement.pk],
            schedule=schedules[engagement.pk],
        )
        result[engagement.pk] = Ledger(
            engagement,
            lines,
            ev.quarter_nets(lines),
            breach_ids[engagement.pk],
            schedules[engagement.pk],
        )
    return result


@dataclass(frozen=True)
class QuarterMoney:
    """A quarter's service credits still owed, bonuses earned and the net, from the ledger."""

    quarter: str
    credits: Decimal
    bonuses: Decimal
    net: Decimal


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_money(*, ledger: Ledger, quarter: str) -> QuarterMoney:
    credits = bonuses = Decimal("0.00")
    for line in ledger.lines:
        if line.quarter != quarter:
            continue
        if line.event == ev.BONUS:
            bonuses += line.amount
        else:
            credits -= line.counts_in_net
    return QuarterMoney(quarter, credits, bonuses, bonuses - credits)


# Breaches the provider still has to answer for: not resolved, waived or excused.
UNRESOLVED_STATUSES = (
    BreachStatus.OPEN,
    BreachStatus.ACKNOWLEDGED,
    BreachStatus.REMEDIATION_PLANNED,
)


def unresolved_breach_counts(*, engagement_ids: list[int]) -> dict[int, int]:
    """{engagement: breaches not yet resolved, waived or excused}. One query."""
    rows = (
        Breach.objects.filter(engagement_id__in=engagement_ids, status__in=UNRESOLVED_STATUSES)
        .values("engagement_id")
        .annotate(count=Count("id"))
    )
    return {row["engagement_id"]: row["count"] for row in rows}


def unresolved_breaches(*, engagement: Engagement) -> QuerySet[Breach]:
    return (
        Breach.objects.filter(engagement=engagement, status__in=UNRESOLVED_STATUSES)
        .select_related("clause")
        .order_by("-period_end", "clause__key", "id")
    )


def pending_relief_claims(*, engagement: Engagement) -> QuerySet[ReliefClaim]:
    """Relief claims the client has not answered yet, oldest first."""
    return (
        ReliefClaim.objects.filter(engagement=engagement, status=ReliefStatus.PENDING)
        .select_related("breach__clause", "claimed_by")
        .order_by("claimed_at", "id")
    )


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
