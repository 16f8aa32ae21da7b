"""Reads of the engagement dashboard and the portfolio; always given the engagement or user.

Every panel reads a fixed number of queries: values are fetched for a window of periods and
a set of KPIs, never per KPI or per engagement, so the pages cost the same with ten
requisitions or a million applications, with two engagements or twenty.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from engagements.access import party_of
from engagements.models import Engagement
from kpis import selectors as kpi_selectors
from kpis.baselines.selectors import baseline_summaries
from kpis.models import MetricRun, MetricValue, Status, TargetEvent
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY
from kpis.tiles import STATUSES, Filters, KpiTile
from recruiting.models import ImportRun, ImportStatus
from reviews.models import OPEN_STATUSES, ActionItem, Decision
from rpo_portal import formats
from sla import selectors as sla_selectors
from sla.models import (
    Breach,
    BreachEvent,
    Outcome,
    ReliefClaim,
    ScheduleStep,
    SlaOutcome,
    Warning,
)

DUE_SOON_DAYS = 14
ACTION_ITEMS_SHOWN = 25
ACTIVITY_SHOWN = 15


# An SLA outcome as the tile marks it: the words, and the status colour it shares with KPIs.
SLA_MARKS = {
    Outcome.BREACH: ("Breached", Status.OFF_TRACK),
    Outcome.WARNING: ("Warning", Status.AT_RISK),
    Outcome.MET: ("Met", Status.ON_TRACK),
    Outcome.BONUS: ("Met, bonus earned", Status.ON_TRACK),
}


@dataclass(frozen=True)
class SlaMark:
    """One SLA clause's outcome for a tile's KPI and period, beside the KPI's own status: the
    KPI status reads the agreed target, the SLA mark the clause's breach threshold."""

    outcome: SlaOutcome

    @property
    def key(self) -> str:
        return self.outcome.clause.key

    @property
    def threshold(self) -> Decimal:
        return self.outcome.clause.threshold

    @property
    def words(self) -> str:
        return SLA_MARKS.get(self.outcome.outcome, (self.outcome.get_outcome_display(), ""))[0]

    @property
    def status(self) -> str:
        return SLA_MARKS.get(self.outcome.outcome, ("", Status.INSUFFICIENT_DATA))[1]


def tiles_sla_mark(*, engagement: Engagement, filters: Filters, tiles: list[KpiTile]) -> None:
    """Give each tile the outcomes of the SLA clauses in force on its KPI for the period and
    segment shown. One query, asked even without a period or tiles (it then finds nothing),
    so the panel's queries stay the same whatever the data."""
    found = (
        SlaOutcome.objects.filter(
            engagement=engagement,
            clause__in_force=True,
            clause__grain=filters.grain,
            clause__dimension=filters.dimension,
            clause__segment=filters.segment,
            period=filters.period,
        )
        .select_related("clause")
        .order_by("clause__key")
    )
    by_kpi: dict[str, list[SlaMark]] = {}
    for outcome in found:
        by_kpi.setdefault(outcome.clause.kpi, []).append(SlaMark(outcome))
    for tile in tiles:
        tile.sla_marks = by_kpi.get(tile.kpi.key, [])


@dataclass(frozen=True)
class DueItem:
    item: ActionItem
    overdue: bool


def action_items_due(*, engagement: Engagement, today: date) -> list[DueItem]:
    """Open items overdue or due within two weeks, soonest first. One query."""
    items = (
        ActionItem.objects.filter(
            engagement=engagement,
            status__in=OPEN_STATUSES,
            due_date__lte=today + timedelta(days=DUE_SOON_DAYS),
        )
        .select_related("owner")
        .order_by("due_date", "id")[:ACTION_ITEMS_SHOWN]
    )
    return [DueItem(item, item.is_overdue(today)) for item in items]


@dataclass(frozen=True)
class Activity:
    at: datetime
    kind: str  # import, recompute, target
    text: str
    who: str = ""
    url: str = ""


