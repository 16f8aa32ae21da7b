"""The SLA rules with numbers worked out by hand (sla.evaluation: values in, outcomes out)."""

from datetime import date
from decimal import Decimal as D

import pytest

from sla import evaluation as ev

FEE = D("10000")  # a month's; a quarter's is 30,000


def terms(**overrides) -> ev.ClauseTerms:
    base = {
        "key": "C",
        "grain": "month",
        "kind": "credit",
        "direction": "lower",
        "decimals": 1,
        "threshold": D("38"),
        "effective_from": date(2025, 1, 1),
        "pct": D("5"),
    }
    return ev.ClauseTerms(**(base | overrides))


def outcome_of(value, clause=None, n=5, as_of=date(2025, 3, 1), suppressed=False):
    clause = clause or terms()
    stored = ev.StoredValue(value, n, suppressed)
    period = ev.period_containing(date(2025, 1, 15), clause.grain)
    return ev.period_outcome(clause, period, stored, as_of).outcome


def month_outcomes(clause, values, as_of):
    """values: {'2025-01': (value, n) or None}"""
    stored = {period: ev.StoredValue(*pair) for period, pair in values.items() if pair is not None}
    return ev.clause_outcomes(clause, stored, as_of)


def ledger(clauses, values, breaches, as_of, at_risk_pct=None):
    clauses = {c.key: c for c in clauses}
    outcomes = {key: month_outcomes(c, values.get(key, {}), as_of) for key, c in clauses.items()}
    return ev.credit_ledger(
        clauses=clauses,
        outcomes=outcomes,
        breaches=breaches,
        monthly_fee=FEE,
        at_risk_pct=at_risk_pct,
    )


# --- outcomes ---------------------------------------------------------------------------------


def test_equal_to_the_threshold_is_met_for_credit_and_bonus():
    assert outcome_of(38.0) == "met"
    assert outcome_of(38.0, terms(kind="bonus")) == "met"
    assert outcome_of(38.1) == "breach"
    assert outcome_of(37.9, terms(kind="bonus")) == "bonus"


def test_the_value_is_rounded_half_away_from_zero_to_its_shown_precision_before_comparing():
    assert outcome_of(38.04) == "met"  # shown 38.0
    assert outcome_of(38.05) == "breach"  # shown 38.1
    higher = terms(direction="higher", threshold=D("80"))
    assert outcome_of(79.95, higher) == "met"  # shown 80.0
    assert outcome_of(79.94, higher) == "breach"  # shown 79.9
    nps = terms(direction="higher", threshold=D("-25"))
    assert outcome_of(-25.04, nps) == "met"  # shown -25.0
    assert outcome_of(-25.05, nps) == "breach"  # away from zero: -25.1
    currency = terms(decimals=2, threshold=D("5109.73"))
    assert outcome_of(5109.727143, currency) == "met"  # shown 5109.73
    assert outcome_of(5109.735, currency) == "breach"  # shown 5109.74
    count = terms(decimals=0, direction="higher", threshold=D("3"))
    assert outcome_of(2.5, count) == "met"  # shown 3


def test_min_n_and_suppressed_and_no_data():
    assert outcome_of(50.0, terms(min_n=6), n=5) == "small_sample"
    assert outcome_of(50.0, terms(min_n=5), n=5) == "breach"
    assert outcome_of(None, n=2, suppressed=True) == "suppressed"
    clause = terms()
    period = ev.period_containing(date(2025, 1, 1), "month")
    assert ev.period_outcome(clause, period, None, date(2025, 3, 1)).outcome == "no_data"
    assert ev.period_outcome(clause, period, None, date(2025, 1, 20)).outcome == "open"


