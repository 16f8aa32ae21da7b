"""One tenant never stops another in the nightly pipeline: a batch's recompute or evaluation
that fails for one engagement is run again one engagement at a time, so only that one is left
out (and logged); an event that cannot be told stops no other event's notifications."""

import logging

import pytest
from django.db import connection

from kpis import services as kpis_services
from kpis.models import MetricRun
from notifications.models import Notification
from recruiting.models import Requisition
from sla.breaches.services import sla_events_notify
from sla.models import Breach, SlaClause, SlaEvaluationRun
from sla.services import evaluation_batch_run, schedule_agree, slas_evaluate
from tests.factories import EngagementFactory, member
from tests.kpis.sample import import_sample
from tests.sla.conftest import AS_OF, propose_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_engagements(engagement, account_manager, hr_lead):
    """Two engagements of different parties, each with the sample data and the sample SLA
    schedule agreed; neither computed nor evaluated yet."""
    from accounts.models import Role

    second = EngagementFactory()
    second_manager = member(second.provider, Role.ACCOUNT_MANAGER)
    second_lead = member(second.client, Role.HR_LEAD)
    for each, proposer, agreer in (
        (engagement, account_manager, hr_lead),
        (second, second_manager, second_lead),
    ):
        import_sample(each)
        schedule_agree(actor=agreer, schedule=propose_file(each, proposer))
    return engagement, second


def _poison_clause(engagement) -> SlaClause:
    """A clause whose KPI is not in the catalogue (stored past validation)."""
    clause = SlaClause.objects.filter(engagement=engagement, in_force=True).order_by("pk").first()
    SlaClause.objects.filter(pk=clause.pk).update(kpi="retired_kpi")
    return clause


def test_a_recompute_batch_that_fails_for_one_engagement_computes_the_others(
    two_engagements, caplog
):
    poisoned, healthy = two_engagements
    # A date PostgreSQL can store and the KPI engine cannot read, stored past validation.
    requisition = Requisition.objects.filter(engagement=poisoned, filled_on__isnull=False).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE recruiting_requisition SET filled_on = 'infinity' WHERE id = %s",
            [requisition.pk],
        )

    with caplog.at_level(logging.WARNING, logger="rpo_portal.fanout"):
        changed = kpis_services.metrics_recompute_batch(
            engagement_ids=[poisoned.pk, healthy.pk], as_of=AS_OF
        )

    assert changed == [healthy.pk]
    assert list(MetricRun.objects.values_list("engagement_id", flat=True)) == [healthy.pk]
    assert f"KPI recompute failed for engagement {poisoned.pk};" in caplog.text
    # The nightly job outside the pipeline too.
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        results = kpis_services.metrics_recompute_stale(full=True, as_of=AS_OF)
    assert [r.engagement_id for r in results] == [healthy.pk]
    assert f"KPI recompute failed for engagement {poisoned.pk};" in caplog.text


def test_an_evaluation_batch_that_fails_for_one_engagement_evaluates_the_others(
    two_engagements, caplog
):
    poisoned, healthy = two_engagements
    for each in two_engagements:
        kpis_services.engagement_metrics_recompute(engagement=each, as_of=AS_OF)
    _poison_clause(poisoned)

    with caplog.at_level(logging.WARNING, logger="rpo_portal.fanout"):
        results = evaluation_batch_run(
            engagement_ids=[poisoned.pk, healthy.pk], as_of=AS_OF.isoformat()
        )

    assert [r["engagement_id"] for r in results] == [healthy.pk]
    assert results[0]["evaluated"] and results[0]["new_breach_ids"]
    evaluated = set(SlaEvaluationRun.objects.values_list("engagement_id", flat=True))
    assert evaluated == {healthy.pk}
    assert not Breach.objects.filter(engagement=poisoned).exists()
    assert f"SLA evaluation failed for engagement {poisoned.pk};" in caplog.text


def test_an_event_that_cannot_be_told_stops_no_other(two_engagements, caplog):
    poisoned, healthy = two_engagements
    for each in two_engagements:
        kpis_services.engagement_metrics_recompute(engagement=each, as_of=AS_OF)
    results = slas_evaluate(engagement_ids=[poisoned.pk, healthy.pk], as_of=AS_OF)
    breach_ids = [pk for r in results for pk in r.new_breach_ids]
    bad_clause = Breach.objects.filter(engagement=poisoned).order_by("pk").first().clause
    SlaClause.objects.filter(pk=bad_clause.pk).update(kpi="retired_kpi")

    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        sla_events_notify(events={"new_breach_ids": breach_ids, "new_warning_ids": []})

    told = set(
        Notification.objects.filter(kind="breach").values_list("event_key", flat=True).distinct()
    )
    untold = set(Breach.objects.filter(clause=bad_clause).values_list("pk", flat=True))
    assert told == {f"breach:{pk}:opened" for pk in breach_ids if pk not in untold}
    assert Notification.objects.filter(engagement=healthy).exists()
    assert Notification.objects.filter(engagement=poisoned).exists()  # its other clauses'
    assert f"Breach notification failed for engagement {poisoned.pk}" in caplog.text
