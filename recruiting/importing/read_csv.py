"""Reading a CSV file's cells: whole, or a part (a chunk of rows) at a time.

The cells come as Arrow strings (pyarrow's reader) or, for the files pyarrow would read
otherwise than pandas' C reader, as pandas reads them. A file of several chunks is planned
from its first rows (`csv_parts`) so that an engagement's first import writes its first rows
while the later ones are still being read.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from recruiting.import_limits import MAX_COLUMNS
from recruiting.importing.errors import Errors

# Rows per chunk (`chunk_bounds`): a tenth of the file, at least the minimum (the per-call
# cost of pandas stays small against the rows) and at most the maximum (memory).
STREAM_CHUNK_ROWS = 100_000
STREAM_MIN_CHUNK_ROWS = 10_000


def column_names(header: list[str]) -> list[str]:
    """The header's names as columns are known by: case and surrounding spaces do not count."""
    return [h.strip().lower() for h in header]


# Text columns of pandas 3 (`str`): Arrow strings, whose string methods run in C.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def csv_cells(data: bytes) -> pd.DataFrame:
    """Every cell of a CSV file (UTF-8, no BOM, no NUL) as text, the header as the first row.

    pyarrow's reader (several threads, Arrow strings) reads every well-formed file. The files
    it would read otherwise than pandas' C reader (which every file went through before) are
    read by pandas: a row with fewer or more cells than the header (pandas fills the first with
    blanks and refuses the second with its line number), a quoted cell still open at the end
    (pandas refuses it; pyarrow would close it) and a first line that is blank.
    """
    cells = csv_cells_arrow(data) if not data.startswith((b"\n", b"\r")) else None
    if cells is not None:
        return cells
    return pd.read_csv(
        io.BytesIO(data),
        header=None,
        dtype=object,
        encoding="utf-8",
        keep_default_na=False,
        na_filter=False,
        skip_blank_lines=False,
        engine="c",
    )


