"""Edge cases of the definitions (docs/data-contract.md sections 2-3), on the pure computation."""

from datetime import date

import pandas as pd
import pytest

from kpis import compute
from kpis.models import Status

REQ = {"department": "Sales", "location": "Berlin", "job_family": "Software", "priority": "high"}


def frames(requisitions=(), applications=(), surveys=(), quality=(), costs=(), plan=()):
    def frame(rows, columns):
        rows = [dict(row) for row in rows]
        for i, row in enumerate(rows):
            row.setdefault("id", str(i + 1))
        return compute.normalise(pd.DataFrame(rows, columns=columns), columns)

    return compute.Frames(
        requisitions=frame(requisitions, compute.REQUISITION_COLUMNS),
        applications=frame(applications, compute.APPLICATION_COLUMNS),
        surveys=frame(surveys, compute.SURVEY_COLUMNS),
        quality=frame(quality, compute.QUALITY_COLUMNS),
        costs=frame(costs, compute.COST_COLUMNS),
        plan=frame(plan, compute.PLAN_COLUMNS),
    )


def requisition(id, opened_on, filled_on=None, **extra):
    return {"id": id, **REQ, "opened_on": opened_on, "filled_on": filled_on, **extra}


def application(id, requisition_id="r1", applied_on="2025-01-02", source="referral", **extra):
    return {
        "id": id,
        "requisition_id": requisition_id,
        "applied_on": applied_on,
        "source": source,
        **extra,
    }


def hire(id, started_on, diverse=None, **extra):
    return application(
        id,
        offered_on="2025-01-05",
        offer_outcome="accepted",
        offer_decided_on="2025-01-06",
        started_on=started_on,
        diverse=diverse,
        **extra,
    )


def values(data, as_of=date(2025, 12, 31), **kwargs) -> pd.DataFrame:
    return compute.metric_frame(data, as_of=as_of, **kwargs)


def one(result, kpi, period, dimension="all", segment="all"):
    grain = "quarter" if "Q" in period else "month"
    rows = result[
        (result.kpi == kpi)
        & (result.grain == grain)
        & (result.period == period)
        & (result.dimension == dimension)
        & (result.segment == segment)
    ]
    assert len(rows) <= 1
    return None if rows.empty else rows.iloc[0]


def test_no_data_gives_no_values():
    assert values(frames()).empty


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-01", "2025-01-11"),  # 10 days
            requisition("r2", "2025-01-01", "2025-01-21"),  # 20
            requisition("r3", "2025-01-01", "2025-01-31"),  # 30
            requisition("r4", "2025-01-01", "2025-01-29", on_hold_days="8"),  # 28
        ]
    )
    row = one(values(data), "time_to_fill", "2025-01")
    assert row.value == 24  # (20 + 28) / 2
    assert row.n == 4
    assert one(values(data), "requisitions_filled", "2025-Q1").value == 4
    excluded = one(values(data, exclude_on_hold=True), "time_to_fill", "2025-01")
    assert excluded.value == 20  # 10, 20, 20, 30


def test_blank_dimensions_are_none_and_blank_priority_is_normal():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-01", "2025-01-11", department="", location="", priority="")
        ]
    )
    result = values(data)
    assert one(result, "time_to_fill", "2025-01", "department", "(none)").value == 10
    assert one(result, "time_to_fill", "2025-01", "location", "(none)").value == 10
    assert one(result, "time_to_fill", "2025-01", "priority", "normal").value == 10
    assert one(result, "time_to_fill", "2025-01", "job_family", "Software").value == 10
    # time_to_fill is not an (S) KPI: no source segments
    assert not (result[result.kpi == "time_to_fill"].dimension == "source").any()


def test_quarter_bounds_follow_the_calendar():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-01", "2025-03-31"),
            requisition("r2", "2025-01-01", "2025-04-01"),
        ]
    )
    result = values(data)
    assert one(result, "requisitions_filled", "2025-Q1").value == 1
    assert one(result, "requisitions_filled", "2025-Q2").value == 1
    assert compute.period_bounds("2025-Q2") == (date(2025, 4, 1), date(2025, 6, 30))
    assert compute.period_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))


