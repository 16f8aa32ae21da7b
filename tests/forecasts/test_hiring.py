"""The hiring forecast's arithmetic, worked out by hand, and its as-of purity."""

from datetime import date

import pandas as pd
import pytest

from forecasts.hiring import Frames, MonthForecast, forecast_frames, forecast_hires, horizon_months
from forecasts.inputs import APPLICATION_COLUMNS, PLAN_COLUMNS, REQUISITION_COLUMNS
from recruiting.models import Application, HiringPlanLine, Requisition

AS_OF = date(2026, 6, 30)
JUL, AUG, SEP = date(2026, 7, 1), date(2026, 8, 1), date(2026, 9, 1)


def _frame(rows, columns):
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column.endswith("_on") or column == "month":
            frame[column] = pd.to_datetime(frame[column])
    return frame


def requisition(id_, opened, filled=None, cancelled=None, openings=1, department="Sales"):
    return {
        "engagement_id": 1,
        "id": id_,
        "department": department,
        "location": "",
        "job_family": "",
        "openings": openings,
        "opened_on": opened,
        "filled_on": filled,
        "cancelled_on": cancelled,
    }


def application(requisition_id, applied, **dates):
    row = dict.fromkeys(APPLICATION_COLUMNS)
    row.update(engagement_id=1, requisition_id=requisition_id, applied_on=applied, **dates)
    row["offer_outcome"] = row["offer_outcome"] or ""
    return row


def history_frames(extra_requisitions=(), extra_applications=(), plan=()):
    """Two filled requisitions: at the offered stage two starts (stayed 5 days; started 30 and
    40 days after the offer) and two declines (stayed 3 and 10 days). One open requisition
    (opened 1 June) with one candidate offered on 26 June."""
    requisitions = [
        requisition(1, "2026-01-15", filled="2026-03-15"),
        requisition(2, "2026-01-20", filled="2026-04-06"),
        requisition(3, "2026-06-01"),
        *extra_requisitions,
    ]
    applications = [
        application(
            1,
            "2026-03-01",
            offered_on="2026-03-10",
            offer_outcome="accepted",
            offer_decided_on="2026-03-15",
            started_on="2026-04-09",
        ),
        application(
            2,
            "2026-03-25",
            offered_on="2026-04-01",
            offer_outcome="accepted",
            offer_decided_on="2026-04-06",
            started_on="2026-05-11",
        ),
        application(
            1,
            "2026-01-25",
            offered_on="2026-02-01",
            offer_outcome="declined",
            offer_decided_on="2026-02-04",
        ),
        application(
            2,
            "2026-02-01",
            offered_on="2026-02-10",
            offer_outcome="declined",
            offer_decided_on="2026-02-20",
        ),
        application(3, "2026-06-10", offered_on="2026-06-26"),
        *extra_applications,
    ]
    return Frames(
        requisitions=_frame(requisitions, REQUISITION_COLUMNS),
        applications=_frame(applications, APPLICATION_COLUMNS),
        plan=_frame(list(plan), PLAN_COLUMNS),
    )


def by_month(rows):
    return {row.month: row for row in rows if row.dimension == "all"}


def test_pipeline_conversion_and_lag_by_hand():
    rows = by_month(forecast_frames(history_frames(), as_of=AS_OF, months=[JUL, AUG, SEP])[1])
    # Of the offered cohort, 3 stayed at the stage longer than the open candidate's 4 days,
    # 2 of them starts: it starts with 2/3. Its start lags longer than 4 days are 30 and 40:
    # 26 June + 30 = 26 July, + 40 = 5 August, half each.
    assert rows[JUL].from_pipeline == pytest.approx(1 / 3)
    assert rows[AUG].from_pipeline == pytest.approx(1 / 3)
    assert rows[SEP].from_pipeline == pytest.approx(0)
    # Two Bernoulli trials of 1/3: the variance is 2/9 per month.
    assert rows[JUL].p90 - rows[JUL].expected == pytest.approx(1.2815515655 * (2 / 9) ** 0.5)


