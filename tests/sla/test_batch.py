"""Evaluating a batch of engagements takes the same number of queries however many
engagements and clauses it holds (sla.batch), and writes what the per-engagement rules say."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION
from sla.models import Breach, BreachEvent, SlaClause, SlaEvaluationRun, SlaOutcome, SlaSchedule
from sla.models import Warning as SlaWarning
from sla.services import slas_evaluate
from tests.factories import EngagementFactory, UserFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2025, 6, 15)  # January to May closed, June open
MONTHS = [(f"2025-0{m}", date(2025, m, 1), date(2025, m + 1, 1)) for m in range(1, 7)]
# time_to_fill, lower is better, threshold 40: January breaches, June (open) warns.
VALUES = {"2025-01": 45.0, "2025-02": 30.0, "2025-03": 38.0, "2025-06": 50.0}


def engagements_with_clauses(engagements: int, clauses: int) -> list[int]:
    """Engagements with `clauses` agreed monthly time-to-fill clauses each (one per segment)
    and the stored values of VALUES for each clause's segment."""
    user, now = UserFactory(), timezone.now()
    ids = []
    for _ in range(engagements):
        engagement = EngagementFactory()
        schedule = SlaSchedule.objects.create(
            engagement=engagement,
            state="agreed",
            proposed_by=user,
            proposed_by_party="provider",
            proposed_at=now,
            responded_by=user,
            responded_at=now,
        )
        for number in range(clauses):
            segment = "all" if number == 0 else f"Department {number}"
            SlaClause.objects.create(
                engagement=engagement,
                schedule=schedule,
                key=f"TTF-{number}",
                kpi="time_to_fill",
                grain="month",
                dimension="all" if number == 0 else "department",
                segment=segment,
                threshold=Decimal(40),
                effective_from=date(2025, 1, 1),
                pct=Decimal(2),
                in_force=True,
            )
            MetricValue.objects.bulk_create(
                MetricValue(
                    engagement=engagement,
                    kpi="time_to_fill",
                    version=DEFINITION_VERSION,
                    grain="month",
                    period=period,
                    period_start=start,
                    period_end=end,
                    dimension="all" if number == 0 else "department",
                    segment=segment,
                    value=VALUES[period],
                    n=5,
                    computed_at=now,
                )
                for period, start, end in MONTHS
                if period in VALUES
            )
        ids.append(engagement.pk)
    return ids


def queries(ids: list[int]) -> int:
    with CaptureQueriesContext(connection) as captured:
        results = slas_evaluate(engagement_ids=ids, as_of=AS_OF)
    assert all(result.evaluated for result in results)
    return len(captured.captured_queries)


def change_values_and_terms() -> None:
    """January's value changes (still a breach), February now breaches, and the clauses end
    in May (June's outcome goes, its warning clears)."""
    MetricValue.objects.filter(period="2025-01").update(value=47.0)
    MetricValue.objects.filter(period="2025-02").update(value=41.0)
    SlaClause.objects.update(effective_to=date(2025, 5, 31))


def test_a_batch_takes_the_same_queries_for_one_engagement_or_many():
    small = engagements_with_clauses(1, 1)
    first_small = queries(small)
    assert (Breach.objects.count(), SlaWarning.objects.count()) == (1, 1)
    change_values_and_terms()
    again_small = queries(small)
    assert Breach.objects.filter(value_changed_at__isnull=False).count() == 1
    assert SlaWarning.objects.filter(cleared_at__isnull=False).count() == 1

    large = engagements_with_clauses(3, 4)
    first_large = queries(large)
    assert SlaOutcome.objects.filter(engagement_id__in=large).count() == 12 * 6
    assert Breach.objects.filter(engagement_id__in=large).count() == 12
    assert SlaWarning.objects.filter(engagement_id__in=large, cleared_at=None).count() == 12
    change_values_and_terms()
    again_large = queries(large)
    assert Breach.objects.filter(engagement_id__in=large).count() == 24
    assert Breach.objects.filter(engagement_id__in=large, value_changed_at__isnull=False).count()
    assert not SlaWarning.objects.filter(engagement_id__in=large, cleared_at=None).exists()
    assert not SlaOutcome.objects.filter(engagement_id__in=large, period="2025-06").exists()

    assert (first_large, again_large) == (first_small, again_small)


