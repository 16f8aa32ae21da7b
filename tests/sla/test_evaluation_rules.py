"""One test per SLA rule that mutation testing found unpinned (sla.evaluation, by hand).

Each test is named for the rule it pins; the numbers are worked out by hand from the data
contract's SLA section. They need no database, so `make mutate` runs them for every mutant.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from sla import evaluation as ev
from tests.sla.test_evaluation import FEE, ledger, month_outcomes, terms

# --- periods: boundaries of months, quarters, December and leap years ---------------------------


@pytest.mark.parametrize(
    ("day", "key", "start", "end"),
    [
        (date(2025, 1, 1), "2025-01", date(2025, 1, 1), date(2025, 1, 31)),
        (date(2025, 2, 28), "2025-02", date(2025, 2, 1), date(2025, 2, 28)),
        (date(2024, 2, 29), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (date(2025, 4, 30), "2025-04", date(2025, 4, 1), date(2025, 4, 30)),
        (date(2025, 12, 1), "2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), "2025-12", date(2025, 12, 1), date(2025, 12, 31)),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(day, key, start, end):
    assert ev.period_containing(day, "month") == ev.Period(key, start, end)


@pytest.mark.parametrize(
    ("day", "key", "start", "end"),
    [
        (date(2025, 1, 1), "2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 3, 31), "2025-Q1", date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), "2025-Q2", date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 9, 30), "2025-Q3", date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), "2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
        (date(2025, 12, 31), "2025-Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ],
)
def test_a_quarter_runs_from_its_first_to_its_last_day(day, key, start, end):
    assert ev.period_containing(day, "quarter") == ev.Period(key, start, end)


def test_the_period_after_december_is_january_of_the_next_year():
    december = ev.period_containing(date(2025, 12, 15), "month")
    assert ev.period_after(december, "month") == ev.Period(
        "2026-01", date(2026, 1, 1), date(2026, 1, 31)
    )
    q4 = ev.period_containing(date(2025, 11, 15), "quarter")
    assert ev.period_after(q4, "quarter").key == "2026-Q1"


def test_a_periods_quarter_is_the_calendar_quarter_of_its_first_day():
    assert ev.period_containing(date(2025, 3, 31), "month").quarter == "2025-Q1"
    assert ev.period_containing(date(2025, 4, 1), "month").quarter == "2025-Q2"
    assert ev.period_containing(date(2025, 12, 31), "month").quarter == "2025-Q4"
    assert ev.period_containing(date(2025, 7, 1), "quarter").quarter == "2025-Q3"


def test_a_clause_starting_on_the_evaluation_day_has_its_first_period_open():
    clause = terms(effective_from=date(2025, 3, 1))
    periods = ev.clause_periods(clause, date(2025, 3, 1))
    assert [p.key for p in periods] == ["2025-03"]
    assert ev.clause_periods(clause, date(2025, 2, 28)) == []


def test_a_clause_ending_on_a_periods_last_day_keeps_that_period():
    clause = terms(effective_from=date(2025, 1, 1), effective_to=date(2025, 2, 28))
    assert [p.key for p in ev.clause_periods(clause, date(2025, 6, 1))] == ["2025-01", "2025-02"]
    clause = terms(effective_from=date(2025, 1, 1), effective_to=date(2025, 2, 27))
    assert [p.key for p in ev.clause_periods(clause, date(2025, 6, 1))] == ["2025-01"]


def test_periods_reach_the_one_containing_as_of_across_a_year_end():
    clause = terms(effective_from=date(2025, 11, 20))
    keys = [p.key for p in ev.clause_periods(clause, date(2026, 1, 1))]
    assert keys == ["2025-11", "2025-12", "2026-01"]


# --- closing: grace days ------------------------------------------------------------------------


def test_a_period_closes_the_day_after_its_last_day_plus_grace():
    december = ev.period_containing(date(2025, 12, 1), "month")
    assert not ev.is_closed(december, 0, date(2025, 12, 31))
    assert ev.is_closed(december, 0, date(2026, 1, 1))
    assert not ev.is_closed(december, 5, date(2026, 1, 5))
    assert ev.is_closed(december, 5, date(2026, 1, 6))


def test_clause_outcomes_close_a_period_exactly_when_is_closed_does():
    clause = terms(grace_days=3, effective_from=date(2025, 12, 1))
    for as_of, closed in ((date(2026, 1, 3), False), (date(2026, 1, 4), True)):
        [december, _january] = month_outcomes(clause, {"2025-12": (30.0, 5)}, as_of)
        assert december.closed is closed
        assert december.outcome == ("met" if closed else "open")


# --- outcomes: thresholds met exactly, rounding at the half, minimum n ---------------------------


def test_a_bonus_exactly_at_its_threshold_is_met_not_a_bonus():
    bonus = terms(kind="bonus", direction="higher", threshold=D("90.0"))
    period = ev.period_containing(date(2025, 1, 1), "month")
    at = ev.period_outcome(bonus, period, ev.StoredValue(90.0, 9), date(2025, 3, 1))
    above = ev.period_outcome(bonus, period, ev.StoredValue(90.1, 9), date(2025, 3, 1))
    assert (at.outcome, above.outcome) == ("met", "bonus")


def test_a_value_half_a_unit_past_the_threshold_rounds_away_from_zero_into_a_breach():
    clause = terms(threshold=D("38.0"), decimals=1)
    period = ev.period_containing(date(2025, 1, 1), "month")
    assert ev.shown_value(38.05, 1) == D("38.1")
    assert ev.shown_value(38.04999, 1) == D("38.0")
    result = ev.period_outcome(clause, period, ev.StoredValue(38.05, 9), date(2025, 3, 1))
    assert (result.outcome, result.shown) == ("breach", D("38.1"))


def test_exactly_min_n_records_are_enough_to_judge():
    clause = terms(min_n=5)
    period = ev.period_containing(date(2025, 1, 1), "month")
    enough = ev.period_outcome(clause, period, ev.StoredValue(50.0, 5), date(2025, 3, 1))
    short = ev.period_outcome(clause, period, ev.StoredValue(50.0, 4), date(2025, 3, 1))
    assert (enough.outcome, short.outcome) == ("breach", "small_sample")


def test_an_outcome_carries_the_exact_value_its_n_and_the_shown_value():
    period = ev.period_containing(date(2025, 1, 1), "month")
    result = ev.period_outcome(terms(), period, ev.StoredValue(37.94, 7), date(2025, 3, 1))
    assert (result.value, result.n, result.shown, result.closed) == (37.94, 7, D("37.9"), True)


# --- ledger lines: bonus fields, cap notes, earn-back due ---------------------------------------


def test_a_bonus_line_has_no_breach_status_and_the_base_rate_reason():
    bonus = terms(kind="bonus", direction="lower", threshold=D("38"), pct=D("2"))
    [line] = ledger([bonus], {"C": {"2025-01": (30.0, 5)}}, {}, date(2025, 3, 1))
    assert (line.event, line.status, line.rate, line.rate_reason) == ("bonus", "", D("2"), "base")
    assert (line.gross, line.amount, line.fee) == (D("200.00"), D("200.00"), FEE)
    assert line.counts_in_net == D("200.00")


def test_the_cap_notes_name_each_cap_its_limit_and_the_room_left():
    clause = terms(pct=D("10"), cap_pct=D("4"))
    values = {"C": {"2025-01": (50.0, 5)}}
    [line] = ledger([clause], values, {("C", "2025-01"): "open"}, date(2025, 3, 1), D("3"))
    # gross 1,000.00; clause cap 4% of the quarter's 30,000 = 1,200.00; at-risk 3% = 900.00
    assert line.cap_notes == ["clause cap 1200.00: 1200.00 left", "at-risk cap 900.00: 900.00 left"]
    assert line.amount == D("900.00")


def test_a_credit_that_can_still_be_earned_back_says_after_how_many_met_periods():
    clause = terms(earn_back=2)
    values = {"C": {"2025-01": (50.0, 5), "2025-02": (30.0, 5)}}
    [line] = ledger([clause], values, {("C", "2025-01"): "open"}, date(2025, 3, 5))
    assert (line.earn_back_due, line.earned_back, line.earned_back_by) == (2, False, [])
    assert line.counts_in_net == -line.amount


def test_a_credit_earned_back_names_the_periods_that_earned_it():
    clause = terms(earn_back=2)
    values = {"C": {"2025-01": (50.0, 5), "2025-02": (30.0, 5), "2025-03": (31.0, 5)}}
    [line] = ledger([clause], values, {("C", "2025-01"): "open"}, date(2025, 4, 5))
    assert (line.earned_back, line.earned_back_by) == (True, ["2025-02", "2025-03"])
    assert line.counts_in_net == D("0.00")


def test_a_credit_without_earn_back_has_nothing_due():
    values = {"C": {"2025-01": (50.0, 5)}}
    [line] = ledger([terms()], values, {("C", "2025-01"): "open"}, date(2025, 3, 1))
    assert line.earn_back_due is None


def test_a_breach_line_carries_the_periods_fee_its_rate_was_applied_to():
    values = {"C": {"2025-01": (50.0, 5)}}
    [line] = ledger([terms(pct=D("5"))], values, {("C", "2025-01"): "open"}, date(2025, 3, 1))
    assert (line.fee, line.rate, line.gross) == (FEE, D("5"), D("500.00"))


def test_a_ledger_needs_a_schedule_or_a_monthly_fee():
    with pytest.raises(TypeError, match="^credit_ledger needs a schedule or a monthly fee$"):
        ev.credit_ledger(clauses={}, outcomes={}, breaches={})


def test_a_clause_with_no_outcomes_yet_has_no_ledger_lines():
    clause = terms()
    lines = ev.credit_ledger(
        clauses={"C": clause}, outcomes={}, breaches={("C", "2025-01"): "open"}, monthly_fee=FEE
    )
    assert lines == []