def test_openings_fill_and_lag_by_hand():
    rows = by_month(forecast_frames(history_frames(), as_of=AS_OF, months=[JUL, AUG, SEP])[1])
    # The open requisition's opening is 1/3 uncovered (its candidate covers 2/3). Openings
    # filled after 59 and 76 days, accepted offers started after 25 and 35: a start 84, 94,
    # 101 or 111 days after 1 June (24 Aug, 3, 10 and 20 Sep), a quarter each.
    # New openings: 3 opened in the trailing year, 0.25 a month; one opened in the first 8
    # days of July starts 84 days later, in September, with 1/4.
    new_in_september = 8 * 0.25 / 31 * 0.25
    assert rows[JUL].from_openings == pytest.approx(0)
    assert rows[AUG].from_openings == pytest.approx(1 / 3 / 4)
    assert rows[SEP].from_openings == pytest.approx(1 / 3 * 3 / 4 + new_in_september)
    assert rows[JUL].openings == pytest.approx(0.25)
    assert rows[SEP].expected == pytest.approx(rows[SEP].from_openings)


def test_plan_drives_new_openings_and_scale():
    plan = [
        {
            "engagement_id": 1,
            "month": f"2026-{m:02d}-01",
            "department": "Sales",
            "location": "",
            "job_family": "",
            "planned_hires": 4,
        }
        for m in range(7, 13)
    ]
    frames = history_frames(plan=plan)
    base = forecast_frames(frames, as_of=AS_OF, months=[JUL, AUG, SEP])[1]
    rows = {(r.dimension, r.segment, r.month): r for r in base}
    assert rows[("all", "all", JUL)].plan == 4
    assert rows[("department", "Sales", JUL)].plan == 4
    assert rows[("department", "Sales", JUL)].gap == pytest.approx(
        rows[("department", "Sales", JUL)].expected - 4
    )
    # Fill rate 1 (both closed openings filled): a month's openings are the plan one lead
    # (median fill 59 days -> 2 months, + 1 for the start) later: 4.
    assert rows[("all", "all", JUL)].openings == pytest.approx(4)
    doubled = forecast_frames(
        frames,
        as_of=AS_OF,
        months=[JUL, AUG, SEP],
        plan_scale={
            "dimension": "department",
            "segment": "Sales",
            "quarter": "2026-Q4",
            "factor": 2,
        },
    )[1]
    scaled = {(r.dimension, r.segment, r.month): r for r in doubled}
    assert scaled[("all", "all", JUL)].openings == pytest.approx(8)
    assert scaled[("all", "all", SEP)].expected > rows[("all", "all", SEP)].expected


def test_started_hires_count_as_known():
    extra_r = [requisition(4, "2026-05-01", filled="2026-05-20")]
    extra_a = [
        application(
            4,
            "2026-05-02",
            offered_on="2026-05-15",
            offer_outcome="accepted",
            offer_decided_on="2026-05-20",
            started_on="2026-06-15",
        )
    ]
    frames = history_frames(extra_r, extra_a)
    rows = by_month(forecast_frames(frames, as_of=AS_OF, months=[date(2026, 6, 1)])[1])
    june = rows[date(2026, 6, 1)]
    assert june.hired == 1
    assert june.p10 >= 1


def test_horizon_is_the_open_quarter_and_the_next_two():
    months = horizon_months(date(2026, 12, 7))
    assert months[0] == date(2026, 10, 1)
    assert months[-1] == date(2027, 6, 1)
    assert len(months) == 9


def test_month_forecast_round_trips():
    row = MonthForecast(JUL, "all", "all", 3.5, 2.0, 5.0, 4.0, 1.0, 2.5, 1.0, 0)
    assert MonthForecast.from_dict(row.as_dict()) == row
    assert row.attainment == pytest.approx(87.5)
    assert row.gap == pytest.approx(-0.5)


# --- from the database ------------------------------------------------------------------------


