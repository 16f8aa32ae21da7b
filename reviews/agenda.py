"""Agendas assembled from live data: a small registry of section builders per tier.

Each section is a function `(meeting, context) -> Section` registered for one or more tiers.
Another app adds its sections in one place, e.g. the SLA app's warnings, breaches, credit
ledger net, disputed relief claims and escalated breaches:

    @register_section(Tier.TACTICAL, key="sla_breaches", title="Warnings and breaches")
    def sla_breaches(meeting, ctx): ...

A section is plain JSON (title, columns, rows of cells, a note), which is what a held
meeting freezes into its record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models.functions import Greatest
from django.utils import timezone

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY
from recruiting.models import Application, Requisition
from reviews import plan
from reviews.models import (
    OPEN_STATUSES,
    ActionItem,
    Decision,
    Meeting,
    Risk,
    RiskStatus,
    Tier,
)

SECTION_ROW_LIMIT = 50
PRIORITY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class AgendaContext:
    """What every section needs: the meeting's day (for periods) and today (for ages)."""

    meeting_day: date
    today: date
    stalled_after_days: int

    @property
    def last_closed_month(self) -> str:
        first = self.meeting_day.replace(day=1)
        return f"{(first - timedelta(days=1)):%Y-%m}"

    def last_closed_quarters(self, count: int) -> list[str]:
        year, quarter = self.meeting_day.year, (self.meeting_day.month - 1) // 3 + 1
        found = []
        for _ in range(count):
            quarter -= 1
            if quarter == 0:
                year, quarter = year - 1, 4
            found.append(f"{year}-Q{quarter}")
        return list(reversed(found))


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "columns": self.columns,
            "rows": self.rows,
            "note": self.note,
        }


Builder = Callable[[Meeting, AgendaContext], Section]
SECTIONS: dict[str, list[tuple[str, str, Builder]]] = {tier: [] for tier in Tier.values}


def register_section(*tiers: str, key: str, title: str) -> Callable[[Builder], Builder]:
    def register(builder: Builder) -> Builder:
        for tier in tiers:
            SECTIONS[tier] = [s for s in SECTIONS[tier] if s[0] != key]
            SECTIONS[tier].append((key, title, builder))
        return builder

    return register


def agenda_build(*, meeting: Meeting, today: date | None = None) -> dict:
    """The meeting's live agenda: every registered section of its tier, in order."""
    today = today or timezone.localdate()
    cadence = meeting.cadence
    context = AgendaContext(
        meeting_day=meeting.local_start.date(),
        today=today,
        stalled_after_days=cadence.stalled_after_days if cadence else 14,
    )
    sections = []
    for key, title, builder in SECTIONS[meeting.tier]:
        section = builder(meeting, context)
        section.key, section.title = key, title
        sections.append(section.as_json())
    return {"built_at": timezone.now().isoformat(), "sections": sections}


def _limited(rows: list[list[Any]], total: int) -> str:
    return f"Showing {len(rows)} of {total}." if total > len(rows) else ""


def _format(kpi: str, value: float | None) -> Any:
    if value is None:
        return ""
    return round(value, KPI_BY_KEY[kpi].decimals) if kpi in KPI_BY_KEY else value


def _name(kpi: str) -> str:
    return KPI_BY_KEY[kpi].name if kpi in KPI_BY_KEY else kpi


# --- operational ---------------------------------------------------------------------------


@register_section(Tier.OPERATIONAL, key="open_requisitions", title="Open requisitions")
def open_requisitions(meeting: Meeting, ctx: AgendaContext) -> Section:
    open_reqs = Requisition.objects.filter(
        engagement_id=meeting.engagement_id, filled_on__isnull=True, cancelled_on__isnull=True
    ).values_list("external_id", "title", "department", "priority", "opened_on")
    ranked = sorted(open_reqs, key=lambda r: (PRIORITY_RANK.get(r[3], 9), r[4]))
    rows = [
        [ext, title, department, priority, (ctx.today - opened).days]
        for ext, title, department, priority, opened in ranked[:SECTION_ROW_LIMIT]
    ]
    columns = ["Requisition", "Title", "Department", "Priority", "Age (days)"]
    return Section("", "", columns, rows, _limited(rows, len(ranked)))


