"""The stored hiring forecast and its place in the pipeline."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from forecasts.models import HiringForecast
from forecasts.services import forecasts_recompute
from kpis import progress
from recruiting.models import HiringPlanLine


@pytest.mark.django_db
def test_recompute_stores_each_engagement_once(engagement, other_engagement):
    HiringPlanLine.objects.create(engagement=engagement, month=date(2026, 7, 1), planned_hires=3)
    as_of = date(2026, 6, 30)
    changed = forecasts_recompute(engagement_ids=[engagement.pk, other_engagement.pk], as_of=as_of)
    assert sorted(changed) == sorted([engagement.pk, other_engagement.pk])
    stored = HiringForecast.objects.get(engagement=engagement)
    july = [r for r in stored.rows if r["month"] == "2026-07-01" and r["dimension"] == "all"]
    assert july[0]["plan"] == 3
    assert stored.as_of == as_of
    # Nothing new: nothing written.
    assert forecasts_recompute(engagement_ids=[engagement.pk], as_of=as_of) == []
    assert forecasts_recompute(engagement_ids=[engagement.pk], as_of=date(2026, 7, 1)) == [
        engagement.pk
    ]


@pytest.mark.django_db
def test_command_and_the_step_after_a_recompute(engagement):
    out = StringIO()
    call_command("recompute_forecasts", "--engagement", engagement.slug, stdout=out)
    assert "1 forecasts recomputed" in out.getvalue()
    assert HiringForecast.objects.filter(engagement=engagement).exists()
    steps = progress._steps_after(engagement.pk)
    names = [step.task for step in (steps if isinstance(steps, list) else [steps])]
    assert "forecasts.tasks.recompute_engagement_forecast" in names
