"""An engagement's first import of a kind is validated while it is written.

`importing.table_stream_write` checks the whole file's keys and references, then validates and
serialises chunk after chunk while the database inserts the previous ones (chunks of three rows
in these tests, see conftest). A file is written only if no row has an error; otherwise
nothing is and the whole-file validation reports every error, as for any other import.
"""

import threading

import pyarrow as pa
import pytest

from recruiting import contract, importing
from recruiting.importing import read_csv, write
from recruiting.models import Application, ImportRun, ImportStatus, Requisition
from tests.recruiting.helpers import (
    APPLICATION_HEADER,
    REQUISITION_HEADER,
    csv_bytes,
    import_bytes,
    reasons,
)

pytestmark = pytest.mark.django_db


def lines(count: int) -> list[str]:
    return [f"R{i},Role {i},2025-01-10" for i in range(count)]


@pytest.fixture
def chunks_sent(monkeypatch) -> list[int]:
    """The rows of each chunk made ready for COPY."""
    sent: list[int] = []
    stored_rows = write.stored_rows

    def spy(*args):
        rows = stored_rows(*args)
        sent.append(rows.num_rows)
        return rows

    monkeypatch.setattr(write, "stored_rows", spy)
    return sent


def rejected(engagement, count: int, changes: dict[int, str]):
    """Import `count` rows with some replaced; nothing is written, and the errors are those of
    the validation every import has always run on the whole file."""
    rows = lines(count)
    for index, line in changes.items():
        rows[index] = line
    data = csv_bytes(REQUISITION_HEADER, *rows)
    result = import_bytes(engagement, data, "requisitions.csv")
    assert not result.ok
    assert not Requisition.objects.exists()
    table = importing.table_from_bytes(data, "requisitions.csv")
    importing.table_validate("requisitions", table)
    assert reasons(result) == table.errors.sorted()
    assert ImportRun.objects.get().status == ImportStatus.FAILED
    return result


def test_a_first_import_streams_in_chunks(engagement, chunks_sent):
    result = import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(10)), "requisitions.csv")
    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.unchanged) == (10, 10, 0, 0)
    assert chunks_sent == [3, 3, 3, 1]
    assert Requisition.objects.filter(engagement=engagement).count() == 10
    assert ImportRun.objects.get().status == ImportStatus.SUCCEEDED


def test_an_invalid_row_late_in_the_file_writes_nothing_and_reports_every_error(
    engagement, chunks_sent
):
    result = rejected(engagement, 20, {18: "R18,,2025-01-10", 19: "R19,Role 19,2025-02-30"})
    # The chunks before the bad rows went to the database, and were rolled back.
    assert sum(chunks_sent) >= 18
    assert reasons(result) == [
        (20, "title", "Required: this cell is blank."),
        (21, "opened_on", "Not a valid date: expected YYYY-MM-DD."),
    ]
    assert result.error_count == 2


def test_a_duplicate_id_far_from_the_first_is_found_after_the_last_chunk(engagement, chunks_sent):
    result = rejected(engagement, 10, {9: "R0,Again,2025-01-10"})
    assert chunks_sent == [3, 3, 3, 1]  # every chunk went to the database, then rolled back
    assert reasons(result) == [(11, "external_id", "Duplicate: the same external_id as row 2.")]


def test_a_reference_to_a_missing_record_late_in_the_file(engagement, chunks_sent):
    assert import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(2)), "requisitions.csv").ok
    chunks_sent.clear()
    rows = [f"A{i},R{i % 2},C{i},referral,2025-01-11,,,,,," for i in range(10)]
    rows[8] = "A8,R7,C8,referral,2025-01-11,,,,,,"
    result = import_bytes(engagement, csv_bytes(APPLICATION_HEADER, *rows), "applications.csv")
    assert reasons(result) == [(10, "requisition_id", "No requisition 'R7' in this engagement.")]
    assert chunks_sent == [3, 3]  # the chunks before the one with the bad reference
    assert not Application.objects.exists()


def test_the_database_refusing_a_chunk_rolls_back_and_the_usual_path_runs(engagement, monkeypatch):
    stored_rows = write.stored_rows
    calls = []

    def refused_once(*args):
        rows = stored_rows(*args)
        calls.append(rows.num_rows)
        if len(calls) != 2:
            return rows
        # The second chunk of the stream breaks a CHECK constraint (a priority not in the list).
        urgent = pa.array(["urgent"] * rows.num_rows, type=pa.large_string())
        return rows.set_column(rows.column_names.index("priority"), "priority", urgent)

    monkeypatch.setattr(write, "stored_rows", refused_once)
    result = import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(10)), "requisitions.csv")
    # The usual path validated the file again and wrote it in one piece, once.
    assert result.ok, result.errors
    assert calls[-1] == 10
    assert sorted(Requisition.objects.values_list("external_id", flat=True)) == sorted(
        f"R{i}" for i in range(10)
    )
    assert set(Requisition.objects.values_list("priority", flat=True)) == {"normal"}


def test_a_failure_of_the_chunk_thread_is_raised_and_nothing_is_written(engagement, monkeypatch):
    stored_rows = write.stored_rows
    calls = []

    def broken(*args):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("a bug")
        return stored_rows(*args)

    monkeypatch.setattr(write, "stored_rows", broken)
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="a bug"):
        import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(10)), "requisitions.csv")
    assert not Requisition.objects.exists()
    assert threading.active_count() == threads


