"""The demo's forecast step: the plan carried ahead, the launch doubled, every engagement
forecast, and a second run changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from forecasts.demo import seed_hiring_forecast
from forecasts.hiring import horizon_months
from forecasts.models import HiringForecast
from recruiting.models import Application, HiringPlanLine, Requisition
from tests.factories import EngagementFactory


@pytest.mark.django_db
def test_the_launch_doubles_the_plan_and_shows_a_gap():
    engagement = EngagementFactory(slug="acme-talentbridge")
    today = timezone.localdate()
    for number in range(36):  # three Engineering hires a month over the last year
        started = today.replace(day=1) - timedelta(days=5 + 10 * number)
        requisition = Requisition.objects.create(
            engagement=engagement,
            external_id=f"R{number}",
            title="Engineer",
            department="Engineering",
            opened_on=started - timedelta(days=60),
            filled_on=started - timedelta(days=20),
        )
        Application.objects.create(
            engagement=engagement,
            external_id=f"A{number}",
            requisition=requisition,
            candidate_id=f"C{number}",
            source="referral",
            applied_on=started - timedelta(days=40),
            offered_on=started - timedelta(days=25),
            offer_outcome="accepted",
            offer_decided_on=started - timedelta(days=20),
            started_on=started,
        )
    lines = []
    seed_hiring_forecast(lines.append)
    plan = dict(
        HiringPlanLine.objects.filter(engagement=engagement).values_list("month", "planned_hires")
    )
    months = horizon_months(today)
    assert [plan[m] for m in months[3:6]] == [6, 6, 6]
    assert plan[months[6]] == 3
    stored = HiringForecast.objects.get(engagement=engagement)
    launch = [
        r for r in stored.rows if r["segment"] == "Engineering" and r["month"] == f"{months[3]}"
    ]
    assert launch[0]["plan"] == 6 and launch[0]["expected"] < 6
    assert any("hires expected" in line for line in lines)
    lines.clear()
    seed_hiring_forecast(lines.append)
    assert not any("hiring plan" in line for line in lines)