def recent_activity(*, engagement: Engagement) -> list[Activity]:
    """The latest imports, recomputes, target and SLA schedule negotiations, breach
    transitions and decisions, newest first. Six queries."""
    from django.urls import reverse

    entries = []
    # A file checked and rejected before anyone confirmed it imported nothing: no activity.
    imports = (
        ImportRun.objects.filter(
            engagement=engagement,
            status__in=[ImportStatus.SUCCEEDED, ImportStatus.FAILED],
            checked_only=False,
        )
        .select_related("user")
        .order_by("-started_at")[:ACTIVITY_SHOWN]
    )
    for run in imports:
        outcome = (
            f"{formats.number(run.created)} new, {formats.number(run.updated)} updated, "
            f"{formats.number(run.unchanged)} unchanged"
            if run.status == ImportStatus.SUCCEEDED
            else f"rejected with {formats.counted(run.error_count, 'error')}"
        )
        entries.append(
            Activity(
                at=run.finished_at or run.started_at,
                kind="import",
                text=f"Imported {run.get_kind_display().lower() or 'data'} "
                f"({run.file_name or run.get_source_display()}): {outcome}",
                # A person by name, as every other activity; an API key or command by label.
                who=str(run.user) if run.user else run.actor_label,
                url=reverse("recruiting:import-run", args=[engagement.pk, run.pk]),
            )
        )
    for run in MetricRun.objects.filter(engagement=engagement).order_by("-finished_at")[
        :ACTIVITY_SHOWN
    ]:
        entries.append(
            Activity(
                at=run.finished_at,
                kind="recompute",
                text=f"KPIs recomputed as of {formats.day(run.as_of)}: "
                f"{formats.number(run.inserted)} new, {formats.number(run.updated)} changed, "
                f"{formats.number(run.deleted)} removed",
            )
        )
    events = (
        TargetEvent.objects.filter(engagement=engagement)
        .select_related("actor", "target")
        .order_by("-at")[:ACTIVITY_SHOWN]
    )
    for event in events:
        target = event.target
        entries.append(
            Activity(
                at=event.at,
                kind="target",
                text=f"Target for {target.definition.name} ({target.get_grain_display().lower()}) "
                f"{event.get_action_display().lower()}",
                who=str(event.actor),
                url=reverse("kpis:target_detail", args=[engagement.pk, target.pk]),
            )
        )
    entries += _sla_activity(engagement)
    entries += _decision_activity(engagement)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:ACTIVITY_SHOWN]


def _sla_activity(engagement: Engagement) -> list[Activity]:
    from django.urls import reverse

    entries = []
    steps = (
        ScheduleStep.objects.filter(engagement=engagement)
        .select_related("actor", "schedule")
        .order_by("-at", "-id")[:ACTIVITY_SHOWN]
    )
    for step in steps:
        entries.append(
            Activity(
                at=step.at,
                kind="SLA",
                text=f"SLA schedule #{step.schedule_id} "
                f"{step.get_action_display().lower()}"
                + (f" ({step.schedule.source_name})" if step.schedule.source_name else ""),
                who=str(step.actor),
                url=reverse("sla:schedule_detail", args=[engagement.pk, step.schedule_id]),
            )
        )
    events = (
        BreachEvent.objects.filter(engagement=engagement)
        .select_related("actor", "breach__clause")
        .order_by("-at", "-id")[:ACTIVITY_SHOWN]
    )
    for event in events:
        breach = event.breach
        entries.append(
            Activity(
                at=event.at,
                kind="breach",
                text=f"Breach of {breach.clause.key} ({formats.period(breach.period)}): "
                f"{event.get_action_display().lower()}",
                who=str(event.actor) if event.actor else "system",
                url=reverse("breaches:detail", args=[engagement.pk, breach.pk]),
            )
        )
    return entries


def _decision_activity(engagement: Engagement) -> list[Activity]:
    from django.urls import reverse

    decisions = (
        Decision.objects.filter(engagement=engagement)
        .select_related("decided_by")
        .order_by("-created_at", "-id")[:ACTIVITY_SHOWN]
    )
    return [
        Activity(
            at=decision.created_at,
            kind="decision",
            text=f"Decided on {formats.day(decision.decided_on)}: {decision.title}",
            who=str(decision.decided_by),
            url=reverse("reviews:decision", args=[engagement.pk, decision.pk]),
        )
        for decision in decisions
    ]


# --- SLA panel ---------------------------------------------------------------------------------

SLA_SHOWN = 10


@dataclass
class SlaPanel:
    breaches: list[Breach]
    breach_count: int
    warnings: list[Warning]
    money: sla_selectors.QuarterMoney
    relief_claims: list[ReliefClaim]


def period_quarter(filters: Filters, today: date) -> str:
    """The quarter of the chosen period (today's while there is none)."""
    period = filters.period
    if len(period) == 7 and "-Q" in period:
        return period
    if len(period) == 7:
        return f"{period[:4]}-Q{(int(period[5:]) - 1) // 3 + 1}"
    return sla_selectors.quarter_of(today)


def sla_panel(*, engagement: Engagement, filters: Filters, today: date) -> SlaPanel:
    """Unresolved breaches, raised warnings, the chosen period's quarter in the credit ledger
    and the relief claims waiting for the client's answer. Seven queries."""
    breaches = sla_selectors.unresolved_breaches(engagement=engagement)
    ledger = sla_selectors.ledger(engagement=engagement)
    return SlaPanel(
        breaches=list(breaches[:SLA_SHOWN]),
        breach_count=breaches.count(),
        warnings=list(sla_selectors.warnings_raised(engagement=engagement).order_by("-raised_at")),
        money=sla_selectors.quarter_money(ledger=ledger, quarter=period_quarter(filters, today)),
        relief_claims=list(sla_selectors.pending_relief_claims(engagement=engagement)),
    )


