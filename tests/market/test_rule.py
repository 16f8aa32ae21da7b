"""Which benchmark applies to a value (docs/data-contract.md section 10), decided once."""

from __future__ import annotations

from decimal import Decimal

from kpis.registry import KPI_BY_KEY
from orchestration.market.selectors import Comparison, applicable, benchmark_amount, period_end
from recruiting.models import MarketBenchmark, ProviderMarketBenchmark


def own(period, value, job_family="", location="", metric="time_to_fill_days"):
    return MarketBenchmark(
        period=period,
        job_family=job_family,
        location=location,
        metric=metric,
        value=Decimal(value),
        source="Own",
    )


def shared(period, value, job_family="", location="", metric="time_to_fill_days"):
    return ProviderMarketBenchmark(
        period=period,
        job_family=job_family,
        location=location,
        metric=metric,
        value=Decimal(value),
        source="Shared",
    )


def pick(benchmarks, period, grain="month", dimension="all", segment="all"):
    return applicable(
        benchmarks,
        metric="time_to_fill_days",
        grain=grain,
        period=period,
        dimension=dimension,
        segment=segment,
    )


def test_period_ends():
    assert str(period_end("2026-02")) == "2026-02-28"
    assert str(period_end("2026-Q4")) == "2026-12-31"
    assert str(period_end("2024-02")) == "2024-02-29"


def test_the_latest_period_not_after_the_values_wins():
    rows = [own("2026-08", 1), own("2026-10", 2), own("2026-11", 3)]
    assert pick(rows, "2026-10").value == 2
    assert pick(rows, "2026-09").value == 1
    assert pick(rows, "2026-07") is None  # every benchmark is later than the value


def test_a_quarter_ends_on_its_last_day():
    rows = [own("2026-Q4", 1), own("2026-10", 2)]
    assert pick(rows, "2026-11").value == 2  # Q4 ends after November
    assert pick(rows, "2026-12").value == 1  # Q4 ends with December: the later period
    assert pick(rows, "2026-Q4", grain="quarter").value == 1


def test_a_month_and_a_quarter_ending_together_the_values_grain():
    rows = [own("2026-09", 1), own("2026-Q3", 2)]
    assert pick(rows, "2026-09").value == 1
    assert pick(rows, "2026-Q3", grain="quarter").value == 2


def test_the_engagements_own_before_the_providers_shared_for_the_same_period():
    rows = [shared("2026-10", 1), own("2026-10", 2)]
    assert pick(rows, "2026-10").value == 2
    # but a later shared figure is the latest one
    assert pick([shared("2026-10", 1), own("2026-09", 2)], "2026-10").value == 1


def test_the_slice_of_the_market_must_match():
    rows = [
        own("2026-10", 1),
        own("2026-10", 2, job_family="Software"),
        own("2026-10", 3, location="Berlin"),
        own("2026-10", 4, job_family="Software", location="Berlin"),
    ]
    assert pick(rows, "2026-10").value == 1
    assert pick(rows, "2026-10", dimension="job_family", segment="software").value == 2
    assert pick(rows, "2026-10", dimension="location", segment="Berlin").value == 3
    assert pick(rows, "2026-10", dimension="job_family", segment="Sales") is None
    assert pick(rows, "2026-10", dimension="department", segment="Sales") is None
    assert pick(rows, "2026-10", dimension="source", segment="referral") is None


def test_the_metric_must_match():
    rows = [own("2026-10", 80, metric="offer_acceptance_rate")]
    assert pick(rows, "2026-10") is None


def test_the_sentence_and_the_difference():
    class Value:
        value = 38.0

    comparison = Comparison(KPI_BY_KEY["time_to_fill"], Value(), own("2026-10", 42))
    assert comparison.sentence == "Time to fill 38.0 days; market 42.0 days (Own, Oct 2026)"
    assert comparison.difference == "4.0 days below the market (better)"
    Value.value = 42.04
    assert comparison.difference == "level with the market"
    rate = Comparison(
        KPI_BY_KEY["offer_acceptance_rate"],
        Value(),
        own("2026-Q3", 85, metric="offer_acceptance_rate"),
    )
    Value.value = 80.0
    assert rate.sentence == "Offer acceptance rate 80.0%; market 85.0% (Own, Q3 2026)"
    assert rate.difference == "5.0 percentage points below the market (worse)"
    assert Comparison(KPI_BY_KEY["time_to_fill"], None, None).sentence == (
        "Time to fill: no value; no market benchmark applies"
    )


def test_amounts_in_the_metrics_unit():
    salary = own("2026-10", "72000", metric="salary_median")
    salary.currency = "EUR"
    assert benchmark_amount(salary) == "EUR\u00a072,000.00"
    assert benchmark_amount(own("2026-10", "31", metric="applicants_per_opening")) == "31.0"


def test_the_latest_of_each_metric_slice_grain_and_keeper():
    from orchestration.market.selectors import latest_per_slice

    rows = [
        own("2026-08", 1),
        own("2026-10", 2),
        own("2026-09", 3),
        own("2026-Q3", 4),
        shared("2026-10", 5),
        own("2026-10", 6, job_family="Software"),
        own("2026-12", 7),
    ]
    latest = [(b.value, earlier) for b, earlier in latest_per_slice(rows)]
    assert latest == [(7, 3), (4, 0), (5, 0), (6, 0)]
    latest = [(b.value, earlier) for b, earlier in latest_per_slice(rows, upto="2026-Q3")]
    assert latest == [(3, 1), (4, 0)]