def test_the_open_period_warns_only_when_a_credit_clause_would_breach_on_enough_data():
    as_of = date(2025, 1, 20)
    assert outcome_of(40.0, as_of=as_of) == "warning"
    assert outcome_of(38.0, as_of=as_of) == "open"
    assert outcome_of(40.0, terms(min_n=6), n=5, as_of=as_of) == "open"
    assert outcome_of(None, n=9, suppressed=True, as_of=as_of) == "open"
    assert outcome_of(30.0, terms(kind="bonus"), as_of=as_of) == "open"  # bonuses never warn


def test_grace_days_keep_a_period_open_until_they_have_passed():
    clause = terms(grace_days=5)
    january = ev.period_containing(date(2025, 1, 1), "month")
    assert not ev.is_closed(january, 5, date(2025, 2, 5))  # last day + 5 = 5 Feb
    assert ev.is_closed(january, 5, date(2025, 2, 6))
    assert outcome_of(40.0, clause, as_of=date(2025, 2, 5)) == "warning"
    assert outcome_of(40.0, clause, as_of=date(2025, 2, 6)) == "breach"


def test_periods_run_from_the_first_whose_last_day_is_in_range_to_the_one_containing_as_of():
    clause = terms(effective_from=date(2025, 1, 15), effective_to=date(2025, 4, 30))
    keys = [p.key for p in ev.clause_periods(clause, date(2025, 9, 30))]
    assert keys == ["2025-01", "2025-02", "2025-03", "2025-04"]
    # effective_to inside May: May's last day is past it, so May is not the clause's.
    clause = terms(effective_to=date(2025, 5, 30))
    assert [p.key for p in ev.clause_periods(clause, date(2025, 9, 30))][-1] == "2025-04"
    quarterly = terms(grain="quarter", effective_from=date(2025, 2, 1))
    assert [p.key for p in ev.clause_periods(quarterly, date(2025, 7, 1))] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
    ]
    assert ev.clause_periods(terms(effective_from=date(2025, 10, 1)), date(2025, 9, 30)) == []


# --- rate, gross, caps ------------------------------------------------------------------------

AS_OF = date(2025, 9, 30)


def test_repeat_rate_after_a_breach_base_after_a_met_and_after_an_excused_breach():
    clause = terms(pct=D("4"), repeat_pct=D("6"))
    values = {
        "C": {
            "2025-01": (40.0, 5),  # breach, base 4
            "2025-02": (40.0, 5),  # breach after breach: repeat 6
            "2025-03": (30.0, 5),  # met
            "2025-04": (40.0, 5),  # breach after met: base 4
            "2025-05": (40.0, 5),  # breach, excused
            "2025-06": (40.0, 5),  # breach after an excused one: base 4
        }
    }
    breaches = {
        ("C", "2025-01"): "open",
        ("C", "2025-02"): "resolved",
        ("C", "2025-04"): "acknowledged",
        ("C", "2025-05"): "excused",
        ("C", "2025-06"): "open",
    }
    lines = ledger([clause], values, breaches, AS_OF)
    assert [
        (line.period.key, line.rate, line.rate_reason, line.gross, line.amount) for line in lines
    ] == [
        ("2025-01", D("4"), "base", D("400.00"), D("400.00")),
        ("2025-02", D("6"), "repeat", D("600.00"), D("600.00")),
        ("2025-04", D("4"), "base", D("400.00"), D("400.00")),
        ("2025-05", D("6"), "repeat", D("600.00"), D("0.00")),  # excused: no credit
        ("2025-06", D("4"), "base", D("400.00"), D("400.00")),
    ]


def test_a_waived_breach_is_no_previous_breach_either():
    clause = terms(pct=D("4"), repeat_pct=D("6"))
    values = {"C": {"2025-01": (40.0, 5), "2025-02": (40.0, 5)}}
    lines = ledger([clause], values, {("C", "2025-01"): "waived", ("C", "2025-02"): "open"}, AS_OF)
    assert [(line.amount, line.rate_reason) for line in lines] == [
        (D("0.00"), "base"),
        (D("400.00"), "base"),
    ]