def test_as_of_ignores_later_records_and_dates():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-01", "2025-02-10"),
            requisition("r2", "2025-03-01"),  # opened after as_of: not known yet
        ],
        surveys=[
            {"respondent": "candidate", "responded_on": "2025-01-20", "score": "10"},
            {"respondent": "candidate", "responded_on": "2025-02-20", "score": "0"},
        ],
        costs=[
            {"month": "2025-01-01", "amount": "100"},
            {"month": "2025-02-01", "amount": "900"},
        ],
    )
    result = values(data, as_of=date(2025, 1, 31))
    assert one(result, "time_to_fill", "2025-02") is None
    assert one(result, "candidate_nps", "2025-Q1").value == 100
    # the filled_on after as_of leaves the requisition open, aged at as_of
    age = one(result, "open_requisition_age", "2025-01")
    assert (age.value, age.n) == (30, 1)
    assert set(result.period) <= {"2025-01", "2025-Q1"}


def test_open_requisition_age_covers_every_period_to_as_of():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-15", cancelled_on="2025-02-10"),
            requisition("r2", "2025-01-31", "2025-04-30"),
        ]
    )
    result = values(data, as_of=date(2025, 4, 10))
    ages = result[(result.kpi == "open_requisition_age") & (result.dimension == "all")]
    by_period = dict(zip(ages.period, ages.value, strict=True))
    assert by_period["2025-01"] == (16 + 0) / 2  # at 2025-01-31: r1 16 days, r2 0 days
    assert by_period["2025-02"] == 28  # r1 cancelled; r2 at 2025-02-28
    assert by_period["2025-04"] == 69  # current period: at = as_of 2025-04-10
    assert by_period["2025-Q1"] == 59  # r2 at 2025-03-31
    assert by_period["2025-Q2"] == 69


def test_diversity_is_suppressed_below_five_rows():
    four = [hire(f"a{i}", "2025-01-20", diverse=str(i % 2 == 0).lower()) for i in range(4)]
    five = [*four, hire("a9", "2025-02-20", diverse="true"), hire("a8", "2025-02-21")]
    result = values(frames(requisitions=[requisition("r1", "2025-01-01")], applications=five))
    january = one(result, "diversity_hire_rate", "2025-01")
    assert january.suppressed and pd.isna(january.value) and january.n == 4
    quarter = one(result, "diversity_hire_rate", "2025-Q1")
    assert not quarter.suppressed
    assert (quarter.value, quarter.n) == (60, 5)  # the hire without an answer is not a row
    assert one(result, "hires", "2025-Q1").value == 6
    statuses = compute.with_status(result, pd.DataFrame(columns=compute.TARGET_COLUMNS))
    assert statuses.loc[january.name, "status"] == Status.SUPPRESSED


def test_survey_links_decide_segments():
    data = frames(
        requisitions=[requisition("r1", "2025-01-01"), requisition("r2", "2025-01-01")],
        applications=[application("a1", source="agency"), application("a2", "r2")],
        surveys=[
            # both links: the application's requisition (r1) and source win
            {
                "respondent": "candidate",
                "application_id": "a1",
                "requisition_id": "r2",
                "responded_on": "2025-01-10",
                "score": "10",
            },
            {
                "respondent": "candidate",
                "requisition_id": "r2",
                "responded_on": "2025-01-10",
                "score": "0",
            },
            {"respondent": "candidate", "responded_on": "2025-01-10", "score": "8"},
        ],
    )
    result = values(data)
    assert one(result, "candidate_nps", "2025-01").n == 3
    assert one(result, "candidate_nps", "2025-01", "department", "Sales").n == 2
    agency = one(result, "candidate_nps", "2025-01", "source", "agency")
    assert (agency.value, agency.n) == (100, 1)
    assert set(result[result.kpi == "candidate_nps"].query("dimension == 'source'").segment) == {
        "agency"
    }


