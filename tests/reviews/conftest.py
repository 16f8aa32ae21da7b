from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kpis.services import engagement_metrics_recompute
from reviews import services
from reviews.models import Cadence, Tier
from sla.services import schedule_agree, slas_evaluate
from tests.factories import action_items_due, targets_agree
from tests.kpis.sample import import_sample
from tests.sla.conftest import propose_file


@pytest.fixture
def cadence(engagement):
    return Cadence.objects.get(engagement=engagement, tier=Tier.OPERATIONAL)


@pytest.fixture
def make_item(engagement, account_manager):
    def _make(n=1, owner=None, due=None, **fields):
        return [
            services.action_item_create(
                actor=account_manager,
                engagement=engagement,
                title=f"Item {i}",
                owner=owner or account_manager,
                due_date=due or timezone.localdate() + timedelta(days=3),
                **fields,
            )
            for i in range(n)
        ]

    return _make


@pytest.fixture
def make_risk(engagement, hr_lead):
    def _make(n=1, likelihood=3, impact=4, **fields):
        return [
            services.risk_create(
                actor=hr_lead,
                engagement=engagement,
                title=f"Risk {i}",
                category="delivery",
                likelihood=likelihood,
                impact=impact,
                treatment="mitigate",
                owner=hr_lead,
                next_review_on=fields.pop("next_review_on", date(2020, 1, 1)),
                **fields,
            )
            for i in range(n)
        ]

    return _make


# --- QBR packs: the sample engagement with agreed targets and computed KPIs ---

AS_OF = date(2025, 9, 30)
QUARTER = "2025-Q3"
# (kpi, grain, target, at risk, breach, minimum n)
TARGETS = [
    ("time_to_fill", "quarter", 40, 50, 60, 1),
    ("time_to_fill", "month", 40, 50, 60, 1),
    ("offer_acceptance_rate", "quarter", 85, 80, 75, 1),
    ("hires", "quarter", 10, 8, 5, 1),
]


@pytest.fixture
def qbr_engagement(engagement, hr_lead, account_manager):
    """The shared sample imported, four targets agreed, KPIs computed as of 2025-09-30, the
    sample SLA schedule agreed and evaluated (monthly fee 10,000, at risk 9 %), two open
    action items (one overdue), two decisions of the quarter and one before it, and three
    risks (one closed)."""
    engagement.monthly_fee = Decimal("10000")
    engagement.at_risk_pct = Decimal("9")
    engagement.save()
    import_sample(engagement)
    targets_agree(engagement, TARGETS, proposer=account_manager, agreer=hr_lead)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    schedule = propose_file(engagement, account_manager)
    schedule_agree(actor=hr_lead, schedule=schedule)
    slas_evaluate(engagement_ids=[engagement.pk], as_of=AS_OF)
    for decided_on, title in (
        (date(2025, 6, 20), "Keep the Q2 agency mix"),
        (date(2025, 8, 14), "Add a sourcing pod for engineering"),
        (date(2025, 9, 2), "Move offer approval to two days"),
    ):
        services.decision_create(
            actor=hr_lead,
            engagement=engagement,
            title=title,
            rationale="Agreed at the review.",
            decided_by=hr_lead,
            decided_on=decided_on,
            kpi="time_to_fill",
        )
    for title, likelihood, impact, status in (
        ("Hiring freeze in sales", 4, 5, "open"),
        ("ATS export delays", 2, 3, "monitoring"),
        ("Old vendor contract", 5, 5, "closed"),
    ):
        services.risk_create(
            actor=hr_lead,
            engagement=engagement,
            title=title,
            category="delivery",
            likelihood=likelihood,
            impact=impact,
            treatment="mitigate",
            mitigation="Weekly check with the hiring managers.",
            owner=account_manager,
            status=status,
            next_review_on=date(2025, 9, 1),
        )
    action_items_due(
        engagement,
        ((-3, "Late shortlist review"), (20, "Agree the Q4 hiring plan")),
        actor=hr_lead,
        owner=account_manager,
        kpi="time_to_fill",
    )
    return engagement


@pytest.fixture(autouse=True)
def pack_storage(settings, tmp_path):
    """Pack files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
