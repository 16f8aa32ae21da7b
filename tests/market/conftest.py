"""Market benchmark fixtures: KPI values to compare with, and benchmark files."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION
from orchestration.market.selectors import period_end
from recruiting import market
from recruiting.services import file_import

HEADER = "period,job_family,location,metric,value,currency,source,note\n"
OWN = (
    HEADER
    + "2026-09,,,time_to_fill_days,42,,Mercer,\n"
    + "2026-10,Software,,time_to_fill_days,50,,Mercer,\n"
    + "2026-Q3,,,offer_acceptance_rate,85,,Mercer,\n"
)
SHARED = (
    HEADER
    + "2026-10,,,time_to_fill_days,40,,Korn Ferry,\n"
    + "2026-10,,,salary_median,72000,EUR,Korn Ferry,gross\n"
    + "2026-10,,Berlin,applicants_per_opening,31,,Korn Ferry,\n"
)


def metric_value(engagement, kpi, period, value, *, dimension="all", segment="all", grain=None):
    grain = grain or ("quarter" if "-Q" in period else "month")
    year, part = period.split("-")
    first_month = (int(part[1]) - 1) * 3 + 1 if part.startswith("Q") else int(part)
    return MetricValue.objects.create(
        engagement=engagement,
        kpi=kpi,
        version=DEFINITION_VERSION,
        grain=grain,
        period=period,
        period_start=date(int(year), first_month, 1),
        period_end=period_end(period),
        dimension=dimension,
        segment=segment,
        value=value,
        n=5,
        computed_at=timezone.now(),
    )


def import_own(engagement, text=OWN):
    result = file_import(
        actor=None,
        engagement=engagement,
        file=text.encode(),
        file_name="market_benchmarks.csv",
        kind="market_benchmarks",
    )
    assert result.ok, result.errors
    return result


def import_shared(provider, text=SHARED):
    result = market.shared_file_import(
        actor=None, provider=provider, file=text.encode(), file_name="shared.csv"
    )
    assert result.ok, result.errors
    return result


@pytest.fixture
def market_engagement(engagement):
    """Values of October 2026 (segment all and job family Software) and Q3 2026, the
    engagement's own benchmarks and its provider's shared ones."""
    metric_value(engagement, "time_to_fill", "2026-10", 38)
    metric_value(
        engagement, "time_to_fill", "2026-10", 55, dimension="job_family", segment="Software"
    )
    metric_value(engagement, "time_to_fill", "2026-10", 30, dimension="department", segment="Sales")
    metric_value(engagement, "offer_acceptance_rate", "2026-10", 80)
    metric_value(engagement, "offer_acceptance_rate", "2026-Q3", 90)
    import_own(engagement)
    import_shared(engagement.provider)
    return engagement