def csv_cells_arrow(
    data: bytes, width: int | None = None, threads: bool = True
) -> pd.DataFrame | None:
    # A last line of one NUL (which the file cannot hold) after the file: a row of one cell if
    # the file ends outside quotes, else swallowed by the cell left open.
    sentinel = b"\x00" if data.endswith((b"\n", b"\r")) else b"\n\x00"
    refused = []

    def refuse(row) -> str:
        refused.append(row.text)
        return "skip"

    # An upper bound of the number of columns, so that none is read as anything but text.
    if width is None:
        width = data.count(b",", 0, data.find(b"\n")) + 1
    try:
        cells = pa_csv.read_csv(
            io.BytesIO(data + sentinel),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=threads),
            parse_options=pa_csv.ParseOptions(
                newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=refuse
            ),
            convert_options=pa_csv.ConvertOptions(
                check_utf8=False,
                column_types={f"f{i}": pa.large_string() for i in range(width)},
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if any(t != pa.large_string() for t in cells.schema.types):
        return None
    if cells.num_columns == 1 and not refused and cells.column(0)[-1].as_py() == "\x00":
        cells = cells.slice(0, cells.num_rows - 1)
    elif refused != ["\x00"]:
        return None
    return pd.DataFrame(
        {i: pd.Series(column, dtype=TEXT) for i, column in enumerate(cells.columns)}
    )


def csv_header_width(data: bytes) -> int:
    """How many cells the header row has: its commas, unless some may be quoted and there
    are too many (then the header alone is parsed), before any column is built."""
    header_end = rows_end(data, 0, 1)
    commas = data.count(b",", 0, header_end)
    if commas < MAX_COLUMNS or b'"' not in data[:header_end]:
        return commas + 1
    line = data[:header_end].decode("utf-8").rstrip("\r\n")
    return len(next(csv.reader([line]), []))


def csv_read(data: bytes, errors: Errors) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the rows of a whole CSV file (UTF-8, no BOM, no NUL); None if refused."""
    try:
        raw = csv_cells(data)
    except pd.errors.EmptyDataError:
        errors.add(None, None, "The file is empty.")
        return None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        message = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        found = re.search(r"(?:line|row) (\d+)", message)
        errors.add(int(found.group(1)) if found else None, None, f"Not valid CSV: {message}")
        return None
    return header_and_rows(raw)


def header_and_rows(cells: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """A CSV file's first row as its header, the rows after it under their columns and the
    file's row numbers (the header is row 1)."""
    header = [str(h) for h in cells.iloc[0].tolist()]
    rows = cells.iloc[1:]
    rows.columns = column_names(header)
    rows.index = pd.RangeIndex(2, len(cells) + 1)
    return header, rows


def rows_end(data: bytes, start: int, rows: int) -> int:
    """Where `rows` rows from `start` (where a row starts) end: after the rows-th line break
    outside quotes (after an even number of quote characters from `start`), or at the end."""
    view = np.frombuffer(data, dtype=np.uint8)
    quotes = 0  # their parity since `start`
    window = max(rows, 1) * 128
    while start < len(data):
        part = view[start : start + window]
        breaks = np.flatnonzero(part == ord("\n"))
        if data.find(b'"', start, start + len(part)) != -1:
            # Counted modulo 256 (uint8), which keeps the parity.
            counted = np.cumsum(part == ord('"'), dtype=np.uint8)
            breaks = breaks[(counted[breaks] + quotes) % 2 == 0]
            quotes = (quotes + int(counted[-1])) % 2
        elif quotes:
            breaks = breaks[:0]  # the whole window is inside a quoted cell
        if len(breaks) >= rows:
            return start + int(breaks[rows - 1]) + 1
        rows -= len(breaks)
        start += len(part)
        window *= 2
    return len(data)


class CsvParts:
    """A CSV file's rows read a part (a chunk of `chunk_bounds`) at a time.

    Each part starts where the one before ended, after a line break outside quotes as quote
    characters count them. A part reads as in the whole file if it reads cleanly on its own:
    `csv_cells_arrow` refuses a part that ends inside a quoted cell (where the count was
    misled by a quote inside a cell) or has a row of another width, and those parts stand as
    None in `chunks`, after which the whole file must be read (`Table.frame`).
    """

    def __init__(self, data: bytes, header: list[str], first: pd.DataFrame, end: int, steps):
        self.data = data
        self.header = header
        self.first = first
        self.end = end
        self.steps = steps
        self.rows_estimate = sum(steps)

    def chunks(self) -> Iterator[pd.DataFrame | None]:
        yield self.first
        start, row, width = self.end, 2 + len(self.first), len(self.header)
        columns = column_names(self.header)
        steps = iter(self.steps[1:])
        while start < len(self.data):
            end = rows_end(self.data, start, next(steps, max(self.steps)))
            cells = csv_cells_arrow(self.data[start:end], width, threads=False)
            if cells is None or cells.shape[1] != width:
                yield None
                return
            cells.columns = columns
            cells.index = pd.RangeIndex(row, row + len(cells))
            yield cells
            start, row = end, row + len(cells)


def csv_parts(data: bytes) -> CsvParts | None:
    """The file's header and first rows, the rest to be read part by part; None when the file
    is better read whole: it is one part, or its first part does not read on its own."""
    if data.startswith((b"\n", b"\r")):
        return None
    # Every file's first chunk is the smallest (`chunk_bounds`); the rest are planned from
    # the rows the file would have if all were as long as the first ones.
    header_end = rows_end(data, 0, 1)
    end = rows_end(data, header_end, STREAM_MIN_CHUNK_ROWS)
    if end >= len(data):
        return None
    cells = csv_cells_arrow(data[:end])
    if cells is None or len(cells) < 2:
        return None
    estimate = round((len(data) - header_end) * (len(cells) - 1) / (end - header_end))
    steps = [stop - start for start, stop in chunk_bounds(max(estimate, len(cells)))]
    return CsvParts(data, *header_and_rows(cells), end, steps)


def chunk_bounds(rows: int) -> list[tuple[int, int]]:
    """(start, stop) of each chunk: a tenth of the rows within the limits, the first ones
    smaller so that the database starts as early as it can. Each is at most twice the one
    before: the thread makes a chunk in less than half the time the database takes to insert
    one, so the database never waits for the next."""
    size = min(STREAM_CHUNK_ROWS, max(STREAM_MIN_CHUNK_ROWS, rows // 10))
    bounds, start, step = [], 0, min(size, STREAM_MIN_CHUNK_ROWS)
    while start < rows:
        bounds.append((start, min(start + step, rows)))
        start, step = start + step, min(step * 2, size)
    return bounds