def test_a_later_import_takes_the_upsert_path(engagement, chunks_sent):
    assert import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(4)), "requisitions.csv").ok
    chunks_sent.clear()
    again = import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines(8)), "requisitions.csv")
    assert (again.created, again.updated, again.unchanged) == (4, 0, 4)
    assert chunks_sent == [8]  # the whole file at once, compared with the stored rows


def test_a_dry_run_streams_and_keeps_nothing(engagement, chunks_sent):
    from recruiting.services import file_import

    result = file_import(
        actor=None,
        engagement=engagement,
        file=csv_bytes(REQUISITION_HEADER, *lines(7)),
        file_name="requisitions.csv",
        dry_run=True,
    )
    assert result.ok and result.created == 7
    assert chunks_sent == [3, 3, 1]
    assert not Requisition.objects.exists()


def test_copy_goes_binary_for_every_kind_but_costs():
    # Binary COPY has no text for the database to parse; numeric (a cost's amount) is the one
    # type it is not written for, so costs (and market benchmarks' values) stream as CSV. Both
    # paths are compared with the upsert's stored rows in test_write_paths.
    binary = {
        name
        for name, kind in contract.KINDS.items()
        if write.copy_binary_supported(kind, ["engagement_id", *kind.column_names])
    }
    assert binary == set(contract.KINDS) - {"costs", "market_benchmarks"}


@pytest.mark.parametrize(
    ("rows", "sizes"),
    [
        (5, [5]),
        (100_000, [10_000] * 10),
        (1_000_000, [10_000, 20_000, 40_000, 80_000] + [100_000] * 8 + [50_000]),
    ],
)
def test_chunks_are_a_tenth_of_the_file_within_limits_the_first_ones_smaller(
    monkeypatch, rows, sizes
):
    monkeypatch.setattr(read_csv, "STREAM_CHUNK_ROWS", 100_000)
    monkeypatch.setattr(read_csv, "STREAM_MIN_CHUNK_ROWS", 10_000)
    bounds = read_csv.chunk_bounds(rows)
    assert [stop - start for start, stop in bounds] == sizes
    assert bounds[0][0] == 0 and bounds[-1][1] == rows
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))


def test_quoted_line_breaks_commas_and_quotes_across_chunks_are_stored_exactly(
    engagement, chunks_sent
):
    titles = [f'Role {i}, "senior"\nteam {i}' if i % 2 else f"Role {i}" for i in range(10)]
    rows = [f'R{i},"{t.replace(chr(34), chr(34) * 2)}",2025-01-10' for i, t in enumerate(titles)]
    data = ("\r\n".join([REQUISITION_HEADER, *rows]) + "\r\n").encode()
    table = importing.table_from_bytes(data, "requisitions.csv")
    assert table.parts is not None  # read part by part while it is written
    result = import_bytes(engagement, data, "requisitions.csv")
    assert result.ok, result.errors
    assert chunks_sent == [3, 3, 3, 1]
    stored = dict(Requisition.objects.values_list("external_id", "title"))
    assert stored == {f"R{i}": t for i, t in enumerate(titles)}
    assert result.sample[1] == ["R1", titles[1], "2025-01-10"]


def test_a_quote_inside_a_cell_that_misleads_the_count_still_imports_exactly(
    engagement, chunks_sent
):
    # The quote in R4's title opens nothing for a CSV reader, but counting quote characters
    # puts every later line break inside quotes: the rest of the file is one part.
    rows = lines(10)
    rows[4] = 'R4,The 5" monitor team,2025-01-10'
    result = import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *rows), "requisitions.csv")
    assert result.ok, result.errors
    assert chunks_sent == [3, 7]
    assert Requisition.objects.get(external_id="R4").title == 'The 5" monitor team'
    assert Requisition.objects.count() == 10


def test_a_part_that_ends_inside_a_quoted_cell_is_read_with_the_whole_file(engagement, chunks_sent):
    # After R3's stray quote the count takes the line breaks inside R4's quoted title for
    # ends of rows: that part ends inside quotes, so the file is read and written whole.
    rows = lines(10)
    rows[3] = 'R3,The 5" monitor team,2025-01-10'
    rows[4] = 'R4,"Four\nshort\nlines\nhere",2025-01-10'
    result = import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *rows), "requisitions.csv")
    assert result.ok, result.errors
    assert chunks_sent == [3, 10]  # the first part, rolled back; then the usual path
    assert Requisition.objects.get(external_id="R4").title == "Four\nshort\nlines\nhere"
    assert Requisition.objects.get(external_id="R3").title == 'The 5" monitor team'
    assert Requisition.objects.count() == 10


def test_a_row_past_the_first_chunk_that_breaks_the_csv_writes_nothing(engagement):
    rows = lines(10)
    rows[7] = "R7,Role 7,2025-01-10,extra,cells"
    data = csv_bytes(REQUISITION_HEADER, *rows)
    result = import_bytes(engagement, data, "requisitions.csv")
    assert not result.ok
    assert not Requisition.objects.exists()
    errors = importing.Errors()
    assert read_csv.csv_read(data, errors) is None
    assert reasons(result) == errors.sorted()
    assert reasons(result)[0][2].startswith("Not valid CSV: Expected 3 fields in line 9, saw 5")
