"""The nightly pipeline runs in real Celery workers: recompute in batches, then evaluate."""

import pytest
from celery.contrib.testing.worker import start_worker

from kpis import services as kpis_services
from kpis.models import MetricRun
from orchestration.pipeline import nightly_workflow
from rpo_portal.celery import app
from sla.models import Breach, SlaEvaluationRun, SlaOutcome
from sla.services import schedule_agree
from tests.factories import EngagementFactory
from tests.kpis.sample import import_sample
from tests.sla.conftest import AS_OF, propose_file


@pytest.mark.django_db(transaction=True)
def test_the_nightly_workflow_recomputes_in_batches_then_evaluates_what_changed(
    engagement, account_manager, hr_lead, monkeypatch
):
    import_sample(engagement)
    schedule_agree(actor=hr_lead, schedule=propose_file(engagement, account_manager))
    second = EngagementFactory()
    import_sample(second)
    monkeypatch.setattr(kpis_services, "BATCH_ROWS", 1)  # one engagement per batch
    assert len(kpis_services.recompute_batches([engagement.pk, second.pk])) == 2

    app.loader.import_default_modules()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        events = nightly_workflow(full=True, as_of=AS_OF).apply_async().get(timeout=120)
        assert MetricRun.objects.filter(engagement__in=[engagement, second]).count() == 2
        assert set(events["new_breach_ids"]) == set(
            Breach.objects.filter(engagement=engagement).values_list("pk", flat=True)
        )
        assert len(events["new_breach_ids"]) == 9 and len(events["new_warning_ids"]) == 3
        # Only the engagement with clauses is evaluated.
        assert set(SlaEvaluationRun.objects.values_list("engagement_id", flat=True)) == {
            engagement.pk
        }
        outcomes = set(SlaOutcome.objects.values_list("clause_id", "period", "outcome"))

        # Again: nothing changed, so nothing new to tell.
        again = nightly_workflow(full=True, as_of=AS_OF).apply_async().get(timeout=120)
    assert again == {"new_breach_ids": [], "changed_breach_ids": [], "new_warning_ids": []}
    assert set(SlaOutcome.objects.values_list("clause_id", "period", "outcome")) == outcomes
