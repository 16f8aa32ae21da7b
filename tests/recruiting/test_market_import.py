"""Market benchmarks (kind `market_benchmarks`): imported per engagement like the ATS kinds
(file, command, API, preview; all or nothing) or shared by a provider (command, API, page),
refused rows named by row, column and reason, a re-import replacing rows by key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from recruiting import market
from recruiting.models import MarketBenchmark, ProviderMarketBenchmark
from recruiting.services import file_import
from tests.factories import EngagementFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


HEADER = "period,job_family,location,metric,value,currency,source,note\n"
GOOD = (
    HEADER
    + "2026-10,,,time_to_fill_days,42,,Mercer,\n"
    + "2026-Q3,Software,Berlin,salary_median,72000,eur,Mercer,gross\n"
    + "2026-10,,,offer_acceptance_rate,88.5,,Mercer,\n"
    + "2026-10,,,applicants_per_opening,31,,LinkedIn Talent Insights,\n"
)
BAD = (
    HEADER
    + "2026-10,,,time_to_fill_days,42,,Mercer,\n"  # row 2: fine
    + "2026-10,,,cost_of_living,1,,Mercer,\n"  # row 3: unknown metric
    + "2026-10,,,offer_acceptance_rate,88,EUR,Mercer,\n"  # row 4: currency on a percentage
    + "2026-10,,,salary_median,60000,,Mercer,\n"  # row 5: money without a currency
    + "2026-10,,,time_to_fill_days,40,,Other,\n"  # row 6: same key as row 2
    + "2026-13,,,time_to_fill_days,40,,Mercer,\n"  # row 7: bad period
    + "2026-Q5,,,time_to_fill_days,40,,Mercer,\n"  # row 8: bad period
    + "2026-11,,,offer_acceptance_rate,120,,Mercer,\n"  # row 9: a rate over 100
    + "2026-11,,,salary_median,60000,EURO,Mercer,\n"  # row 10: not a currency code
)


def refusals(errors: list[dict]) -> set[tuple[int, str]]:
    return {(e["row"], e["column"]) for e in errors}


def test_a_good_file_is_imported_into_the_engagement(engagement, tmp_path):
    path = tmp_path / "market_benchmarks.csv"
    path.write_text(GOOD)
    call_command("import_data", "--engagement", engagement.slug, str(path))
    rows = {
        (b.period, b.job_family, b.location, b.metric): (b.value, b.currency)
        for b in MarketBenchmark.objects.filter(engagement=engagement)
    }
    assert rows == {
        ("2026-10", "", "", "time_to_fill_days"): (Decimal("42"), ""),
        ("2026-Q3", "Software", "Berlin", "salary_median"): (Decimal("72000"), "EUR"),
        ("2026-10", "", "", "offer_acceptance_rate"): (Decimal("88.5"), ""),
        ("2026-10", "", "", "applicants_per_opening"): (Decimal("31"), ""),
    }


def test_bad_rows_are_refused_with_row_column_and_reason_and_nothing_is_written(engagement):
    result = file_import(
        actor=None,
        engagement=engagement,
        file=BAD.encode(),
        file_name="market_benchmarks.csv",
        kind="market_benchmarks",
    )
    assert not result.ok
    reasons = {(e["row"], e["column"]): e["reason"] for e in result.errors}
    assert refusals(result.errors) == {
        (3, "metric"),
        (4, "currency"),
        (5, "currency"),
        (6, "period"),
        (7, "period"),
        (8, "period"),
        (9, "value"),
        (10, "currency"),
    }
    assert reasons[(3, "metric")].startswith("Must be one of: salary_median")
    assert reasons[(4, "currency")] == (
        "Only salary_median has a currency: leave it blank for this metric."
    )
    assert reasons[(5, "currency")] == "Required for salary_median: the figure is money."
    assert reasons[(6, "period")] == (
        "Duplicate: the same period, job_family, location and metric as row 2."
    )
    assert "YYYY-MM or YYYY-Qn" in reasons[(7, "period")]
    assert reasons[(9, "value")] == "A rate is a percentage from 0 to 100."
    assert "ISO 4217" in reasons[(10, "currency")]
    assert not MarketBenchmark.objects.exists()


def test_the_command_prints_the_refusals_and_exits_non_zero(engagement, tmp_path, capsys):
    path = tmp_path / "benchmarks.csv"
    path.write_text(BAD)
    with pytest.raises(CommandError, match="Nothing imported: 8 errors"):
        call_command(
            "import_data", "--engagement", engagement.slug, "--kind", "market_benchmarks", path
        )
    printed = capsys.readouterr().err
    assert "benchmarks.csv: row 4, column currency: Only salary_median has a currency" in printed
    assert not MarketBenchmark.objects.exists()


def test_a_reimport_replaces_rows_by_key_and_keeps_the_others(engagement):
    def load(text: str):
        return file_import(
            actor=None,
            engagement=engagement,
            file=text.encode(),
            file_name="market.csv",
            kind="market_benchmarks",
        )

    assert load(GOOD).created == 4
    again = load(HEADER + "2026-10,,,time_to_fill_days,45,,Mercer,revised\n")
    assert (again.created, again.updated, again.unchanged) == (0, 1, 0)
    assert MarketBenchmark.objects.filter(engagement=engagement).count() == 4
    revised = MarketBenchmark.objects.get(engagement=engagement, metric="time_to_fill_days")
    assert (revised.value, revised.note) == (Decimal("45"), "revised")
    same = load(GOOD.replace(",42,", ",45,").replace("Mercer,\n", "Mercer,revised\n", 1))
    assert (same.created, same.updated, same.unchanged) == (0, 0, 4)


def test_the_api_bulk_endpoint_takes_records_all_or_nothing(api, engagement, account_manager):
    api.force_login(account_manager)
    url = reverse("api:market_benchmarks-bulk", kwargs={"engagement_id": engagement.pk})
    rows = [
        {"period": "2026-10", "metric": "time_to_fill_days", "value": 42, "source": "Mercer"},
        {
            "period": "2026-10",
            "metric": "offer_acceptance_rate",
            "value": 80,
            "currency": "USD",
            "source": "Mercer",
        },
    ]
    response = api.post(url, rows, format="json")
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {(1, "currency")}
    assert not MarketBenchmark.objects.exists()
    rows[1].pop("currency")
    response = api.post(url, rows, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 2
    listing = api.get(
        reverse("api:market_benchmarks-list", kwargs={"engagement_id": engagement.pk})
    )
    assert listing.json()["count"] == 2


def test_the_schema_describes_the_bulk_rows(api):
    schema = api.get(reverse("api:schema"), {"format": "json"}).json()
    row = schema["components"]["schemas"]["MarketBenchmarksRowRequest"]
    assert set(row["required"]) == {"period", "metric", "value", "source"}
    assert "Q" in row["properties"]["period"]["pattern"]


# --- Shared by a provider -------------------------------------------------------------------


def test_the_command_imports_a_providers_shared_file(engagement, tmp_path, capsys):
    path = tmp_path / "shared.csv"
    path.write_text(GOOD)
    call_command(
        "import_data", "--provider", engagement.provider.slug, "--kind", "market_benchmarks", path
    )
    assert "4 created" in capsys.readouterr().out
    assert ProviderMarketBenchmark.objects.filter(provider=engagement.provider).count() == 4
    path.write_text(BAD)
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_data", "--provider", engagement.provider.slug, path)
    assert ProviderMarketBenchmark.objects.count() == 4
    with pytest.raises(CommandError, match="No provider organization"):
        call_command("import_data", "--provider", engagement.client.slug, path)


def test_a_provider_shares_with_its_engagements_only(engagement, another_provider_org):
    market.shared_file_import(
        actor=None, provider=engagement.provider, file=GOOD.encode(), file_name="shared.csv"
    )
    same_provider = EngagementFactory(provider=engagement.provider)
    other = EngagementFactory(provider=another_provider_org)
    assert len(market.benchmarks_for(engagement=same_provider)) == 4
    assert market.benchmarks_for(engagement=other) == []


@pytest.mark.parametrize(
    "role,allowed",
    [
        (Role.PROVIDER_ADMIN, True),
        (Role.ACCOUNT_MANAGER, True),
        (Role.RECRUITER, False),
    ],
)
def test_who_may_import_a_providers_shared_file(engagement, role, allowed):
    user = member(engagement.provider, role)
    assert market.can_import_shared(user, engagement.provider) is allowed
    for client_role in (Role.CLIENT_ADMIN, Role.HR_LEAD, Role.CLIENT_VIEWER):
        assert not market.can_import_shared(
            member(engagement.client, client_role), engagement.provider
        )


def test_the_generator_writes_a_market_file_or_leaves_it_out(engagement, other_engagement):
    from datetime import date

    from recruiting.generator import DataSpec, generated_data_import

    end = date(2026, 12, 7)
    results = generated_data_import(
        actor=None, engagement=engagement, spec=DataSpec(requisitions=60, months=12, end=end)
    )
    # Four quarters' surveys (three market figures, two per job family), twelve monthly indexes.
    assert results["market_benchmarks"].created == 4 * (3 + 2 * 4) + 12
    assert MarketBenchmark.objects.filter(engagement=engagement, metric="salary_median").exists()
    spec = DataSpec(requisitions=60, months=12, end=end, market_benchmarks=False)
    results = generated_data_import(actor=None, engagement=other_engagement, spec=spec)
    assert "market_benchmarks" not in results
    assert not MarketBenchmark.objects.filter(engagement=other_engagement).exists()


def test_the_web_upload_previews_then_imports_an_engagements_benchmarks(client, engagement):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member(engagement.client, Role.CLIENT_ADMIN))
    url = reverse("recruiting:import", args=[engagement.pk])
    # the kind is told by the header alone
    file = SimpleUploadedFile("survey.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(url, {"file": file, "kind": ""})
    page = response.content.decode()
    assert "Ready to import survey.csv" in page and "Market benchmarks" in page
    assert not MarketBenchmark.objects.exists()
    run = response.context["result"].run
    client.post(reverse("recruiting:import-confirm", args=[engagement.pk, run.pk]))
    assert MarketBenchmark.objects.filter(engagement=engagement).count() == 4
    records = reverse("recruiting:records", args=[engagement.pk, "market_benchmarks"])
    # the Data tab lists them as the file's rows, like every kind
    listed = client.get(records).content.decode()
    assert (
        '<td data-label="Metric">Salary median</td><td data-label="Value">72,000</td>'
        '<td data-label="Currency">EUR</td>' in listed
    )
    bad = SimpleUploadedFile("market_benchmarks.csv", BAD.encode(), content_type="text/csv")
    page = client.post(url, {"file": bad, "kind": "market_benchmarks"}).content.decode()
    assert "market_benchmarks.csv cannot be imported" in page
    assert "Only salary_median has a currency" in page