def _open_applications(engagement_id: int):
    return Application.objects.filter(
        engagement_id=engagement_id,
        started_on__isnull=True,
        rejected_on__isnull=True,
        withdrawn_on__isnull=True,
    ).exclude(offer_outcome="declined")


@register_section(Tier.OPERATIONAL, key="stalled_candidates", title="Stalled candidates")
def stalled_candidates(meeting: Meeting, ctx: AgendaContext) -> Section:
    cutoff = ctx.today - timedelta(days=ctx.stalled_after_days)
    # PostgreSQL's GREATEST skips NULLs: the latest stage date the candidate reached.
    stalled = (
        _open_applications(meeting.engagement_id)
        .annotate(
            last_change=Greatest(
                "applied_on", "screened_on", "interviewed_on", "offered_on", "offer_decided_on"
            )
        )
        .filter(last_change__lt=cutoff)
        .order_by("last_change")
    )
    total = stalled.count()
    rows = [
        [candidate, requisition, str(last), (ctx.today - last).days]
        for candidate, requisition, last in stalled.values_list(
            "candidate_id", "requisition__external_id", "last_change"
        )[:SECTION_ROW_LIMIT]
    ]
    columns = ["Candidate", "Requisition", "Last stage change", "Days since"]
    note = f"No stage change for {ctx.stalled_after_days} days or more. "
    return Section("", "", columns, rows, (note + _limited(rows, total)).strip())


def _action_item_rows(items, today: date) -> list[list[Any]]:
    return [
        [
            item.title,
            str(item.owner),
            item.get_party_display(),
            str(item.due_date),
            item.get_status_display(),
            "overdue" if item.is_overdue(today) else "",
        ]
        for item in items
    ]


ACTION_COLUMNS = ["Action item", "Owner", "Party", "Due", "Status", "Flag"]


@register_section(Tier.OPERATIONAL, key="action_items_due", title="Action items due or overdue")
def action_items_due(meeting: Meeting, ctx: AgendaContext) -> Section:
    week_end = ctx.today + timedelta(days=6 - ctx.today.weekday())
    items = ActionItem.objects.filter(
        engagement_id=meeting.engagement_id, status__in=OPEN_STATUSES, due_date__lte=week_end
    ).select_related("owner")
    rows = _action_item_rows(items[:SECTION_ROW_LIMIT], ctx.today)
    return Section("", "", ACTION_COLUMNS, rows, _limited(rows, items.count()))


# --- tactical ------------------------------------------------------------------------------


def _targeted_values(engagement_id: int, grain: str, periods: list[str]):
    return (
        MetricValue.objects.filter(
            engagement_id=engagement_id,
            version=DEFINITION_VERSION,
            grain=grain,
            period__in=periods,
            target__isnull=False,
        )
        .select_related("target")
        .order_by("kpi", "dimension", "segment", "period")
    )


@register_section(Tier.TACTICAL, key="targeted_kpis", title="Targeted KPIs, last closed month")
def targeted_kpis(meeting: Meeting, ctx: AgendaContext) -> Section:
    month = ctx.last_closed_month
    rows = [
        [
            _name(v.kpi),
            "All" if v.dimension == "all" else f"{v.dimension}: {v.segment}",
            _format(v.kpi, v.value),
            _format(v.kpi, float(v.target.target_value)),
            v.get_status_display(),
        ]
        for v in _targeted_values(meeting.engagement_id, "month", [month])
    ]
    columns = ["KPI", "Segment", "Value", "Target", "Status"]
    return Section("", "", columns, rows, f"Month {month}.")


SURVEY_KPIS = ("hiring_manager_satisfaction", "candidate_nps")


@register_section(Tier.TACTICAL, key="survey_feedback", title="Survey feedback")
def survey_feedback(meeting: Meeting, ctx: AgendaContext) -> Section:
    month = ctx.last_closed_month
    values = MetricValue.objects.filter(
        engagement_id=meeting.engagement_id,
        version=DEFINITION_VERSION,
        grain="month",
        period=month,
        dimension="all",
        kpi__in=SURVEY_KPIS,
    ).order_by("kpi")
    rows = [[_name(v.kpi), _format(v.kpi, v.value), v.n] for v in values]
    return Section("", "", ["Survey", "Score", "Responses"], rows, f"Month {month}.")


