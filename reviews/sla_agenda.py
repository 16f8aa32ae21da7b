"""The SLA sections of review agendas, registered with the agenda's section registry.

Tactical reviews go through the warnings and breaches; the quarterly business review through
the quarter's outcomes, the credit ledger's net and the disputed relief claims. A breach
escalated to a meeting is listed with its timeline. Every section is plain JSON, so a held
meeting keeps the numbers that were discussed.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from engagements.models import Engagement
from reviews.agenda import SECTION_ROW_LIMIT, AgendaContext, Section, register_section
from reviews.models import AgendaItem, Meeting, Tier
from sla import selectors
from sla.models import BreachEvent, ReliefClaim, ReliefStatus, SlaOutcome


def _number(value) -> str:
    return "" if value is None else format(value, "g") if isinstance(value, float) else str(value)


def _quarter_start(quarter: str) -> date:
    return date(int(quarter[:4]), 3 * int(quarter[-1]) - 2, 1)


@register_section(Tier.TACTICAL, key="sla_warnings_breaches", title="SLA warnings and breaches")
def warnings_and_breaches(meeting: Meeting, ctx: AgendaContext) -> Section:
    engagement = Engagement(pk=meeting.engagement_id)
    rows = [
        ["Warning", w.clause.key, w.period, _number(w.value), str(w.clause.threshold), "Raised"]
        for w in selectors.warnings_raised(engagement=engagement).order_by("clause__key")
    ]
    breaches = selectors.unresolved_breaches(engagement=engagement)
    rows += [
        [
            "Breach",
            b.clause.key,
            b.period,
            _number(b.value),
            str(b.threshold),
            b.get_status_display(),
        ]
        for b in breaches[:SECTION_ROW_LIMIT]
    ]
    columns = ["Kind", "Clause", "Period", "Value", "Threshold", "Status"]
    return Section("", "", columns, rows, "Raised warnings and breaches not yet resolved.")


@register_section(Tier.STRATEGIC, key="sla_outcomes", title="SLA outcomes of the quarter")
def quarter_outcomes(meeting: Meeting, ctx: AgendaContext) -> Section:
    quarter = ctx.last_closed_quarters(1)[0]
    start = _quarter_start(quarter)
    year, q = start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1
    next_start = date(year, q, 1)
    outcomes = (
        SlaOutcome.objects.filter(
            engagement_id=meeting.engagement_id,
            clause__in_force=True,
            period_start__gte=start,
            period_end__lt=next_start,
        )
        .select_related("clause")
        .order_by("clause__key", "period_end")
    )
    rows = [
        [o.clause.key, o.period, _number(o.shown_value), _number(o.n), o.get_outcome_display()]
        for o in outcomes[: SECTION_ROW_LIMIT * 3]
    ]
    return Section("", "", ["Clause", "Period", "Value", "n", "Outcome"], rows, f"{quarter}.")


@register_section(Tier.STRATEGIC, key="sla_ledger_net", title="Service-credit ledger, the quarter")
def ledger_net(meeting: Meeting, ctx: AgendaContext) -> Section:
    quarter = ctx.last_closed_quarters(1)[0]
    ledger = selectors.ledger(engagement=meeting.engagement)
    money = selectors.quarter_money(ledger=ledger, quarter=quarter)
    currency = meeting.engagement.currency
    rows = [
        ["Credits owed", f"{money.credits} {currency}"],
        ["Bonuses earned", f"{money.bonuses} {currency}"],
        ["Net", f"{money.net} {currency}"],
    ]
    note = f"{quarter}: bonuses minus credits not earned back; waived and excused breaches at 0."
    return Section("", "", ["Line", "Amount"], rows, note)


@register_section(Tier.STRATEGIC, key="sla_disputed_relief", title="Disputed relief claims")
def disputed_relief(meeting: Meeting, ctx: AgendaContext) -> Section:
    since = _quarter_start(ctx.last_closed_quarters(1)[0])
    claims = (
        ReliefClaim.objects.filter(engagement_id=meeting.engagement_id)
        .filter(
            Q(status=ReliefStatus.PENDING)
            | Q(status=ReliefStatus.REJECTED, answered_at__date__gte=since)
        )
        .select_related("breach__clause", "claimed_by")
        .order_by("claimed_at", "id")
    )
    rows = [
        [
            c.breach.clause.key,
            c.breach.period,
            c.get_reason_display(),
            c.days_lost,
            str(c.claimed_by),
            c.get_status_display(),
            c.answer_note,
        ]
        for c in claims[:SECTION_ROW_LIMIT]
    ]
    columns = ["Clause", "Period", "Reason", "Days lost", "Claimed by", "Status", "Answer"]
    return Section("", "", columns, rows, f"Pending, and rejected since {since}.")


@register_section(
    Tier.TACTICAL, Tier.STRATEGIC, key="sla_escalated_breaches", title="Escalated breaches"
)
def escalated_breaches(meeting: Meeting, ctx: AgendaContext) -> Section:
    """Breaches escalated to this meeting, each with its timeline."""
    breach_ids = list(
        AgendaItem.objects.filter(
            engagement_id=meeting.engagement_id, meeting=meeting, breach__isnull=False
        ).values_list("breach_id", flat=True)
    )
    events = (
        BreachEvent.objects.filter(engagement_id=meeting.engagement_id, breach_id__in=breach_ids)
        .select_related("breach__clause", "actor")
        .order_by("breach_id", "at", "id")
    )
    rows = [
        [
            f"{e.breach.clause.key}, {e.breach.period}",
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.get_action_display(),
            str(e.actor) if e.actor else "system",
            e.note,
        ]
        for e in events
    ]
    columns = ["Breach", "When", "Step", "Who", "Note"]
    return Section("", "", columns, rows, "Each escalated breach's history, oldest step first.")
