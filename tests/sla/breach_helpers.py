"""Breaches made directly (without evaluating), for the lifecycle, page and API tests."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from engagements.agreement import AgreementState
from recruiting.models import Requisition
from sla.models import Breach, ReliefClaim, SlaClause, SlaSchedule


def agreed_clause(engagement, proposer, *, key="ttf-month", kpi="time_to_fill", threshold=35):
    schedule = SlaSchedule.objects.create(
        engagement=engagement,
        state=AgreementState.AGREED,
        proposed_by=proposer,
        proposed_by_party="provider",
        proposed_at=timezone.now(),
    )
    return SlaClause.objects.create(
        engagement=engagement,
        schedule=schedule,
        key=key,
        kpi=kpi,
        grain="month",
        threshold=Decimal(threshold),
        effective_from=date(2025, 1, 1),
        pct=Decimal("5"),
        in_force=True,
    )


def make_breach(engagement, clause, *, period="2025-07", value=41.0, status="open"):
    year, month = (int(part) for part in period.split("-"))
    period_end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return Breach.objects.create(
        engagement=engagement,
        clause=clause,
        period=period,
        period_end=period_end,
        value=value,
        n=12,
        threshold=clause.threshold,
        status=status,
        opened_at=timezone.now(),
    )


def requisition(engagement, external_id="REQ-1"):
    return Requisition.objects.create(
        engagement=engagement,
        external_id=external_id,
        title="Engineer",
        opened_on=date(2025, 6, 1),
    )


def pending_relief_claim(breach, claimed_by, *, days_lost=9):
    """A relief claim on the breach that waits for the client's answer."""
    return ReliefClaim.objects.create(
        engagement=breach.engagement,
        breach=breach,
        reason="feedback_late",
        explanation="Feedback came three weeks late.",
        days_lost=days_lost,
        claimed_by=claimed_by,
        claimed_at=timezone.now(),
    )
