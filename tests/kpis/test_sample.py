"""The sample data set gives exactly the values of its expected.csv."""

import csv
import io
from pathlib import Path

from django.core.management import call_command

from kpis.models import MetricValue
from kpis.services import engagement_metrics_recompute
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import SAMPLE_DIR, expected_rows, import_sample

KEY = ("metric", "grain", "period", "dimension", "segment")


def export(engagement) -> dict[tuple, dict[str, str]]:
    out = io.StringIO()
    call_command("export_metrics", "--engagement", engagement.slug, "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))
    assert rows, "the export is empty"
    assert list(rows[0]) == [*KEY, "value", "n", "status"]
    return {tuple(row[k] for k in KEY): row for row in rows}


def assert_matches_expected(exported: dict[tuple, dict[str, str]]) -> None:
    expected = {tuple(row[k] for k in KEY): row for row in expected_rows()}
    assert set(exported) - set(expected) == set(), "rows that expected.csv does not have"
    assert set(expected) - set(exported) == set(), "rows of expected.csv that are missing"
    for key, want in expected.items():
        got = exported[key]
        assert got["n"] == want["n"], key
        if want["value"] == "":
            assert got["value"] == "", key
            assert got["status"] == "suppressed", key
        else:
            assert abs(float(got["value"]) - float(want["value"])) <= 0.01, (key, got, want)


def test_the_sample_gives_every_expected_value_and_no_other(sample_engagement):
    assert_matches_expected(export(sample_engagement))
    assert MetricValue.objects.filter(engagement=sample_engagement).count() == len(expected_rows())


def test_a_second_run_writes_nothing(sample_engagement):
    before = dict(MetricValue.objects.values_list("pk", "computed_at"))
    result = engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert result.computed
    assert (result.inserted, result.updated, result.deleted) == (0, 0, 0)
    assert result.unchanged == len(before)
    assert dict(MetricValue.objects.values_list("pk", "computed_at")) == before


def _write_subset(directory: Path, name: str, keep) -> Path:
    with open(SAMPLE_DIR / name, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [row for row in reader if keep(row)]
        fields = reader.fieldnames
    path = directory / name
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_importing_more_data_then_recomputing_equals_a_full_computation(
    engagement, other_engagement, tmp_path
):
    """Data arrives in two imports; the recompute after the second gives the full values."""
    early = [
        _write_subset(tmp_path, "requisitions.csv", lambda r: True),
        _write_subset(tmp_path, "applications.csv", lambda r: r["applied_on"] < "2025-06-01"),
    ]
    call_command("import_data", "--engagement", engagement.slug, *map(str, early))
    first = engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    assert first.inserted > 0
    import_sample(engagement)
    second = engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    assert second.inserted + second.updated > 0
    incremental = export(engagement)
    assert_matches_expected(incremental)

    import_sample(other_engagement)
    call_command(
        "recompute_metrics",
        "--engagement",
        other_engagement.slug,
        "--full",
        "--as-of",
        AS_OF.isoformat(),
        stdout=io.StringIO(),
    )
    assert export(other_engagement) == incremental


def test_values_that_lose_their_data_are_removed(sample_engagement):
    from recruiting.models import Survey

    Survey.objects.filter(engagement=sample_engagement).delete()
    result = engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert result.deleted > 0
    assert not MetricValue.objects.filter(
        engagement=sample_engagement, kpi__in=["candidate_nps", "hiring_manager_satisfaction"]
    ).exists()


def test_changing_the_on_hold_policy_recomputes_time_to_fill(sample_engagement, client_admin):
    from engagements.services import engagement_update
    from kpis.services import engagements_to_recompute

    def q3():
        return MetricValue.objects.get(
            engagement=sample_engagement,
            kpi="time_to_fill",
            grain="quarter",
            period="2025-Q3",
            dimension="all",
        ).value

    before = q3()
    engagement_update(actor=client_admin, engagement=sample_engagement, exclude_on_hold=True)
    assert sample_engagement in engagements_to_recompute()
    engagement_metrics_recompute(engagement=sample_engagement, as_of=AS_OF)
    assert q3() < before
