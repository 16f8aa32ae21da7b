"""The nightly workflow evaluates the engagements it does not recompute too: time alone
closes periods."""

from datetime import date

import pytest
from celery.contrib.testing.worker import start_worker

from kpis.models import MetricRun
from orchestration.pipeline import nightly_workflow
from rpo_portal.celery import app
from sla.models import Breach, SlaEvaluationRun, Warning


@pytest.mark.django_db(transaction=True)
def test_an_engagement_not_recomputed_is_evaluated_as_of_the_night(sla_engagement):
    runs = MetricRun.objects.count()
    app.loader.import_default_modules()
    app.control.purge()  # the fixture's own recompute and evaluation (as of today) not wanted
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        events = nightly_workflow(as_of=date(2025, 10, 1)).apply_async().get(timeout=120)
    assert MetricRun.objects.count() == runs  # its data did not change: no recompute
    assert SlaEvaluationRun.objects.filter(
        engagement=sla_engagement, as_of=date(2025, 10, 1)
    ).exists()
    # The third quarter closed: its NPS breach opens and the NPS warning clears.
    breach = Breach.objects.get(clause__key="S-NPS-Q", period="2025-Q3")
    assert breach.pk in events["new_breach_ids"]
    assert Warning.objects.get(clause__key="S-NPS-Q", period="2025-Q3").cleared_because == "closed"