def test_gross_is_the_period_fee_times_the_rate_rounded_half_up_to_cents():
    quarterly = terms(grain="quarter", pct=D("0.33335"))
    values = {"C": {"2025-Q1": (40.0, 5)}}
    (line,) = ledger([quarterly], values, {("C", "2025-Q1"): "open"}, AS_OF)
    assert line.gross == D("100.01")  # 30,000 x 0.33335 % = 100.005 -> 100.01


def three_breaches(key="C", pct="5"):
    return terms(key=key, pct=D(pct)), {
        key: {"2025-04": (40.0, 5), "2025-05": (40.0, 5), "2025-06": (40.0, 5)}
    }


def test_the_clause_cap_alone():
    clause, values = three_breaches()
    clause = terms(pct=D("5"), cap_pct=D("4"))  # 4 % of 30,000 = 1,200 a quarter
    breaches = {("C", p): "open" for p in ("2025-04", "2025-05", "2025-06")}
    lines = ledger([clause], values, breaches, AS_OF)
    assert [line.amount for line in lines] == [D("500.00"), D("500.00"), D("200.00")]
    assert [c.room_before for c in lines[2].caps] == [D("200.00")]


def test_the_at_risk_cap_alone_and_at_risk_zero():
    clause, values = three_breaches()
    breaches = {("C", p): "open" for p in ("2025-04", "2025-05", "2025-06")}
    lines = ledger([clause], values, breaches, AS_OF, at_risk_pct=D("3"))  # 900 a quarter
    assert [line.amount for line in lines] == [D("500.00"), D("400.00"), D("0.00")]
    lines = ledger([clause], values, breaches, AS_OF, at_risk_pct=D("0"))
    assert [line.amount for line in lines] == [D("0.00")] * 3


def test_both_caps_together_each_amount_takes_from_both():
    a = terms(key="A", pct=D("5"), cap_pct=D("3"))  # 900 a quarter
    b = terms(key="B", pct=D("5"))
    values = {
        "A": {"2025-04": (40.0, 5), "2025-05": (40.0, 5)},
        "B": {"2025-04": (40.0, 5), "2025-05": (40.0, 5)},
    }
    breaches = {(k, p): "open" for k in "AB" for p in ("2025-04", "2025-05")}
    # at-risk 5 % = 1,500. Order: A-04 500 (A 400, risk 1000), B-04 500 (risk 500),
    # A-05 min(500, A 400, risk 500) = 400 (risk 100), B-05 min(500, risk 100) = 100.
    lines = ledger([a, b], values, breaches, AS_OF, at_risk_pct=D("5"))
    assert [(line.clause, line.period.key, line.amount) for line in lines] == [
        ("A", "2025-04", D("500.00")),
        ("A", "2025-05", D("400.00")),
        ("B", "2025-04", D("500.00")),
        ("B", "2025-05", D("100.00")),
    ]


def test_cap_order_within_a_quarter_is_last_day_then_clause_key_as_plain_text():
    # A quarterly clause and the quarter's third month end the same day (31 March): the key
    # decides, as plain text, where upper case sorts first ("C-M" before "b-Q").
    quarterly = terms(key="b-Q", grain="quarter", pct=D("2"))  # 600
    monthly = terms(key="C-M", pct=D("5"))  # 500
    january = terms(key="x-M", pct=D("1"))  # 100, ends first
    values = {
        "b-Q": {"2025-Q1": (40.0, 5)},
        "C-M": {"2025-03": (40.0, 5)},
        "x-M": {"2025-01": (40.0, 5)},
    }
    breaches = {("b-Q", "2025-Q1"): "open", ("C-M", "2025-03"): "open", ("x-M", "2025-01"): "open"}
    # at-risk 2 % = 600: x-M (31 Jan) 100, then on 31 Mar C-M 500, then b-Q 0.
    lines = ledger([quarterly, monthly, january], values, breaches, AS_OF, at_risk_pct=D("2"))
    assert {line.clause: line.amount for line in lines} == {
        "x-M": D("100.00"),
        "C-M": D("500.00"),
        "b-Q": D("0.00"),
    }