@register_section(Tier.TACTICAL, key="plan_vs_actual", title="Plan vs actual, last closed month")
def plan_vs_actual_month(meeting: Meeting, ctx: AgendaContext) -> Section:
    rows = plan.plan_vs_actual(
        engagement=meeting.engagement, grain="month", periods=[ctx.last_closed_month]
    )
    return Section("", "", plan.COLUMNS, [r.as_cells() for r in rows])


# --- strategic -----------------------------------------------------------------------------


@register_section(Tier.STRATEGIC, key="kpi_trends", title="Quarter trends of targeted KPIs")
def kpi_trends(meeting: Meeting, ctx: AgendaContext) -> Section:
    quarters = ctx.last_closed_quarters(4)
    values = MetricValue.objects.filter(
        engagement_id=meeting.engagement_id,
        version=DEFINITION_VERSION,
        grain="quarter",
        period__in=quarters,
        dimension="all",
    )
    targeted = set(
        _targeted_values(meeting.engagement_id, "quarter", quarters).values_list("kpi", flat=True)
    )
    by_kpi: dict[str, dict[str, Any]] = {}
    for kpi, period, value in values.filter(kpi__in=targeted).values_list("kpi", "period", "value"):
        by_kpi.setdefault(kpi, {})[period] = _format(kpi, value)
    rows = [
        [_name(kpi), *[periods.get(q, "") for q in quarters]]
        for kpi, periods in sorted(by_kpi.items())
    ]
    return Section("", "", ["KPI", *quarters], rows)


@register_section(
    Tier.STRATEGIC, key="plan_by_segment", title="Plan vs actual by segment, last quarter"
)
def plan_by_segment(meeting: Meeting, ctx: AgendaContext) -> Section:
    quarter = ctx.last_closed_quarters(1)
    rows = plan.plan_vs_actual(engagement=meeting.engagement, grain="quarter", periods=quarter)
    return Section("", "", plan.COLUMNS, [r.as_cells() for r in rows])


@register_section(Tier.STRATEGIC, key="risks_due", title="Risks due for review")
def risks_due(meeting: Meeting, ctx: AgendaContext) -> Section:
    risks = (
        Risk.objects.filter(
            engagement_id=meeting.engagement_id, next_review_on__lte=ctx.meeting_day
        )
        .exclude(status=RiskStatus.CLOSED)
        .select_related("owner")
    )
    rows = [
        [
            r.title,
            r.get_category_display(),
            r.likelihood,
            r.impact,
            r.score,
            str(r.owner),
            str(r.next_review_on),
        ]
        for r in risks[:SECTION_ROW_LIMIT]
    ]
    columns = ["Risk", "Category", "Likelihood", "Impact", "Score", "Owner", "Review due"]
    return Section("", "", columns, rows, _limited(rows, risks.count()))


@register_section(Tier.STRATEGIC, key="decisions_of_quarter", title="Decisions of the quarter")
def decisions_of_quarter(meeting: Meeting, ctx: AgendaContext) -> Section:
    quarter = ctx.last_closed_quarters(1)[0]
    year, q = int(quarter[:4]), int(quarter[-1])
    start = date(year, 3 * q - 2, 1)
    decisions = Decision.objects.filter(
        engagement_id=meeting.engagement_id, decided_on__gte=start, decided_on__lte=ctx.meeting_day
    ).select_related("decided_by")
    rows = [
        [str(d.decided_on), d.title, str(d.decided_by), d.get_party_display()]
        for d in decisions[:SECTION_ROW_LIMIT]
    ]
    columns = ["Decided on", "Decision", "Decided by", "Party"]
    return Section("", "", columns, rows, f"Since {start}.")


@register_section(Tier.STRATEGIC, key="open_action_items", title="Open action items")
def open_action_items(meeting: Meeting, ctx: AgendaContext) -> Section:
    items = ActionItem.objects.filter(
        engagement_id=meeting.engagement_id, status__in=OPEN_STATUSES
    ).select_related("owner")
    rows = _action_item_rows(items[:SECTION_ROW_LIMIT], ctx.today)
    return Section("", "", ACTION_COLUMNS, rows, _limited(rows, items.count()))


__all__ = ["SECTIONS", "AgendaContext", "Section", "agenda_build", "register_section"]
