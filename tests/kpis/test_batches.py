"""A full run computes many engagements in one pass; each must get exactly its own values."""

from datetime import date

import pytest
from django.db import connection

from engagements.models import Engagement
from kpis import services, storage
from kpis.models import MetricRun, MetricValue
from kpis.services import engagement_metrics_recompute, metrics_recompute
from recruiting.generator import DataSpec, Scope, generated_data_import
from tests.factories import EngagementFactory
from tests.kpis.sample import import_sample

AS_OF = date(2025, 9, 30)
FIELDS = ["engagement_id", *storage.VALUE_COLUMNS]


def stored() -> set[tuple]:
    return set(MetricValue.objects.values_list(*FIELDS))


@pytest.fixture
def three_engagements(engagement, other_engagement):
    """The sample, generated data, and generated data under the on-hold policy."""
    import_sample(engagement)
    third = EngagementFactory(exclude_on_hold=True)
    for target, seed in ((other_engagement, 1), (third, 2)):
        generated_data_import(
            actor=None,
            engagement=target,
            spec=DataSpec(requisitions=60, seed=seed, months=12, end=AS_OF),
        )
    return [engagement, other_engagement, third]


@pytest.mark.parametrize("batch_rows", [1, 10_000_000])
def test_a_batch_gives_each_engagement_the_values_it_gets_alone(
    three_engagements, batch_rows, monkeypatch
):
    for engagement in three_engagements:
        engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    alone = stored()
    assert {row[0] for row in alone} == {e.pk for e in three_engagements}
    MetricValue.objects.all().delete()
    MetricRun.objects.all().delete()

    monkeypatch.setattr(services, "BATCH_ROWS", batch_rows)
    results = metrics_recompute(engagement_ids=[e.pk for e in three_engagements], as_of=AS_OF)

    assert [r.engagement_id for r in results] == [e.pk for e in three_engagements]
    assert all(r.computed and r.inserted == r.value_count > 0 for r in results)
    assert stored() == alone
    # The same run again: every engagement's values hash as before, nothing is written.
    again = metrics_recompute(engagement_ids=[e.pk for e in three_engagements], as_of=AS_OF)
    assert all((r.inserted, r.updated, r.deleted) == (0, 0, 0) for r in again)
    assert MetricRun.objects.count() == 6


def test_the_on_hold_policy_applies_to_its_own_engagement_only(three_engagements):
    _, generated, on_hold = three_engagements
    metrics_recompute(engagement_ids=[generated.pk, on_hold.pk], as_of=AS_OF)
    together = stored()
    MetricValue.objects.all().delete()
    MetricRun.objects.all().delete()
    Engagement.objects.filter(pk=on_hold.pk).update(exclude_on_hold=False)
    metrics_recompute(engagement_ids=[generated.pk, on_hold.pk], as_of=AS_OF)
    without = stored()

    def time_to_fill(rows, engagement):
        return {r for r in rows if r[0] == engagement.pk and r[1] == "time_to_fill"}

    assert time_to_fill(together, generated) == time_to_fill(without, generated)
    assert time_to_fill(together, on_hold) != time_to_fill(without, on_hold)


# Rows sent through temporary tables / inline as arrays.
@pytest.mark.parametrize("inline_rows", [0, 100_000])
def test_changed_values_are_written_and_only_those(three_engagements, inline_rows, monkeypatch):
    monkeypatch.setattr(storage, "INLINE_ROWS", inline_rows)
    sample, generated, _ = three_engagements
    metrics_recompute(engagement_ids=[sample.pk, generated.pk], as_of=AS_OF)
    before = {row for row in stored() if row[0] == sample.pk}
    first = {row for row in stored() if row[0] == generated.pk}
    # An earlier as-of drops the generated engagement's last periods and changes June's.
    result = metrics_recompute(engagement_ids=[generated.pk], as_of=date(2025, 6, 15))[0]
    assert result.deleted > 0 and result.updated > 0 and result.inserted == 0
    assert {row for row in stored() if row[0] == sample.pk} == before
    assert not MetricValue.objects.filter(engagement=generated, period="2025-09").exists()
    # What is stored is exactly what a first computation as of that date stores.
    updated = {row for row in stored() if row[0] == generated.pk}
    MetricValue.objects.filter(engagement=generated).delete()
    MetricRun.objects.filter(engagement=generated).delete()
    metrics_recompute(engagement_ids=[generated.pk], as_of=date(2025, 6, 15))
    assert {row for row in stored() if row[0] == generated.pk} == updated
    # Back to the later as-of: the dropped periods come back, June changes back.
    result = metrics_recompute(engagement_ids=[generated.pk], as_of=AS_OF)[0]
    assert result.inserted > 0 and result.updated > 0 and result.deleted == 0
    assert {row for row in stored() if row[0] == generated.pk} == first


