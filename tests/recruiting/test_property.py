"""Random rows and random files never crash the importer and never commit part of a file."""

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recruiting import importers
from recruiting.services import file_import, records_import

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KIND = st.sampled_from(list(importers.KINDS))
PLAUSIBLE = st.sampled_from(
    [
        "",
        "R1",
        "A1",
        "2025-01-10",
        "2025-02-30",
        "2025-01",
        "true",
        "no",
        "1",
        "0",
        "-1",
        "5",
        "11",
        "12.345",
        "100.5",
        "normal",
        "referral",
        "accepted",
        "candidate",
        "hiring_manager",
        "advertising",
        "a@b.example",
        "=1+1",
        "+x",
        "x" * 120,
    ]
)
CELL = st.one_of(PLAUSIBLE, st.text(max_size=12), st.none(), st.integers(), st.booleans())


def record_counts(engagement) -> dict[str, int]:
    return {
        name: kind.model.objects.filter(engagement=engagement).count()
        for name, kind in importers.KINDS.items()
    }


@st.composite
def records(draw):
    kind = draw(KIND)
    columns = importers.KINDS[kind].column_names
    names = st.one_of(
        st.sampled_from(columns), st.sampled_from([c.upper() for c in columns]), st.text(max_size=6)
    )
    rows = draw(st.lists(st.dictionaries(names, CELL, max_size=8), max_size=8))
    return kind, rows


@pytest.fixture
def seeded(engagement):
    """Some existing records, so references can resolve and upserts can update."""
    data = b"external_id,title,opened_on\nR1,Engineer,2025-01-01\n"
    assert file_import(
        actor=None, engagement=engagement, file=data, file_name="requisitions.csv"
    ).ok
    return engagement


@HYPOTHESIS
@given(case=records())
def test_random_records_never_crash_nor_commit_partly(seeded, case):
    kind, rows = case
    before = record_counts(seeded)
    result = records_import(actor=None, engagement=seeded, kind=kind, rows=rows, source="api")
    after = record_counts(seeded)
    if result.ok:
        assert after[kind] == before[kind] + result.created
        assert result.created + result.updated + result.unchanged == result.rows
    else:
        assert result.errors and after == before
        for error in result.errors:
            assert set(error) == {"index", "field", "reason"} and error["reason"]


def csv_of(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


@HYPOTHESIS
@given(
    kind=KIND,
    body=st.lists(st.lists(st.one_of(PLAUSIBLE, st.text(max_size=8)), max_size=8), max_size=6),
    name=st.sampled_from(["x.csv", "x.xlsx", "x", "requisitions.csv", "costs.csv"]),
)
def test_random_csv_files_never_crash_nor_commit_partly(seeded, kind, body, name):
    header = importers.KINDS[kind].column_names
    before = record_counts(seeded)
    result = file_import(
        actor=None, engagement=seeded, file=csv_of([header, *body]), file_name=name, kind=kind
    )
    if not result.ok:
        assert result.errors and record_counts(seeded) == before


@HYPOTHESIS
@given(data=st.binary(max_size=300), name=st.sampled_from(["f.csv", "f.xlsx", "f", "f.txt"]))
def test_random_bytes_never_crash_nor_commit(seeded, data, name):
    before = record_counts(seeded)
    result = file_import(
        actor=None, engagement=seeded, file=data, file_name=name, kind="requisitions"
    )
    if not result.ok:
        assert result.errors and record_counts(seeded) == before


@HYPOTHESIS
@given(data=st.binary(max_size=200))
def test_random_bytes_inside_a_zip_never_crash(seeded, data):
    before = record_counts(seeded)
    result = file_import(
        actor=None, engagement=seeded, file=b"PK\x03\x04" + data, file_name="f.xlsx", kind="costs"
    )
    assert not result.ok and record_counts(seeded) == before


def pandas_cells(data: bytes) -> list[list[str]] | str:
    """The cells as pandas' C reader gives them (the reader every file used before pyarrow)."""
    try:
        raw = pd.read_csv(
            io.BytesIO(data),
            header=None,
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        return "refused"
    return raw.astype(object).where(raw.notna(), None).to_numpy().tolist()


CSV_TEXT = st.text(alphabet=st.sampled_from('ab ,"\n\r=\t\u00a0é'), max_size=40)


@settings(max_examples=400, deadline=None)
@given(text=CSV_TEXT)
def test_pyarrow_reads_every_csv_as_pandas_did(text):
    data = text.encode()
    if not data.strip():
        return
    try:
        cells = importers._csv_cells(data)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        assert pandas_cells(data) == "refused"
        return
    ours = cells.astype(object).where(cells.notna(), None).to_numpy().tolist()
    assert ours == pandas_cells(data)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text(max_size=6), PLAUSIBLE), max_size=12),
    skip=st.integers(0, 3),
)
def test_plain_edges_never_pass_a_cell_that_needs_a_look(texts, skip):
    """The byte test of text columns only ever lets through what the exact check would."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(["x"] * skip + texts, type=pa.large_string()).slice(skip)
    needs_a_look = [
        t is not None and (t != t.strip() or t.startswith(("=", "+", "@")) or "\x00" in t)
        for t in texts
    ]
    exact = pc.match_substring_regex(array, importers._TEXT_NEEDS_A_LOOK).to_pylist()
    assert [bool(e) for e in exact] == needs_a_look
    if importers._edges_plain(array):
        assert not any(needs_a_look)
