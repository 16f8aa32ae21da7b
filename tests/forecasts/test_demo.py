"""The demo's forecast step: a launch doubles a plan once, and every engagement is forecast."""

import pytest
from django.utils import timezone

from forecasts.demo import seed_hiring_forecast
from forecasts.hiring import horizon_months
from forecasts.models import HiringForecast
from recruiting.models import HiringPlanLine
from tests.factories import EngagementFactory


@pytest.mark.django_db
def test_the_launch_raises_the_plan_once_and_shows_a_gap():
    engagement = EngagementFactory(slug="acme-talentbridge")
    months = horizon_months(timezone.localdate())
    for month in months:
        HiringPlanLine.objects.create(
            engagement=engagement, month=month, department="Engineering", planned_hires=5
        )
    lines = []
    seed_hiring_forecast(lines.append)
    seed_hiring_forecast(lines.append)
    planned = dict(
        HiringPlanLine.objects.filter(engagement=engagement).values_list("month", "planned_hires")
    )
    assert [planned[m] for m in months[3:6]] == [10, 10, 10]
    assert planned[months[6]] == 5
    assert sum("raised for a product launch" in line for line in lines) == 1
    stored = HiringForecast.objects.get(engagement=engagement)
    raised = [
        r for r in stored.rows if r["segment"] == "Engineering" and r["month"] == f"{months[3]}"
    ]
    assert raised[0]["plan"] == 10 and raised[0]["expected"] < 10
