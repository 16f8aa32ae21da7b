from datetime import date, timedelta

import pytest
from django.utils import timezone

from reviews import services
from reviews.models import Cadence, Tier


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
