"""Random rows and random files never crash the importer and never commit part of a file."""

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recruiting import contract, importing
from recruiting.importing import read_csv
from recruiting.services import file_import, records_import

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KIND = st.sampled_from(list(contract.KINDS))
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
        for name, kind in contract.KINDS.items()
    }


@st.composite
def records(draw):
    kind = draw(KIND)
    columns = contract.KINDS[kind].column_names
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
    header = contract.KINDS[kind].column_names
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
        cells = read_csv.csv_cells(data)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError):
        assert pandas_cells(data) == "refused"
        return
    ours = cells.astype(object).where(cells.notna(), None).to_numpy().tolist()
    assert ours == pandas_cells(data)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.one_of(st.none(), st.text(max_size=6), PLAUSIBLE), min_size=1, max_size=12)
)
def test_text_columns_checked_at_once_as_each_cell_alone(texts):
    """A text column, checked at once (bytes at the cells' edges, one regular expression),
    gives every cell the value and the error the rule of one cell gives it."""
    note = contract.KINDS["costs"].column("note")
    table = importing.table_from_records(
        [
            {"external_id": f"C{i}", "month": "2025-01", "category": "travel", "amount": "1"}
            | {"note": text}
            for i, text in enumerate(texts)
        ]
    )
    validated = importing.table_validate("costs", table)
    alone = [importing.cell_check(note, text) for text in texts if text is not None]
    errors = {row: reason for row, column, reason in table.errors.sorted() if column == "note"}
    given = list(zip([i for i, text in enumerate(texts) if text is not None], alone, strict=True))
    assert errors == {row: cell.reason for row, cell in given if cell.reason}
    values = validated.frame["note"].astype(object)
    for row, cell in given:
        if not cell.reason:
            assert (None if pd.isna(values[row]) else values[row]) == cell.value


def cells_of(frame: pd.DataFrame) -> tuple[list, list, list]:
    return (
        list(frame.columns),
        list(frame.index),
        frame.astype(object).where(frame.notna(), None).to_numpy().tolist(),
    )


def read_in_parts_as_whole(data: bytes) -> None:
    """A CSV file read part by part (three rows a part here, see conftest) gives the cells of
    reading it whole, or a part says it cannot be read on its own."""
    table = importing.table_from_bytes(data, "f.csv")
    errors = importing.Errors()
    whole = read_csv.csv_read(data.removeprefix(b"\xef\xbb\xbf"), errors)
    if table.parts is None:
        return
    chunks = list(table.chunks())
    if all(chunk is not None for chunk in chunks):
        assert whole is not None
        assert table.header == whole[0]
        assert cells_of(pd.concat(chunks)) == cells_of(whole[1])
        assert table.rows_estimate >= 1
    # Either way the whole table is the whole file's, or refused as the whole file is.
    frame = table.frame
    if whole is None:
        assert table.header == [] and frame.empty
        assert table.errors.sorted() == errors.sorted()
    else:
        assert table.header == whole[0]
        assert cells_of(frame) == cells_of(whole[1])


CELL_TEXT = st.text(alphabet=st.sampled_from('ab ,"\n\r'), max_size=6)


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELL_TEXT, min_size=3, max_size=3), min_size=4, max_size=14),
    quote_all=st.booleans(),
    crlf=st.booleans(),
)
def test_well_formed_csv_read_in_parts_is_read_as_whole(rows, quote_all, crlf):
    """Quoted cells with commas, quotes and line breaks, across the parts' borders."""
    end = "\r\n" if crlf else "\n"
    lines = [
        ",".join(quoted(c) if quote_all or set(c) & set(',"\n\r') else c for c in row)
        for row in [["a", "b", "c"], *rows]
    ]
    data = (end.join(lines) + end).encode()
    read_in_parts_as_whole(data)
    table = importing.table_from_bytes(data, "f.csv")
    if table.parts is not None:
        assert all(chunk is not None for chunk in table.chunks())


MESSY_CELL = st.one_of(CELL_TEXT.map(quoted), st.text(alphabet=st.sampled_from('ab "'), max_size=4))
THREE_CELLS = st.lists(MESSY_CELL, min_size=3, max_size=3)
MESSY_LINE = st.tuples(
    st.one_of(*[THREE_CELLS] * 8, st.lists(MESSY_CELL, min_size=1, max_size=4)).map(",".join),
    st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", ""]),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(lines=st.lists(MESSY_LINE, min_size=4, max_size=14), tail=st.sampled_from(["", '"', "\n"]))
def test_any_csv_read_in_parts_is_read_as_whole(lines, tail):
    """Stray quotes, ragged rows, blank lines, bare carriage returns, a quote left open."""
    read_in_parts_as_whole(("a,b,c\n" + "".join(lines) + tail).encode())


def rows_end_by_hand(data: bytes, start: int, rows: int) -> int:
    quoted = False
    for position in range(start, len(data)):
        if data[position] == ord('"'):
            quoted = not quoted
        elif data[position] == ord("\n") and not quoted:
            rows -= 1
            if rows == 0:
                return position + 1
    return len(data)


ROW_BYTES = st.lists(
    st.sampled_from([b'"', b'"', b"\n", b"\n", b"\r", b",", b"a" * 50, b"b" * 300]), max_size=80
).map(b"".join)


@settings(max_examples=500, deadline=None)
@given(data=ROW_BYTES, rows=st.integers(1, 6), skip=st.integers(0, 5))
# A quoted cell open across a window boundary: closed in the next window, or never.
@example(data=b'\n"' + b"b" * 300 + b'"\n\n', rows=2, skip=0)
@example(data=b'\n\n"' + b"b" * 300 + b"\n\n", rows=2, skip=1)
def test_where_rows_end_is_counted_as_by_hand(data, rows, skip):
    """`_rows_end` (numpy over windows that grow, quote parity carried between them) finds the
    line break that a byte-by-byte count of quotes and line breaks finds."""
    start = rows_end_by_hand(data, 0, skip) if skip else 0
    assert read_csv.rows_end(data, start, rows) == rows_end_by_hand(data, start, rows)
