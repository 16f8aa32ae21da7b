"""Engagements with generated recruiting data, agreed targets and computed KPIs."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from kpis.services import engagement_metrics_recompute, target_agree, target_propose
from recruiting.generator import DataSpec, generated_data_import, scope_for
from reviews.models import ActionItem
from tests.factories import member

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
    for kpi, grain, target, at_risk, breach, minimum in TARGETS:
        proposal = target_propose(
            actor=provider,
            engagement=engagement,
            kpi=kpi,
            grain=grain,
            effective_from=date(2024, 1, 1),
            target_value=Decimal(target),
            at_risk_threshold=Decimal(at_risk),
            breach_threshold=Decimal(breach),
            min_sample_size=minimum,
        )
        target_agree(actor=client, target=proposal)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    for days, title in ((-10, "Late shortlist review"), (5, "Agree Q4 hiring plan")):
        ActionItem.objects.create(
            engagement=engagement,
            title=title,
            owner=provider,
            party="provider",
            due_date=timezone.localdate() + timedelta(days=days),
            created_by=client,
        )


@pytest.fixture
def dashboard_engagement(engagement):
    build_dashboard_data(engagement, requisitions=10)
    return engagement
