"""Engagements with generated recruiting data, agreed targets and computed KPIs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from kpis.services import engagement_metrics_recompute
from recruiting.generator import DataSpec, generated_data_import, scope_for
from reviews import services as review_services
from reviews.models import ActionItem, Decision, Tier
from sla.models import BreachEvent, ReliefClaim, SlaOutcome, Warning
from tests.factories import member, targets_agree
from tests.sla.breach_helpers import agreed_clause, make_breach

AS_OF = date(2025, 9, 30)
# (kpi, grain, target, at risk, breach, minimum n)
TARGETS = [
    ("time_to_fill", "month", 40, 50, 60, 3),
    ("offer_acceptance_rate", "month", 85, 80, 75, 3),
    ("candidate_nps", "quarter", 30, 20, 10, 10),
]


def build_dashboard_data(engagement, *, requisitions: int, seed: int = 1) -> None:
    """Generated data for 14 months up to AS_OF, the targets agreed, the KPIs computed."""
    client = member(engagement.client, Role.HR_LEAD)
    provider = member(engagement.provider, Role.ACCOUNT_MANAGER)
    spec = DataSpec(
        requisitions=requisitions, seed=seed, months=14, end=AS_OF, scope=scope_for(engagement)
    )
    generated_data_import(actor=provider, engagement=engagement, spec=spec)
    targets_agree(engagement, TARGETS, proposer=provider, agreer=client)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    build_sla_data(
        engagement, breaches=min(12, max(1, requisitions // 80)), client=client, provider=provider
    )
    for days, title in ((-10, "Late shortlist review"), (5, "Agree Q4 hiring plan")):
        ActionItem.objects.create(
            engagement=engagement,
            title=title,
            owner=provider,
            party="provider",
            due_date=timezone.localdate() + timedelta(days=days),
            created_by=client,
        )


def build_sla_data(engagement, *, breaches: int, client, provider) -> None:
    """A clause in force with `breaches` monthly breaches (the first with a pending relief
    claim and a timeline), a raised warning, an outcome, a decision and a meeting per tier."""
    clause = agreed_clause(engagement, provider)
    made = []
    for i in range(breaches):
        year, month = divmod(7 - i - 1, 12)
        made.append(make_breach(engagement, clause, period=f"{2025 + year}-{month + 1:02d}"))
    now = timezone.now()
    for breach in made:
        BreachEvent.objects.create(
            engagement=engagement, breach=breach, action="opened", at=breach.opened_at
        )
        SlaOutcome.objects.create(
            engagement=engagement,
            clause=clause,
            period=breach.period,
            period_start=breach.period_end.replace(day=1),
            period_end=breach.period_end,
            closed=True,
            value=breach.value,
            shown_value=Decimal(str(breach.value)),
            n=breach.n,
            outcome="breach",
            as_of=AS_OF,
            evaluated_at=now,
        )
    if made:
        ReliefClaim.objects.create(
            engagement=engagement,
            breach=made[0],
            reason="feedback_late",
            explanation="Feedback came three weeks late.",
            days_lost=9,
            claimed_by=provider,
            claimed_at=now,
        )
    Warning.objects.create(
        engagement=engagement,
        clause=clause,
        period="2025-09",
        period_end=date(2025, 9, 30),
        value=33.0,
        n=5,
        raised_at=now,
    )
    Decision.objects.create(
        engagement=engagement,
        title="Weekly shortlist call",
        decided_by=client,
        party="client",
        decided_on=timezone.localdate(),
        created_by=client,
    )
    for days, tier in enumerate(Tier.values, start=1):
        review_services.meeting_create(
            actor=client,
            engagement=engagement,
            tier=tier,
            title=f"Next {tier} review",
            starts_at=now + timedelta(days=days),
        )


@pytest.fixture
def dashboard_engagement(engagement):
    build_dashboard_data(engagement, requisitions=10)
    return engagement


# API keys of an organization, as the API tests make them.
from tests.api.conftest import key_client, make_key  # noqa: E402, F401
