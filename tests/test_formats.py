"""The presentation layer: one style for every number, date, label and count."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.template import Context, Template

from rpo_portal import formats


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (27200, "EUR", "EUR 27,200.00"),
        (Decimal("5117.705"), "EUR", "EUR 5,117.71"),
        (5117.705, "EUR", "EUR 5,117.71"),  # float binary rounding would give 5,117.70
        (1.005, "USD", "USD 1.01"),  # round(1.005, 2) == 1.0 in float arithmetic
        (Decimal("2.004"), "EUR", "EUR 2.00"),
        (-1234.5, "GBP", "-GBP 1,234.50"),
        (Decimal("-0.004"), "EUR", "EUR 0.00"),
        (1234567.891, "", "1,234,567.89"),
        (None, "EUR", "—"),
    ],
)
def test_money_has_separators_the_currency_and_rounds_half_away_from_zero(value, currency, shown):
    assert formats.money(value, currency).replace("\u00a0", " ") == shown


def test_an_amount_never_wraps_between_its_currency_and_digits():
    assert formats.money(5, "EUR") == "EUR\u00a05.00"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (66.666, "66.7%"),
        (0.05, "0.1%"),
        (0.25, "0.3%"),  # the float 0.25 is exact; half rounds up, not to even
        (2.45, "2.5%"),  # the float 2.45 is 2.4500000000000001776..; shown as typed
        (-2.45, "-2.5%"),
        (100, "100.0%"),
        (12345.65, "12,345.7%"),
        (None, "—"),
    ],
)
def test_percent_has_one_decimal_and_no_space(value, shown):
    assert formats.percent(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(12, "12.0 days"), (12.05, "12.1 days"), (12.04, "12.0 days"), (1, "1.0 days"), (None, "—")],
)
def test_days_have_one_decimal_and_the_unit(value, shown):
    assert formats.days(value) == shown


def test_days_without_decimals_say_day_for_one():
    assert formats.days(1, 0) == "1 day"
    assert formats.days(2, 0) == "2 days"


@pytest.mark.parametrize(
    ("value", "shown"), [(4.25, "4.3"), (4.35, "4.4"), (Decimal("3.05"), "3.1"), (0, "0.0")]
)
def test_scores_round_half_away_from_zero_at_one_decimal(value, shown):
    assert formats.score(value) == shown


def test_numbers_have_thousands_separators_and_never_a_negative_zero():
    assert formats.number(1204) == "1,204"
    assert formats.number(12345678) == "12,345,678"
    assert formats.number(-0.04, 1) == "0.0"
    assert formats.number(0.5) == "1"
    assert formats.number(-0.5) == "-1"
    assert formats.number("not a number") == "—"
    assert formats.number(float("nan")) == "—"


def test_dates_read_day_month_year():
    assert formats.day(date(2026, 12, 7)) == "7 Dec 2026"
    assert formats.day(date(2026, 1, 31)) == "31 Jan 2026"
    assert formats.day("2026-03-05") == "5 Mar 2026"
    assert formats.day(None) == "—"


def test_moments_have_minutes_and_the_zone_never_seconds_or_iso():
    moment = datetime(2026, 12, 7, 14, 5, 59, 123456, tzinfo=UTC)
    assert formats.moment(moment) == "7 Dec 2026, 14:05 UTC"
    assert formats.moment("2026-12-07T14:05:59.123456+00:00") == "7 Dec 2026, 14:05 UTC"
    assert formats.day(moment) == "7 Dec 2026"
    assert formats.moment(date(2026, 12, 7)) == "7 Dec 2026"
    assert formats.moment(None) == "—"


def test_a_date_range_names_both_ends_or_an_open_end():
    assert formats.date_range(date(2026, 10, 1), date(2026, 12, 31)) == "1 Oct 2026 – 31 Dec 2026"
    assert formats.date_range(date(2026, 10, 1), None) == "from 1 Oct 2026"


@pytest.mark.parametrize(
    ("count", "singular", "plural_word", "shown"),
    [
        (0, "decision", "", "0 decisions"),
        (1, "decision", "", "1 decision"),
        (2, "decision", "", "2 decisions"),
        (1, "relief claim", "", "1 relief claim"),
        (3, "activity", "", "3 activities"),
        (2, "day", "", "2 days"),
        (2, "breach", "", "2 breaches"),
        (2, "person", "people", "2 people"),
        (1204, "hire", "", "1,204 hires"),
        (Decimal("1"), "hire", "", "1 hire"),
    ],
)
def test_counts_carry_their_word_in_the_right_number(count, singular, plural_word, shown):
    assert formats.counted(count, singular, plural_word) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("remediation_planned", "Remediation planned"),
        ("on_track", "On track"),
        ("job_family: Software", "Job family: Software"),
        ("kpi_key", "KPI key"),
        ("sla_clause=Time to fill", "SLA clause: Time to fill"),
        ("met", "Met"),
        ("Acme Corp", "Acme Corp"),
        ("time_to_fill 12 days", "time_to_fill 12 days"),
        (None, "—"),
    ],
)
def test_labels_turn_keys_into_words(value, shown):
    assert formats.label(value) == shown


def test_the_filters_are_built_into_every_template():
    template = Template(
        "{{ amount|money:'EUR' }} | {{ rate|pct }} | {{ fill|days }} | {{ n|count:'decision' }} | "
        "{{ m|count:'activity,activities' }} | {{ on|day }} | {{ at|when }} | {{ status|label }} | "
        "{{ big|num }} | {{ nothing|money:'EUR' }}"
    )
    text = template.render(
        Context(
            {
                "amount": Decimal("27200"),
                "rate": 66.666,
                "fill": 12,
                "n": 1,
                "m": 2,
                "on": date(2026, 12, 7),
                "at": datetime(2026, 12, 7, 14, 5, 30, tzinfo=UTC),
                "status": "remediation_planned",
                "big": 12345,
                "nothing": None,
            }
        )
    )
    assert text.replace("\u00a0", " ") == (
        "EUR 27,200.00 | 66.7% | 12.0 days | 1 decision | 2 activities | 7 Dec 2026 | "
        "7 Dec 2026, 14:05 UTC | Remediation planned | 12,345 | —"
    )


def test_kpi_values_and_thresholds_use_the_same_rounding_and_separators():
    from kpis.templatetags.kpis_tags import kpi_value, number, plain

    assert kpi_value(5117.705, "cost_per_hire") == "5,117.71"
    assert kpi_value(12.05, "time_to_fill") == "12.1 days"
    assert kpi_value(66.65, "offer_acceptance_rate") == "66.7%"
    assert plain(Decimal("12000.500")) == "12,000.5"
    assert plain(Decimal("30.000")) == "30"
    assert number(1234.0) == "1,234"
    assert number(0.125) == "0.125"


def test_periods_read_as_words():
    assert formats.period("2026-10") == "Oct 2026"
    assert formats.period("2026-Q3") == "Q3 2026"
    assert formats.period("all") == "all"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2026-12-07T20:34:32.957901+00:00", "7 Dec 2026, 20:34 UTC"),
        ("2026-12-07", "7 Dec 2026"),
        ("remediation_planned", "Remediation planned"),
        (True, "yes"),
        (None, "—"),
        ("Acme", "Acme"),
        ("85000.0", "85,000"),  # an amount recorded by the audit trail
        (Decimal("92000.00"), "92,000"),
        (12.5, "12.5"),
        ("R-00012", "R-00012"),
    ],
)
def test_a_recorded_value_reads_as_words(value, text):
    assert formats.shown(value) == text


def test_a_proposals_recorded_terms_read_as_words():
    assert formats.terms(
        {"kpi": "time_to_fill", "effective_to": None, "target_value": "45", "min_sample_size": 3}
    ) == [
        ("KPI", "Time to fill"),
        ("Effective to", "—"),
        ("Target value", "45"),
        ("Min sample size", "3"),
    ]
    # A counter-proposal's changes, before → after; a clause added reads its own terms.
    assert formats.terms({"target_value": ["45", "40"]}) == [("Target value", "45 → 40")]
    assert formats.terms({"added": {"effective_from": "2025-01-01", "pct": "3"}}) == [
        ("Added", "Effective from: 1 Jan 2025; Pct: 3")
    ]