def _store(engagement, frames):
    ids = {}
    for row in frames.requisitions.to_dict("records"):
        ids[row["id"]] = Requisition.objects.create(
            engagement=engagement,
            external_id=f"R{row['id']}",
            title="Role",
            department=row["department"],
            openings=row["openings"],
            opened_on=row["opened_on"].date(),
            filled_on=None if pd.isna(row["filled_on"]) else row["filled_on"].date(),
            cancelled_on=None if pd.isna(row["cancelled_on"]) else row["cancelled_on"].date(),
        )
    for number, row in enumerate(frames.applications.to_dict("records")):
        dates = {
            c: (None if pd.isna(row[c]) else row[c].date())
            for c in APPLICATION_COLUMNS
            if c.endswith("_on")
        }
        Application.objects.create(
            engagement=engagement,
            external_id=f"A{number}",
            requisition=ids[row["requisition_id"]],
            candidate_id=f"C{number}",
            source="referral",
            offer_outcome=row["offer_outcome"],
            **dates,
        )


@pytest.mark.django_db
def test_database_forecast_matches_the_frames(engagement):
    _store(engagement, history_frames())
    rows = by_month(forecast_hires(engagement, as_of=AS_OF, months=[JUL, AUG, SEP]))
    assert rows[JUL].from_pipeline == pytest.approx(1 / 3)
    assert rows[AUG].from_openings == pytest.approx(1 / 3 / 4)
    segments = forecast_hires(engagement, as_of=AS_OF, months=[JUL], segment_by="department")
    assert [(r.dimension, r.segment) for r in segments] == [("all", "all"), ("department", "Sales")]


@pytest.mark.django_db
def test_future_records_change_nothing(engagement):
    _store(engagement, history_frames())
    before = forecast_hires(engagement, as_of=AS_OF, segment_by="department")
    # Planted after as_of: a requisition and applications opened later, the open candidate's
    # acceptance and start, a rejection, a fill of the open requisition, and a cost of time.
    late = Requisition.objects.create(
        engagement=engagement,
        external_id="LATE",
        title="Role",
        department="Sales",
        opened_on=date(2026, 7, 2),
        filled_on=date(2026, 7, 20),
    )
    Application.objects.create(
        engagement=engagement,
        external_id="LATE-A",
        requisition=late,
        candidate_id="X",
        source="referral",
        applied_on=date(2026, 7, 3),
        offered_on=date(2026, 7, 10),
        offer_outcome="accepted",
        offer_decided_on=date(2026, 7, 20),
        started_on=date(2026, 8, 3),
    )
    open_requisition = Requisition.objects.get(engagement=engagement, external_id="R3")
    Application.objects.create(
        engagement=engagement,
        external_id="EARLY-B",
        requisition=open_requisition,
        candidate_id="Y",
        source="sourced",
        applied_on=date(2026, 6, 20),
        screened_on=date(2026, 7, 5),
        rejected_on=date(2026, 7, 9),
    )
    candidate = Application.objects.get(engagement=engagement, external_id="A4")
    candidate.offer_outcome = "accepted"
    candidate.offer_decided_on = date(2026, 7, 1)
    candidate.started_on = date(2026, 7, 20)
    candidate.save()
    open_requisition.filled_on = date(2026, 7, 1)
    open_requisition.save()
    assert forecast_hires(engagement, as_of=AS_OF, segment_by="department") == before
    assert forecast_hires(engagement, as_of=date(2026, 7, 31)) != forecast_hires(
        engagement, as_of=AS_OF
    )


@pytest.mark.django_db
def test_new_engagement_without_data(engagement):
    rows = forecast_hires(engagement, as_of=AS_OF)
    assert len(rows) == 9
    assert all(r.expected == 0 and r.plan is None for r in rows)
    HiringPlanLine.objects.create(engagement=engagement, month=JUL, planned_hires=5)
    rows = by_month(forecast_hires(engagement, as_of=AS_OF, months=[JUL]))
    assert rows[JUL].plan == 5
    assert rows[JUL].expected == 0