# --- portfolio ---------------------------------------------------------------------------------


@dataclass
class PortfolioRow:
    engagement: Engagement
    counterpart: str
    statuses: Counter = field(default_factory=Counter)
    off_track_kpis: list[str] = field(default_factory=list)
    overdue_actions: int = 0
    open_actions: int = 0
    open_breaches: int = 0
    net_credits: Decimal = Decimal("0.00")
    freshness: kpi_selectors.Freshness | None = None
    baselines: object = None  # kpis.baselines.selectors.BaselineSummary

    def count(self, status: str) -> int:
        return self.statuses.get(status, 0)

    @property
    def off_track(self) -> int:
        return self.count(Status.OFF_TRACK)

    @property
    def at_risk(self) -> int:
        return self.count(Status.AT_RISK)

    @property
    def on_track(self) -> int:
        return self.count(Status.ON_TRACK)

    @property
    def insufficient(self) -> int:
        return self.count(Status.INSUFFICIENT_DATA)


PORTFOLIO_SORTS: dict[str, Any] = {
    "name": lambda r: r.engagement.name.lower(),
    "counterpart": lambda r: r.counterpart.lower(),
    "off_track": lambda r: r.off_track,
    "at_risk": lambda r: r.at_risk,
    "on_track": lambda r: r.on_track,
    "overdue": lambda r: r.overdue_actions,
    "breaches": lambda r: r.open_breaches,
    "net": lambda r: r.net_credits,
    "recomputed": lambda r: (
        r.freshness.last_recompute.timestamp()
        if r.freshness and r.freshness.last_recompute
        else 0.0
    ),
}


def _latest_statuses(engagement_ids: list[int]) -> dict[int, dict[str, str]]:
    """{engagement: {kpi: status}}: each KPI's latest status for the whole engagement, the
    month's where the KPI has one, else the quarter's. One query."""
    rows = (
        MetricValue.objects.filter(
            engagement_id__in=engagement_ids,
            version=DEFINITION_VERSION,
            dimension="all",
            status__in=STATUSES,
        )
        .order_by("engagement_id", "kpi", "grain", "-period")
        .distinct("engagement_id", "kpi", "grain")
        .values_list("engagement_id", "kpi", "grain", "status")
    )
    statuses: dict[int, dict[str, str]] = {}
    for engagement_id, kpi, grain, status in rows:
        mine = statuses.setdefault(engagement_id, {})
        if grain == "month" or kpi not in mine:
            mine[kpi] = status
    return statuses


def portfolio(
    *,
    user,
    engagements: list[Engagement],
    today: date,
    sort: str = "off_track",
    descending: bool = True,
) -> list[PortfolioRow]:
    """Every engagement the user may see, side by side. Nine queries for any number."""
    ids = [e.pk for e in engagements]
    statuses = _latest_statuses(ids)
    actions = {
        row["engagement_id"]: row
        for row in ActionItem.objects.filter(engagement_id__in=ids, status__in=OPEN_STATUSES)
        .values("engagement_id")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
    }
    freshness = kpi_selectors.freshness_of(engagement_ids=ids)
    breaches = sla_selectors.unresolved_breach_counts(engagement_ids=ids)
    ledgers = sla_selectors.ledgers(engagements=engagements)
    quarter = sla_selectors.quarter_of(today)
    summaries = baseline_summaries(engagements=engagements)
    rows = []
    for engagement in engagements:
        side = party_of(user, engagement)
        counterpart = engagement.provider if side == "client" else engagement.client
        kpis = statuses.get(engagement.pk, {})
        action = actions.get(engagement.pk, {})
        rows.append(
            PortfolioRow(
                engagement=engagement,
                counterpart=counterpart.name,
                statuses=Counter(kpis.values()),
                off_track_kpis=[
                    KPI_BY_KEY[k].name for k, s in sorted(kpis.items()) if s == Status.OFF_TRACK
                ],
                overdue_actions=action.get("overdue", 0),
                open_actions=action.get("open", 0),
                open_breaches=breaches.get(engagement.pk, 0),
                net_credits=sla_selectors.quarter_money(
                    ledger=ledgers[engagement.pk], quarter=quarter
                ).net,
                freshness=freshness.get(engagement.pk),
                baselines=summaries.get(engagement.pk),
            )
        )
    key = PORTFOLIO_SORTS.get(sort, PORTFOLIO_SORTS["off_track"])
    rows.sort(key=lambda r: r.engagement.name.lower())
    rows.sort(key=key, reverse=descending)
    return rows