def test_the_bonus_cap_limits_bonuses_but_not_the_at_risk_room():
    bonus = terms(key="B", kind="bonus", pct=D("2"), cap_pct=D("1"))  # 200 each, cap 300
    values = {"B": {"2025-04": (30.0, 5), "2025-05": (30.0, 5), "2025-06": (30.0, 5)}}
    lines = ledger([bonus], values, {}, AS_OF, at_risk_pct=D("0"))
    assert [(line.event, line.amount) for line in lines] == [
        ("bonus", D("200.00")),
        ("bonus", D("100.00")),
        ("bonus", D("0.00")),
    ]
    assert ev.quarter_nets(lines) == {"2025-Q2": D("300.00")}


# --- earn-back --------------------------------------------------------------------------------


def earn_back_line(following, as_of=AS_OF, **overrides):
    clause = terms(earn_back=2, **overrides)
    values = {"C": {"2025-04": (40.0, 5), **following}}
    lines = ledger(
        [clause],
        values,
        {
            ("C", "2025-04"): "open",
            **{("C", p): "open" for p, v in following.items() if v and v[0] > 38},
        },
        as_of,
    )
    return lines[0]


def test_earn_back_complete_after_k_met_periods():
    line = earn_back_line({"2025-05": (30.0, 5), "2025-06": (30.0, 5)})
    assert line.earned_back and line.earned_back_by == ["2025-05", "2025-06"]
    assert line.amount == D("500.00")  # stays in the ledger with its amount
    assert line.counts_in_net == 0


def test_earn_back_cut_short_by_a_breach_no_data_small_sample_or_an_open_period():
    assert not earn_back_line({"2025-05": (30.0, 5), "2025-06": (40.0, 5)}).earned_back
    assert not earn_back_line({"2025-05": (30.0, 5)}).earned_back  # June: no data
    assert not earn_back_line({"2025-05": (30.0, 5), "2025-06": (30.0, 1)}, min_n=2).earned_back
    open_june = earn_back_line(
        {"2025-05": (30.0, 5), "2025-06": (30.0, 5)}, as_of=date(2025, 6, 20)
    )
    assert not open_june.earned_back and open_june.counts_in_net == D("-500.00")


def test_earn_back_cut_short_by_the_end_of_the_clauses_range():
    line = earn_back_line({"2025-05": (30.0, 5)}, effective_to=date(2025, 5, 31))
    assert not line.earned_back


def test_net_is_bonuses_minus_credits_not_earned_back():
    credit = terms(key="C", pct=D("5"), earn_back=1)
    bonus = terms(key="H", kind="bonus", pct=D("2"), direction="higher", threshold=D("3"))
    values = {
        "C": {"2025-04": (40.0, 5), "2025-05": (30.0, 5), "2025-06": (40.0, 5)},
        "H": {"2025-04": (3.5, 5)},
    }
    breaches = {("C", "2025-04"): "open", ("C", "2025-06"): "open"}
    lines = ledger([credit, bonus], values, breaches, AS_OF)
    # April's credit earned back by May; June's not (July has no data); bonus 200.
    assert ev.quarter_nets(lines) == {"2025-Q2": D("200.00") - D("500.00")}


@pytest.mark.parametrize("status", ["waived", "excused"])
def test_forgone_breaches_carry_zero_and_get_no_earn_back(status):
    clause = terms(earn_back=1)
    values = {"C": {"2025-04": (40.0, 5), "2025-05": (30.0, 5)}}
    (line,) = ledger([clause], values, {("C", "2025-04"): status}, AS_OF, at_risk_pct=D("9"))
    assert (line.amount, line.earned_back, line.counts_in_net) == (D("0.00"), False, 0)