def test_interview_to_offer_counts_offers_in_later_periods_up_to_as_of():
    data = frames(
        requisitions=[requisition("r1", "2025-01-01")],
        applications=[
            application("a1", interviewed_on="2025-01-20", offered_on="2025-02-03"),
            application("a2", interviewed_on="2025-01-21", offered_on="2025-03-15"),
            application("a3", interviewed_on="2025-01-22"),
        ],
    )
    row = one(values(data, as_of=date(2025, 2, 28)), "interview_to_offer_rate", "2025-01")
    assert (row.numerator, row.denominator, row.n) == (1, 3, 3)
    assert row.value == pytest.approx(100 / 3)
    later = one(values(data, as_of=date(2025, 3, 31)), "interview_to_offer_rate", "2025-01")
    assert later.numerator == 2


def test_offers_time_to_hire_and_acceptance():
    data = frames(
        requisitions=[requisition("r1", "2025-01-01")],
        applications=[
            hire("a1", "2025-02-01"),  # decided 2025-01-06, applied 2025-01-02: 4 days
            application(
                "a2",
                offered_on="2025-01-05",
                offer_outcome="declined",
                offer_decided_on="2025-01-07",
            ),
        ],
    )
    result = values(data)
    assert one(result, "offer_acceptance_rate", "2025-01").value == 50
    assert one(result, "time_to_hire", "2025-01").value == 4
    assert one(result, "time_to_hire", "2025-01", "source", "referral").n == 1


def test_cost_per_hire_is_segment_all_only():
    data = frames(
        requisitions=[requisition("r1", "2025-01-01")],
        applications=[hire("a1", "2025-01-20"), hire("a2", "2025-01-25")],
        costs=[{"month": "2025-01-01", "amount": "1000"}, {"month": "2025-01-01", "amount": "5"}],
    )
    cph = values(data).query("kpi == 'cost_per_hire'")
    assert set(cph.dimension) == {"all"}
    row = one(values(data), "cost_per_hire", "2025-01")
    assert (row.value, row.n, row.numerator) == (502.5, 2, 1005)


def test_plan_attainment_slices_have_no_none_segment():
    data = frames(
        requisitions=[
            requisition("r1", "2025-01-01"),
            requisition("r2", "2025-01-01", department=""),
        ],
        applications=[hire("a1", "2025-01-20"), hire("a2", "2025-01-21", requisition_id="r2")],
        plan=[
            {"month": "2025-01-01", "department": "Sales", "planned_hires": "2"},
            {"month": "2025-01-01", "planned_hires": "2"},
            {"month": "2025-02-01", "department": "Sales", "planned_hires": "0"},
        ],
    )
    result = values(data)
    plan = result[result.kpi == "plan_attainment"]
    assert one(result, "plan_attainment", "2025-01").value == 50  # 2 hires / 4 planned
    sales = one(result, "plan_attainment", "2025-01", "department", "Sales")
    assert (sales.value, sales.n) == (50, 2)
    assert "(none)" not in set(plan.segment)
    assert one(result, "plan_attainment", "2025-02") is None  # planned 0: undefined
    assert set(plan.dimension) == {"all", "department"}


def test_quality_and_retention():
    data = frames(
        requisitions=[requisition("r1", "2025-01-01")],
        applications=[hire("a1", "2025-01-20")],
        quality=[
            {"application_id": "a1", "reviewed_on": "2025-04-20", "meets_expectations": "true"},
            {
                "application_id": "a1",
                "reviewed_on": "2025-04-21",
                "meets_expectations": "false",
                "retained_90d": "true",
            },
        ],
    )
    result = values(data)
    assert one(result, "quality_of_hire", "2025-04").value == 50
    retention = one(result, "retention_90d", "2025-04", "source", "referral")
    assert (retention.value, retention.n) == (100, 1)