def test_values_stored_without_a_row_hash_are_compared_and_given_one(sample_engagement):
    before = stored()
    # As stored before runs had fingerprints and values their row hash.
    MetricRun.objects.update(fingerprint="")
    MetricValue.objects.update(row_hash=None)
    result = metrics_recompute(engagement_ids=[sample_engagement.pk], as_of=AS_OF)[0]
    assert (result.inserted, result.deleted) == (0, 0)
    assert result.updated == result.value_count == len(before)
    assert stored() == before
    assert not MetricValue.objects.filter(row_hash__isnull=True).exists()
    again = metrics_recompute(engagement_ids=[sample_engagement.pk], as_of=AS_OF)[0]
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)


def test_labels_with_sql_characters_are_written_as_they_are(engagement):
    departments = ("R&D 100%", "O'Brien's team", "%s")
    spec = DataSpec(requisitions=40, seed=3, end=AS_OF, scope=Scope(departments=departments))
    generated_data_import(actor=None, engagement=engagement, spec=spec)
    metrics_recompute(engagement_ids=[engagement.pk], as_of=date(2025, 6, 15))
    result = metrics_recompute(engagement_ids=[engagement.pk], as_of=AS_OF)[0]
    assert result.updated > 0
    segments = set(
        MetricValue.objects.filter(dimension="department").values_list("segment", flat=True)
    )
    assert segments == {"R&D 100%", "O'Brien's team", "%s"}
    updated = stored()
    MetricValue.objects.all().delete()
    MetricRun.objects.all().delete()
    metrics_recompute(engagement_ids=[engagement.pk], as_of=AS_OF)
    assert stored() == updated


@pytest.mark.django_db
def test_reading_streams_rows_to_the_parser_and_reports_its_error_without_hanging():
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from kpis.reading import _copy_parsed

    sql = (
        "COPY (SELECT i AS n, 'x' || i AS label FROM generate_series(1, 200000) i)"
        " TO STDOUT WITH (FORMAT csv, HEADER true)"
    )
    table = _copy_parsed(sql, pacsv.ConvertOptions(column_types={"n": pa.int64()}))
    assert table.num_rows == 200_000 and table["n"][-1].as_py() == 200_000
    # The parser fails on the first block (text in an integer column) while PostgreSQL still
    # has far more than a pipe's worth of rows to send.
    with pytest.raises(pa.ArrowInvalid):
        _copy_parsed(sql, pacsv.ConvertOptions(column_types={"label": pa.int64()}))
    # The connection is still usable afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_batches_are_cut_from_the_counts_of_the_last_run_until_the_data_changes(
    three_engagements, monkeypatch
):
    from django.test.utils import CaptureQueriesContext

    from engagements.services import engagement_mark_data_changed
    from recruiting.models import Application

    ids = [e.pk for e in three_engagements]
    counts = [Application.objects.filter(engagement_id=pk).count() for pk in ids]
    monkeypatch.setattr(services, "BATCH_ROWS", counts[0] + counts[1])
    # The planner's statistics say the table is all but empty, as on a freshly created
    # database: the batches must not depend on them (rolled back with the test).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = 1 WHERE oid = 'recruiting_application'::regclass"
        )

    def batches() -> tuple[list[list[int]], list[str]]:
        with CaptureQueriesContext(connection) as queries:
            cut = services.recompute_batches(ids)
        return cut, [q["sql"] for q in queries if "recruiting_application" in q["sql"]]

    # Never computed: every engagement's applications are counted.
    cut, counted = batches()
    assert cut == [ids[:2], ids[2:]] and len(counted) == 1  # the count
    metrics_recompute(engagement_ids=ids, as_of=AS_OF)
    assert sorted(
        services.EngagementMetricsState.objects.values_list("engagement_id", "applications")
    ) == sorted(zip(ids, counts, strict=True))
    # Computed since their data last changed: the stored counts, no count of the table.
    cut, counted = batches()
    assert cut == [ids[:2], ids[2:]] and counted == []  # no count of the table
    # The stored counts are what cuts the batches: say the third had none.
    services.EngagementMetricsState.objects.filter(engagement_id=ids[2]).update(applications=0)
    assert batches() == ([ids], counted)
    # Its data changed since: it alone is counted again.
    engagement_mark_data_changed(engagement=three_engagements[2])
    cut, counted = batches()
    assert cut == [ids[:2], ids[2:]]
    assert len(counted) == 1 and f"IN ({ids[2]})" in counted[0]