def test_a_batch_writes_what_one_engagement_at_a_time_would():
    ids = engagements_with_clauses(2, 2)
    (first, second) = slas_evaluate(engagement_ids=ids, as_of=AS_OF)
    assert [r.outcomes for r in (first, second)] == [12, 12]
    assert [r.outcomes_changed for r in (first, second)] == [12, 12]
    assert [len(r.new_breach_ids) for r in (first, second)] == [2, 2]
    assert set(first.new_breach_ids) == set(
        Breach.objects.filter(engagement_id=ids[0]).values_list("pk", flat=True)
    )
    january = SlaOutcome.objects.get(engagement_id=ids[0], clause__key="TTF-0", period="2025-01")
    assert (january.outcome, january.value, january.shown_value, january.closed) == (
        "breach",
        45.0,
        Decimal("45.0"),
        True,
    )
    assert january.metric_value_id == (
        MetricValue.objects.get(engagement_id=ids[0], period="2025-01", segment="all").pk
    )
    assert SlaOutcome.objects.get(clause=january.clause, period="2025-04").outcome == "no_data"
    assert SlaOutcome.objects.get(clause=january.clause, period="2025-06").outcome == "warning"
    opened = BreachEvent.objects.get(breach__clause=january.clause)
    assert opened.data == {"value": 45.0, "shown_value": "45.0", "n": 5}

    change_values_and_terms()
    (first, _) = slas_evaluate(engagement_ids=ids, as_of=AS_OF)
    # January and February changed, June is gone: three outcomes per clause.
    assert (first.outcomes, first.outcomes_changed) == (10, 6)
    assert len(first.new_breach_ids) == 2 and len(first.changed_breach_ids) == 2
    assert len(first.cleared_warning_ids) == 2
    breach = Breach.objects.get(clause=january.clause, period="2025-01")
    assert (breach.changed_old_value, breach.changed_new_value, breach.still_breaches) == (
        45.0,
        47.0,
        True,
    )
    run = SlaEvaluationRun.objects.filter(engagement_id=ids[0]).latest("started_at")
    assert (run.outcomes, run.outcomes_changed, run.breaches_opened, run.warnings_cleared) == (
        10,
        6,
        2,
        2,
    )
    # Nothing changed: nothing written.
    (first, _) = slas_evaluate(engagement_ids=ids, as_of=AS_OF)
    assert (first.outcomes_changed, first.new_breach_ids, first.changed_breach_ids) == (0, [], [])


def test_an_engagement_with_nothing_new_is_skipped_but_time_still_closes_its_periods():
    ids = engagements_with_clauses(1, 1)
    slas_evaluate(engagement_ids=ids, as_of=AS_OF)
    june = SlaOutcome.objects.get(period="2025-06")
    assert june.outcome == "warning"
    with CaptureQueriesContext(connection) as captured:
        (result,) = slas_evaluate(engagement_ids=ids, as_of=date(2025, 6, 20))  # same periods
    assert (result.evaluated, result.outcomes, result.outcomes_changed) == (True, 6, 0)
    assert not any("sla_slaoutcome" in query["sql"] for query in captured.captured_queries)
    assert SlaEvaluationRun.objects.filter(as_of=date(2025, 6, 20)).exists()

    (result,) = slas_evaluate(engagement_ids=ids, as_of=date(2025, 7, 1))  # June closes
    june.refresh_from_db()
    assert (june.outcome, result.outcomes) == ("breach", 7)
    assert Breach.objects.filter(period="2025-06").exists()
    assert SlaWarning.objects.get(period="2025-06").cleared_because == "closed"


def test_a_clause_starting_within_the_month_gets_its_first_period_on_that_day():
    ids = engagements_with_clauses(1, 1)
    SlaClause.objects.update(effective_from=date(2025, 7, 10))
    (result,) = slas_evaluate(engagement_ids=ids, as_of=date(2025, 7, 5))
    assert result.outcomes == 0
    (result,) = slas_evaluate(engagement_ids=ids, as_of=date(2025, 7, 15))
    assert result.outcomes == 1
    assert SlaOutcome.objects.get().period == "2025-07"


def test_grace_days_keep_a_period_open_until_they_pass():
    ids = engagements_with_clauses(1, 1)
    SlaClause.objects.update(grace_days=5)
    slas_evaluate(engagement_ids=ids, as_of=date(2025, 7, 3))
    assert SlaOutcome.objects.get(period="2025-06").outcome == "warning"
    slas_evaluate(engagement_ids=ids, as_of=date(2025, 7, 6))
    assert SlaOutcome.objects.get(period="2025-06").outcome == "breach"
