"""One test per target-status rule that mutation testing found unpinned (data-contract.md
section 4, on the pure `compute.with_status`), plus the written period bounds and the mean's
numerator and denominator. Numbers worked out by hand; no database."""

from datetime import date

import pandas as pd
import pytest

from kpis import compute
from tests.kpis.test_compute import frames, one, values

# time_to_fill: lower is better; offer_acceptance_rate: higher is better.


def value_rows(*rows) -> pd.DataFrame:
    base = {
        "engagement_id": 1,
        "kpi": "time_to_fill",
        "grain": "month",
        "period": "2025-03",
        "period_end": date(2025, 3, 31),
        "dimension": "all",
        "segment": "all",
        "value": 40.0,
        "n": 10,
        "suppressed": False,
    }
    return pd.DataFrame([base | row for row in rows])


def target_rows(*rows) -> pd.DataFrame:
    base = {
        "target_id": 1,
        "engagement_id": 1,
        "kpi": "time_to_fill",
        "grain": "month",
        "dimension": "",
        "segment": "",
        "effective_from": date(2025, 1, 1),
        "effective_to": None,
        "target_value": 40.0,
        "breach_threshold": 45.0,
        "min_sample_size": 10,
        "agreed_at": pd.Timestamp("2024-12-01", tz="UTC"),
    }
    return pd.DataFrame([base | row for row in rows], columns=compute.TARGET_COLUMNS)


def statuses(values_frame, targets_frame) -> list[tuple[str, object]]:
    result = compute.with_status(values_frame, targets_frame)
    return [
        (str(status), None if pd.isna(target) else int(target))
        for status, target in zip(result["status"], result["target_id"], strict=True)
    ]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        (40.0, "on_track"),  # exactly at the target: met
        (40.01, "at_risk"),
        (45.0, "at_risk"),  # exactly at the breach threshold: not yet past it
        (45.01, "off_track"),
    ],
)
def test_status_exactly_at_the_target_and_at_the_breach_threshold_lower_is_better(value, status):
    assert statuses(value_rows({"value": value}), target_rows({})) == [(status, 1)]


@pytest.mark.parametrize(
    ("value", "status"),
    [(80.0, "on_track"), (79.9, "at_risk"), (70.0, "at_risk"), (69.9, "off_track")],
)
def test_status_exactly_at_the_target_and_at_the_breach_threshold_higher_is_better(value, status):
    kpi = {"kpi": "offer_acceptance_rate"}
    targets = target_rows(kpi | {"target_value": 80.0, "breach_threshold": 70.0})
    assert statuses(value_rows(kpi | {"value": value}), targets) == [(status, 1)]


def test_n_equal_to_the_minimum_sample_size_is_judged_one_less_is_insufficient():
    rows = value_rows({"n": 10}, {"n": 9})
    assert statuses(rows, target_rows({})) == [("on_track", 1), ("insufficient_data", 1)]


def test_a_suppressed_value_is_insufficient_data_under_a_target_and_suppressed_without():
    rows = value_rows({"suppressed": True, "value": float("nan")})
    assert statuses(rows, target_rows({})) == [("insufficient_data", 1)]
    assert statuses(rows, target_rows({}).iloc[0:0]) == [("suppressed", None)]


def test_a_target_with_an_end_applies_up_to_and_including_its_last_day():
    rows = value_rows(
        {"period": "2025-03", "period_end": date(2025, 3, 31)},
        {"period": "2025-04", "period_end": date(2025, 4, 30)},
    )
    targets = target_rows({"effective_to": date(2025, 3, 31)})
    assert statuses(rows, targets) == [("on_track", 1), ("", None)]


def test_a_target_starting_after_the_period_end_does_not_apply():
    targets = target_rows({"effective_from": date(2025, 4, 1)})
    assert statuses(value_rows({}), targets) == [("", None)]
    targets = target_rows({"effective_from": date(2025, 3, 31)})
    assert statuses(value_rows({}), targets) == [("on_track", 1)]


def test_the_latest_effective_from_wins_then_the_latest_agreement():
    targets = target_rows(
        {"target_id": 1, "effective_from": date(2025, 1, 1), "target_value": 30.0},
        {"target_id": 2, "effective_from": date(2025, 2, 1), "target_value": 50.0},
    )
    assert statuses(value_rows({}), targets) == [("on_track", 2)]
    same_day = date(2025, 2, 1)
    targets = target_rows(
        {
            "target_id": 3,
            "effective_from": same_day,
            "agreed_at": pd.Timestamp("2025-02-10", tz="UTC"),
        },
        {
            "target_id": 4,
            "effective_from": same_day,
            "agreed_at": pd.Timestamp("2025-01-10", tz="UTC"),
        },
    )
    assert statuses(value_rows({}), targets) == [("on_track", 3)]


def test_a_segment_target_needs_both_its_dimension_and_its_segment_to_match():
    rows = value_rows(
        {"dimension": "department", "segment": "Sales"},
        {"dimension": "department", "segment": "Finance"},
        {"dimension": "location", "segment": "Sales"},
    )
    targets = target_rows(
        {"target_id": 1},
        {"target_id": 2, "dimension": "department", "segment": "Sales", "target_value": 30.0},
    )
    assert statuses(rows, targets) == [("at_risk", 2), ("on_track", 1), ("on_track", 1)]


def test_each_engagement_gets_only_its_own_targets_in_a_batch():
    rows = value_rows({"engagement_id": 1}, {"engagement_id": 2})
    targets = target_rows(
        {"target_id": 1, "engagement_id": 1, "target_value": 40.0},
        {"target_id": 2, "engagement_id": 2, "target_value": 30.0, "breach_threshold": 35.0},
    )
    assert statuses(rows, targets) == [("on_track", 1), ("off_track", 2)]


# --- what the computation writes ---------------------------------------------------------------


def test_period_start_is_the_first_day_and_period_end_the_last_day_of_the_period():
    data = frames(requisitions=[{"id": "r1", "opened_on": "2025-02-03", "filled_on": "2025-02-20"}])
    result = values(data)
    month = one(result, "requisitions_filled", "2025-02")
    quarter = one(result, "requisitions_filled", "2025-Q1")
    assert (month.period_start, month.period_end) == (date(2025, 2, 1), date(2025, 2, 28))
    assert (quarter.period_start, quarter.period_end) == (date(2025, 1, 1), date(2025, 3, 31))


def test_the_mean_kpi_keeps_its_sum_as_numerator_and_its_count_as_denominator():
    data = frames(
        requisitions=[{"id": "r1", "opened_on": "2025-01-02", "filled_on": "2025-01-20"}],
        surveys=[
            {
                "id": "s1",
                "respondent": "hiring_manager",
                "requisition_id": "r1",
                "score": 4,
                "responded_on": "2025-01-21",
            },
            {
                "id": "s2",
                "respondent": "hiring_manager",
                "requisition_id": "r1",
                "score": 5,
                "responded_on": "2025-01-22",
            },
        ],
    )
    row = one(values(data), "hiring_manager_satisfaction", "2025-01")
    assert (row.numerator, row.denominator, row.n, row.value) == (9.0, 2.0, 2, 4.5)
