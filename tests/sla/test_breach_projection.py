"""The breach forecast's projection on hand-made records, with expectations worked out by hand
(docs/data-contract.md, "SLA breach forecast")."""

import math
from datetime import date

import pytest

from kpis import compute
from kpis.records import prepare
from sla.forecasting.projection import LIKELY, SIMULATIONS, ClauseSpec, project, shown
from tests.kpis.test_compute import application, frames, requisition

AS_OF = date(2025, 6, 20)  # 10 days of June left
JUNE = {"period": "2025-06", "period_start": date(2025, 6, 1), "period_end": date(2025, 6, 30)}


def tables(data, as_of=AS_OF):
    return prepare(compute._with_engagement(data), as_of=as_of)


def ttf(threshold, **extra):
    return ClauseSpec("TTF", "time_to_fill", "all", "all", threshold, **extra)


def june(data, spec, as_of=AS_OF):
    return project(tables(data, as_of), spec, engagement_id=0, **JUNE)


def filled_in_june():
    # Filled so far in June: 30 and 40 days (median 35).
    return [
        requisition("f30", "2025-05-02", "2025-06-01"),
        requisition("f40", "2025-05-03", "2025-06-12"),
    ]


def history(*days_filled):
    """Requisitions opened on 2025-01-01 and filled after `days` (closed within the year)."""
    return [
        requisition(f"h{i}", "2025-01-01", (date(2025, 1, 1).toordinal() + days, "filled"))
        for i, days in enumerate(days_filled)
    ]


def _dated(rows):
    out = []
    for row in rows:
        row = dict(row)
        if isinstance(row.get("filled_on"), tuple):
            row["filled_on"] = date.fromordinal(row["filled_on"][0]).isoformat()
        out.append(row)
    return out


def test_an_old_open_requisition_sure_to_fill_moves_the_median_up():
    # The open requisition is 50 days old (opened 1 May); every requisition of the last year
    # still open at 50 days was filled at 55, within the 10 days left: it fills at 55.
    # June then has 30, 40, 55: median 40.
    data = frames(_dated([*filled_in_june(), requisition("open", "2025-05-01"), *history(55, 55)]))
    at_39 = june(data, ttf(39))
    assert at_39.current == 35 and at_39.current_n == 2
    assert at_39.projected == 40 and at_39.low == 40 and at_39.high == 40
    assert at_39.likelihood == 1 and at_39.likely
    assert at_39.expected_n == 3
    assert "1 requisition open, 1 of them older than 39 days" in at_39.reason
    assert "breach threshold 39 days" in at_39.reason
    # Equal to the threshold is met.
    assert june(data, ttf(40)).likelihood == 0


def test_a_requisition_that_fills_half_the_time_gives_half_a_chance():
    # Of the requisitions still open at 50 days, one filled at 55 (within the 10 days left)
    # and one at 70 (after): the open one fills in June in half the simulations. Filled, June
    # has 30, 40, 55 (median 40, a breach of 39); not filled, 30 and 40 (median 35, met).
    data = frames(_dated([*filled_in_june(), requisition("open", "2025-05-01"), *history(55, 70)]))
    forecast = june(data, ttf(39))
    assert abs(forecast.likelihood - 0.5) < 4 * math.sqrt(0.25 / SIMULATIONS)
    assert forecast.low == 35 and forecast.high == 40


