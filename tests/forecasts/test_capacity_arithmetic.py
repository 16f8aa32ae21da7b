"""Recruiter capacity's arithmetic with expectations worked out by hand (forecasts.capacity)."""

from datetime import date

import pandas as pd
import pytest

from forecasts import capacity as cap

AS_OF = date(2025, 6, 15)


def frame(*rows):
    columns = ["department", "recruiter", "openings", "opened_on", "filled_on", "cancelled_on"]
    return cap.known(
        pd.DataFrame([dict(zip(columns, row, strict=True)) for row in rows], columns=columns), AS_OF
    )


def req(recruiter, opened, filled=None, cancelled=None, openings=1, department="Sales"):
    return (department, recruiter, openings, opened, filled, cancelled)


def test_load_is_the_requisitions_open_at_each_months_end_or_the_as_of_day():
    data = frame(
        req("Ana", "2025-03-01"),
        req("Ana", "2025-03-02", openings=2),
        req("Ana", "2025-04-10", filled="2025-05-20"),  # open at April's end, not May's
        req("Ana", "2025-06-01"),
        req("Ben", "2025-04-01", cancelled="2025-04-30"),  # cancelled on April's last day
        req("Ben", "2025-05-01"),
        req("", "2025-05-02"),
        req("Ben", "2025-06-16"),  # opened after the as-of day: unknown
    )
    months = [date(2025, 4, 1), date(2025, 5, 1), date(2025, 6, 1)]
    loads = cap.recruiter_loads(data, as_of=AS_OF, months=months, capacity=2)
    got = {(r.recruiter, r.month.month): (r.requisitions, r.openings, r.over) for r in loads}
    assert got == {
        ("Ana", 4): (3, 4, True),
        ("Ana", 5): (2, 3, False),
        ("Ana", 6): (3, 4, True),
        ("Ben", 5): (1, 1, False),
        ("Ben", 6): (1, 1, False),
        ("", 5): (1, 1, False),  # without a recruiter: never "over"
        ("", 6): (1, 1, False),
    }
    assert [r.recruiter for r in loads][-1] == ""  # unassigned last
    assert cap.recruiter_loads(data, as_of=AS_OF, months=months, capacity=None)[0].over is False


def test_a_fill_after_the_as_of_day_leaves_the_requisition_open():
    data = frame(req("Ana", "2025-05-01", filled="2025-06-20"))
    assert len(cap.open_at(data, AS_OF)) == 1


def test_rates_from_the_last_year():
    # Closed in the last year after 30, 60 and 90 days: mean 60, so 30.4375 / 60 of a
    # month's requisitions close within it. Opened in the last year: 1, 2, 3 and 2 openings
    # (mean 2).
    data = frame(
        req("Ana", "2025-01-01", filled="2025-01-31"),
        req("Ana", "2025-01-01", filled="2025-03-02", openings=2),
        req("Ana", "2025-01-01", cancelled="2025-04-01", openings=3),
        req("Ana", "2025-05-01", openings=2),
        req("Ana", "2024-01-01", filled="2024-03-01", openings=9),  # before the window
    )
    rates = cap.rates(data, as_of=AS_OF)
    assert rates.close_rate == pytest.approx(30.4375 / 60)
    assert rates.openings_per_requisition == 2
    # A department with fewer than 20 closed uses the engagement's rates.
    assert cap.rates(data, as_of=AS_OF, department="Sales") == rates
    # Nothing closed: nothing closes; nothing opened: one opening a requisition.
    assert cap.rates(frame(), as_of=AS_OF) == cap.Rates(0.0, 1.0)


def test_demand_carries_the_book_from_month_to_month():
    # 10 open now; 6 new openings in June at 2 per requisition = 3 requisitions; half close
    # each month; 4 requisitions per recruiter, 2 recruiters hold the department's now.
    rows = cap.department_demand(
        department="Sales",
        months=[date(2025, 6, 1), date(2025, 7, 1)],
        open_now=10,
        new_openings={date(2025, 6, 1): 6.0},
        rates=cap.Rates(close_rate=0.5, openings_per_requisition=2.0),
        recruiters=2,
        capacity=4,
    )
    june, july = rows
    assert (june.carried, june.new, june.load, june.closing) == (10, 3, 13, 6.5)
    assert (june.needed, june.gap) == (4, 2)  # 13 / 4 = 3.25 -> 4 recruiters, 2 to add
    assert (july.carried, july.new, july.load, july.closing) == (6.5, 0, 6.5, 3.25)
    assert (july.needed, july.gap) == (2, 0)
    # Exactly at capacity needs no one more; no agreed capacity computes no need.
    exact = cap.DemandMonth("Sales", date(2025, 6, 1), 8, 0, 0, 0, 2, 4)
    assert exact.needed == 2 and exact.gap == 0
    assert cap.DemandMonth("Sales", date(2025, 6, 1), 8, 0, 0, 0, 2, None).needed is None