def test_hires_at_the_trailing_pace_breach_as_often_as_poisson_says():
    # Two hires so far in June; nine in the 90 days up to 20 June: 0.1 a day, so one more
    # expected in the 10 days left. A breach (fewer than 3) is no more hire: e^-1 = 36.8%.
    hires = [application(f"a{i}", "r1", "2025-04-01", started_on="2025-04-01") for i in range(7)]
    hires += [application(f"j{i}", "r1", "2025-06-02", started_on="2025-06-02") for i in range(2)]
    for row in hires:
        row.update(offered_on=row["applied_on"], offer_outcome="accepted")
        row["offer_decided_on"] = row["applied_on"]
    data = frames([requisition("r1", "2025-01-01")], hires)
    spec = ClauseSpec("HIRES", "hires", "all", "all", 3)
    forecast = june(data, spec)
    assert forecast.current == 2
    assert abs(forecast.expected_n - 3) < 0.15
    assert abs(forecast.likelihood - math.exp(-1)) < 4 * math.sqrt(0.25 / SIMULATIONS)
    assert not forecast.likely and LIKELY == 0.5


def test_plan_attainment_reads_the_period_plan_and_the_hires_known():
    # Ten planned in June, four hires so far and none in the trailing days before June:
    # pace 4/90 a day, about 0.44 more. Without another hire 40%; the threshold 45% breaches
    # unless at least one more comes (4.5 → P(0) = e^-0.444 = 64.1%).
    hires = [application(f"j{i}", "r1", "2025-06-02", started_on="2025-06-02") for i in range(4)]
    for row in hires:
        row.update(offered_on="2025-06-02", offer_outcome="accepted", offer_decided_on="2025-06-02")
    plan = [
        {
            "id": "p1",
            "month": "2025-06-01",
            "planned_hires": 10,
            "department": "",
            "location": "",
            "job_family": "",
        }
    ]
    data = frames([requisition("r1", "2025-01-01")], hires, plan=plan)
    spec = ClauseSpec("PLAN", "plan_attainment", "all", "all", 45)
    forecast = june(data, spec)
    assert forecast.current == 40
    expected = math.exp(-4 / 90 * 10)
    assert abs(forecast.likelihood - expected) < 4 * math.sqrt(0.25 / SIMULATIONS)


def test_records_dated_after_the_as_of_day_change_nothing():
    known = [*filled_in_june(), requisition("open", "2025-05-01"), *history(55, 70)]
    hires = [application("a1", "f30", "2025-05-10", started_on="2025-06-05")]
    later = [
        # The open requisition fills after the as-of day; others open and fill later still.
        requisition("open", "2025-05-01", "2025-06-22"),
        requisition("late1", "2025-06-21", "2025-06-25"),
        requisition("late2", "2025-06-25"),
    ]
    later_hires = [
        application("a2", "f30", "2025-06-21", started_on="2025-06-28"),
        application("a3", "f40", "2025-05-10", started_on="2025-06-29"),
    ]
    for row in hires + later_hires:
        row.update(offered_on=row["applied_on"], offer_outcome="accepted")
        row["offer_decided_on"] = row["applied_on"]
    before = frames(_dated(known), hires)
    after = frames(_dated([r for r in known if r["id"] != "open"] + later), hires + later_hires)
    for spec in (
        ttf(39),
        ClauseSpec("AGE", "open_requisition_age", "all", "all", 30),
        ClauseSpec("HIRES", "hires", "all", "all", 3),
    ):
        assert june(before, spec) == june(after, spec)


def test_a_segment_clause_counts_only_its_segment():
    other = requisition("o1", "2025-05-02", "2025-06-10", department="Finance")  # 39 days
    data = frames(_dated([*filled_in_june(), other, *history(55)]))
    sales = ClauseSpec("TTF-S", "time_to_fill", "department", "Sales", 36)
    forecast = june(data, sales)
    assert forecast.current == 35 and forecast.likelihood == 0
    finance = ClauseSpec("TTF-F", "time_to_fill", "department", "Finance", 36)
    assert june(data, finance).likelihood == 1


@pytest.mark.parametrize(
    ("value", "decimals", "expected"), [(2.25, 1, 2.3), (-2.25, 1, -2.3), (47.04, 1, 47.0)]
)
def test_values_are_judged_as_shown(value, decimals, expected):
    import numpy as np

    assert shown(np.array([value]), decimals)[0] == expected
