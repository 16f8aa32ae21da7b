"""Reading, validating and writing import files in the format of docs/data-contract.md section 1.

Three steps, each over a whole file at once (pandas), never row by row:

1. `table_from_bytes` / `table_from_records`: a file (CSV or XLSX, told apart by content) or a
   list of JSON records becomes a `Table` of text cells, with file-level errors. A CSV file's
   rows after the first ones are read when first needed, whole or (an engagement's first
   import, `table_stream_write`) a chunk at a time while the chunks before are written.
2. `table_validate`: every rule of the contract for the table's kind (columns, types, enums,
   ranges, date order, defaults, duplicate keys, references to the same engagement) gives a
   normalised frame and every error, each with its row, column and reason.
3. `frame_write`: references become ids (one read of the engagement's ids per referenced kind)
   and the rows go to the table with `COPY`: straight in on the engagement's first import of
   the kind, else through a temporary table and one `INSERT ... ON CONFLICT DO UPDATE ...
   WHERE ... IS DISTINCT FROM`, so unchanged rows are not rewritten.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
from django.conf import settings
from django.db import IntegrityError, connection

from recruiting import models as m
from recruiting import xlsx
from recruiting.import_limits import MAX_COLUMNS, too_many_columns
from rpo_portal.text_rules import FORMULA_REASON, starts_a_formula

# --- The contract's columns -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, email, enum, date, month, bool, int, decimal, ref
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    default: str | None = None
    ref: str | None = None  # the kind a `ref` column points at
    # Accepted, stored and counted, but never shown or served per record (only aggregated).
    private: bool = False


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("external_id",)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        """The columns a record page, an API record or an export may show per record."""
        return tuple(c for c in self.columns if not c.private)


def _id(required: bool = True) -> Column:
    return Column("external_id", "text", required=required, max_length=100)


def _segment() -> tuple[Column, ...]:
    return tuple(
        Column(n, "text", max_length=200) for n in ("department", "location", "job_family")
    )


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "requisitions",
            m.Requisition,
            (
                _id(),
                Column("title", "text", required=True, max_length=300),
                *_segment(),
                Column("priority", "enum", choices=tuple(m.Priority.values), default="normal"),
                Column("openings", "int", minimum=1, default="1"),
                Column("opened_on", "date", required=True),
                Column("on_hold_days", "int", minimum=0, default="0"),
                Column("filled_on", "date"),
                Column("cancelled_on", "date"),
                Column("hiring_manager", "email", max_length=254),
                Column("recruiter", "text", max_length=200),
            ),
        ),
        Kind(
            "applications",
            m.Application,
            (
                _id(),
                Column("requisition_id", "ref", required=True, max_length=100, ref="requisitions"),
                Column("candidate_id", "text", required=True, max_length=100),
                Column("source", "enum", required=True, choices=tuple(m.Source.values)),
                Column("applied_on", "date", required=True),
                Column("screened_on", "date"),
                Column("interviewed_on", "date"),
                Column("offered_on", "date"),
                Column("offer_outcome", "enum", choices=tuple(m.OfferOutcome.values)),
                Column("offer_decided_on", "date"),
                Column("started_on", "date"),
                Column("rejected_on", "date"),
                Column("withdrawn_on", "date"),
                Column("diverse", "bool", private=True),
            ),
        ),
        Kind(
            "surveys",
            m.Survey,
            (
                _id(),
                Column("respondent", "enum", required=True, choices=tuple(m.Respondent.values)),
                Column("requisition_id", "ref", max_length=100, ref="requisitions"),
                Column("application_id", "ref", max_length=100, ref="applications"),
                Column("responded_on", "date", required=True),
                Column("score", "int", required=True, minimum=0, maximum=10),
            ),
        ),
        Kind(
            "quality",
            m.QualityReview,
            (
                _id(),
                Column("application_id", "ref", required=True, max_length=100, ref="applications"),
                Column("reviewed_on", "date", required=True),
                Column("meets_expectations", "bool", required=True),
                Column("rating", "int", minimum=1, maximum=5),
                Column("retained_90d", "bool"),
            ),
        ),
        Kind(
            "costs",
            m.Cost,
            (
                _id(),
                Column("month", "month", required=True),
                Column("category", "enum", required=True, choices=tuple(m.CostCategory.values)),
                Column("amount", "decimal", required=True, minimum=0),
                Column("note", "text"),
            ),
        ),
        Kind(
            "hiring_plan",
            m.HiringPlanLine,
            (
                Column("month", "month", required=True),
                *_segment(),
                Column("planned_hires", "int", required=True, minimum=0),
            ),
            key=("month", "department", "location", "job_family"),
        ),
    )
}
# Column names shown to nobody per record, whatever the kind (an upload's preview included).
PRIVATE_COLUMNS = frozenset(c.name for kind in KINDS.values() for c in kind.columns if c.private)
# References point backwards in this order, so a multi-file upload is written in it.
KIND_ORDER = list(KINDS)
INT_MAX = 2_147_483_647  # PostgreSQL integer
DECIMAL_INTEGER_DIGITS = 12  # numeric(14, 2)


def max_bytes() -> int:
    return settings.RPO_IMPORT_MAX_BYTES


def max_errors() -> int:
    return settings.RPO_IMPORT_MAX_ERRORS


def kind_from_file_name(file_name: str) -> str | None:
    """`requisitions.csv`, `Hiring-Plan.xlsx`, `2026-03 applications.csv` -> the kind."""
    stem = re.sub(r"[^a-z]+", "_", PurePath(file_name or "").stem.lower()).strip("_")
    if stem in KINDS:
        return stem
    for kind in sorted(KINDS, key=len, reverse=True):
        if stem.endswith(kind) or stem.startswith(kind):
            return kind
    return None


def kind_from_header(header: list[str]) -> str | None:
    """The one kind whose columns include every column of the header and all its required ones."""
    names = {h.strip().lower() for h in header}
    fits = [
        k.name
        for k in KINDS.values()
        if names <= set(k.column_names) and {c.name for c in k.columns if c.required} <= names
    ]
    return fits[0] if len(fits) == 1 else None


# --- Errors -------------------------------------------------------------------------------------


@dataclass
class Errors:
    """Every error of a run: all are counted, the first `limit` (by row) are kept with reasons."""

    limit: int = field(default_factory=max_errors)
    items: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    count: int = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, row: int | None, column: str | None, reason: str) -> None:
        self.count += 1
        if len(self.items) < self.limit * 2:
            self.items.append((row, column, reason))

    def add_mask(self, mask: pd.Series, column: str | None, reason: Callable[[Any], str] | str):
        """One error per row where `mask` holds; `reason` may take the row's label."""
        rows = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
        self.count += len(rows)
        room = max(self.limit * 2 - len(self.items), 0)
        for row in rows[:room]:
            self.items.append((int(row), column, reason(row) if callable(reason) else reason))

    def sorted(self) -> list[tuple[int | None, str | None, str]]:
        return sorted(self.items, key=lambda e: (e[0] is not None, e[0] or 0))[: self.limit]


# --- Reading ------------------------------------------------------------------------------------


def _column_names(header: list[str]) -> list[str]:
    """The header's names as columns are known by: case and surrounding spaces do not count."""
    return [h.strip().lower() for h in header]


class Table:
    """Cells as text (None = blank) under lower-cased column names.

    The index is the row number users see: the file's row (header = row 1) or, for JSON
    records, the record's index in the list.

    A CSV file's rows are read when `frame` is first used, or a chunk at a time through
    `chunks` (`_CsvParts`), so that an engagement's first import writes its first rows while
    the later ones are still being read.
    """

    def __init__(
        self,
        header: list[str],
        frame: pd.DataFrame | None,
        errors: Errors,
        from_file: bool = True,
        formula_rows: dict[str, set[int]] | None = None,
        parts: _CsvParts | None = None,
    ):
        self.header = header
        self._frame = frame
        self.errors = errors
        self.from_file = from_file
        # XLSX formula cells (already reported), by column: their blank is not a second error.
        self.formula_rows = formula_rows or {}
        self.parts = parts

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            # The whole file, read as it always is: parts that read on their own give the same
            # cells, and a file whose parts do not is read (or refused) here as a whole.
            read = _csv_read(self.parts.data, self.errors)
            self.header, self._frame = read if read is not None else ([], pd.DataFrame())
            self.parts = None
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame, self.parts = frame, None

    @property
    def columns(self) -> list[str]:
        if self._frame is None:
            return _column_names(self.header)
        return list(self._frame.columns)

    def head(self, rows: int) -> pd.DataFrame:
        """The first rows, without reading the rest of a CSV file when they are at hand."""
        if self._frame is None and len(self.parts.first) >= rows:
            return self.parts.first.head(rows)
        return self.frame.head(rows)

    def chunks(self) -> Iterator[pd.DataFrame | None]:
        """The rows a chunk at a time (`_chunk_bounds`). None stands for a part of a CSV file
        that does not read on its own as in the whole file: `frame` reads the whole file."""
        if self._frame is None:
            yield from self.parts.chunks()
            return
        for start, stop in _chunk_bounds(len(self._frame)):
            yield self._frame.iloc[start:stop]

    @property
    def rows_estimate(self) -> int:
        return len(self._frame) if self._frame is not None else self.parts.rows_estimate


def _empty_table(errors: Errors, from_file: bool = True) -> Table:
    return Table([], pd.DataFrame(), errors, from_file)


def table_from_bytes(data: bytes, file_name: str = "") -> Table:
    """A CSV or XLSX file as a table; the format is told by content, the name must agree."""
    errors = Errors()
    limit = max_bytes()
    if len(data) > limit:
        errors.add(None, None, f"The file is larger than the limit of {limit:,} bytes.")
        return _empty_table(errors)
    # isspace() stops at the first other byte; strip() would copy the whole file first.
    if not data or data.isspace() or data in (codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n"):
        errors.add(None, None, "The file is empty.")
        return _empty_table(errors)
    is_zip = data[:4] == b"PK\x03\x04"
    extension = PurePath(file_name or "").suffix.lower()
    if extension in (".xlsx", ".xlsm") and not is_zip:
        errors.add(
            None,
            None,
            "The file is named .xlsx but is not an Excel workbook (its content is text): "
            "save it as an .xlsx workbook, or name it .csv if it is CSV.",
        )
        return _empty_table(errors)
    if extension == ".csv" and is_zip:
        errors.add(
            None,
            None,
            "The file is named .csv but is not text (it looks like an Excel workbook): "
            "name it .xlsx, or save it as CSV UTF-8.",
        )
        return _empty_table(errors)
    if extension not in ("", ".csv", ".xlsx", ".xlsm", ".txt"):
        errors.add(None, None, f"Files of type {extension} are not accepted: use CSV or XLSX.")
        return _empty_table(errors)
    table = _xlsx_table(data, errors) if is_zip else _csv_table(data, errors)
    _header_check(table)
    return table


# Text columns of pandas 3 (`str`): Arrow strings, whose string methods run in C.
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def _csv_cells(data: bytes) -> pd.DataFrame:
    """Every cell of a CSV file (UTF-8, no BOM, no NUL) as text, the header as the first row.

    pyarrow's reader (several threads, Arrow strings) reads every well-formed file. The files
    it would read otherwise than pandas' C reader (which every file went through before) are
    read by pandas: a row with fewer or more cells than the header (pandas fills the first with
    blanks and refuses the second with its line number), a quoted cell still open at the end
    (pandas refuses it; pyarrow would close it) and a first line that is blank.
    """
    cells = _csv_cells_arrow(data) if not data.startswith((b"\n", b"\r")) else None
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


def _csv_cells_arrow(
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


def _csv_table(data: bytes, errors: Errors) -> Table:
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        # ASCII is UTF-8, and isascii() builds no 100 MB string to tell.
        if not data.isascii():
            data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        errors.add(
            line,
            None,
            f"The file is not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): "
            "save it as CSV UTF-8.",
        )
        return _empty_table(errors)
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        errors.add(line, None, "The file contains a NUL byte: it is not a CSV text file.")
        return _empty_table(errors)
    width_error = too_many_columns(_csv_header_width(data))
    if width_error:
        errors.add(1, None, width_error)
        return _empty_table(errors)
    parts = _csv_parts(data)
    if parts is not None:
        return Table(parts.header, None, errors, parts=parts)
    read = _csv_read(data, errors)
    if read is None:
        return _empty_table(errors)
    return Table(*read, errors)


def _csv_header_width(data: bytes) -> int:
    """How many cells the header row has: its commas, unless some may be quoted and there
    are too many (then the header alone is parsed), before any column is built."""
    header_end = _rows_end(data, 0, 1)
    commas = data.count(b",", 0, header_end)
    if commas < MAX_COLUMNS or b'"' not in data[:header_end]:
        return commas + 1
    line = data[:header_end].decode("utf-8").rstrip("\r\n")
    return len(next(csv.reader([line]), []))


def _csv_read(data: bytes, errors: Errors) -> tuple[list[str], pd.DataFrame] | None:
    """The header and the rows of a whole CSV file (UTF-8, no BOM, no NUL); None if refused."""
    try:
        raw = _csv_cells(data)
    except pd.errors.EmptyDataError:
        errors.add(None, None, "The file is empty.")
        return None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        message = str(exc).replace("Error tokenizing data. C error: ", "").strip()
        found = re.search(r"(?:line|row) (\d+)", message)
        errors.add(int(found.group(1)) if found else None, None, f"Not valid CSV: {message}")
        return None
    return _header_and_rows(raw)


def _header_and_rows(cells: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """A CSV file's first row as its header, the rows after it under their columns and the
    file's row numbers (the header is row 1)."""
    header = [str(h) for h in cells.iloc[0].tolist()]
    rows = cells.iloc[1:]
    rows.columns = _column_names(header)
    rows.index = pd.RangeIndex(2, len(cells) + 1)
    return header, rows


def _rows_end(data: bytes, start: int, rows: int) -> int:
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


class _CsvParts:
    """A CSV file's rows read a part (a chunk of `_chunk_bounds`) at a time.

    Each part starts where the one before ended, after a line break outside quotes as quote
    characters count them. A part reads as in the whole file if it reads cleanly on its own:
    `_csv_cells_arrow` refuses a part that ends inside a quoted cell (where the count was
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
        columns = _column_names(self.header)
        steps = iter(self.steps[1:])
        while start < len(self.data):
            end = _rows_end(self.data, start, next(steps, max(self.steps)))
            cells = _csv_cells_arrow(self.data[start:end], width, threads=False)
            if cells is None or cells.shape[1] != width:
                yield None
                return
            cells.columns = columns
            cells.index = pd.RangeIndex(row, row + len(cells))
            yield cells
            start, row = end, row + len(cells)


def _csv_parts(data: bytes) -> _CsvParts | None:
    """The file's header and first rows, the rest to be read part by part; None when the file
    is better read whole: it is one part, or its first part does not read on its own."""
    if data.startswith((b"\n", b"\r")):
        return None
    # Every file's first chunk is the smallest (`_chunk_bounds`); the rest are planned from
    # the rows the file would have if all were as long as the first ones.
    header_end = _rows_end(data, 0, 1)
    end = _rows_end(data, header_end, STREAM_MIN_CHUNK_ROWS)
    if end >= len(data):
        return None
    cells = _csv_cells_arrow(data[:end])
    if cells is None or len(cells) < 2:
        return None
    estimate = round((len(data) - header_end) * (len(cells) - 1) / (end - header_end))
    steps = [stop - start for start, stop in _chunk_bounds(max(estimate, len(cells)))]
    return _CsvParts(data, *_header_and_rows(cells), end, steps)


def _xlsx_table(data: bytes, errors: Errors) -> Table:
    from openpyxl.utils import get_column_letter

    try:
        sheet = xlsx.sheet_read(data)
    except xlsx.Refused as refusal:
        errors.add(None, None, str(refusal))
        return _empty_table(errors)
    if not sheet.header and not sheet.rows and not sheet.formulas:
        errors.add(None, None, "The file is empty.")
        return _empty_table(errors)
    header, width = sheet.header, len(sheet.header)
    names = _column_names(header)
    formula_rows: dict[str, set[int]] = {}
    for number, position in sheet.formulas:
        name = (
            names[position] if position < width and number > 1 else get_column_letter(position + 1)
        )
        errors.add(number, name, "Formula cells are not accepted: paste the values instead.")
        formula_rows.setdefault(name, set()).add(number)
    for number in sheet.beyond_header:
        errors.add(number, None, "A value is in a column that has no header.")
    frame = pd.DataFrame(sheet.rows, columns=names, dtype=object)
    frame.index = pd.Index(sheet.numbers, dtype=np.int64)
    return Table(header, frame, errors, formula_rows=formula_rows)


def _record_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and np.isfinite(value):
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError


def table_from_records(records: Iterable[Any]) -> Table:
    """JSON records (dicts of column -> string, number, boolean or null) as a table."""
    errors = Errors()
    rows: list[dict[str, str | None]] = []
    header: list[str] = []
    seen: set[str] = set()
    if isinstance(records, dict | str | bytes) or not isinstance(records, Iterable):
        errors.add(None, None, "Expected a list of records.")
        return _empty_table(errors, from_file=False)
    positions: list[int] = []
    count = 0
    for index, record in enumerate(records):
        count += 1
        if not isinstance(record, dict):
            errors.add(index, None, "Each record must be an object of column: value.")
            continue
        width_error = too_many_columns(len(record), f"Record {index}")
        if width_error:
            errors.add(index, None, width_error)
            return _empty_table(errors, from_file=False)
        row: dict[str, str | None] = {}
        for key, value in record.items():
            name = str(key).strip().lower()
            if name not in seen:
                seen.add(name)
                header.append(str(key))
                if len(seen) > MAX_COLUMNS:
                    errors.add(index, None, too_many_columns(len(seen), "The records together"))
                    return _empty_table(errors, from_file=False)
            try:
                row[name] = _record_text(value)
            except TypeError:
                errors.add(index, name, "Must be a string, number, boolean or null.")
                row[name] = None
        rows.append(row)
        positions.append(index)
    if not count:
        errors.add(None, None, "There are no records.")
        return _empty_table(errors, from_file=False)
    columns = _column_names(header)
    frame = pd.DataFrame.from_records(rows, columns=columns, index=positions)
    frame = frame.astype(object).where(frame.notna(), None)
    table = Table(header, frame, errors, from_file=False)
    _header_check(table)
    return table


def _header_check(table: Table) -> None:
    """Header-level problems shared by files and records: blank and repeated names.

    A column with neither a name nor a value (the trailing commas some spreadsheets write) is
    dropped; one with values but no name is an error.
    """
    names = _column_names(table.header)
    row = 1 if table.from_file else None
    keep = []
    first_position: dict[str, int] = {}
    for position, name in enumerate(names):
        first_position.setdefault(name, position)
        if not name:
            cells = table.frame.iloc[:, position]
            if not (cells.notna() & (cells.astype(object) != "")).any():
                continue
            table.errors.add(row, None, f"Column {position + 1} has no name in the header row.")
        elif first_position[name] != position:
            table.errors.add(row, name, "This column appears more than once in the header.")
        keep.append(position)
    if len(keep) < len(names):
        table.header = [table.header[p] for p in keep]
        table.frame = table.frame.iloc[:, keep]


# --- Validation -----------------------------------------------------------------------------

_DATE = r"\d{4}-\d{2}-\d{2}"
_MONTH = r"\d{4}-\d{2}"
_INT = r"-?\d{1,18}"
_DECIMAL = r"-?\d+(?:\.\d+)?"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_BOOLEANS = {"true": "t", "yes": "t", "1": "t", "false": "f", "no": "f", "0": "f"}


@dataclass
class Validated:
    """A kind's normalised cells (text ready for COPY; None = NULL) and what references need."""

    kind: Kind
    frame: pd.DataFrame
    dates: dict[str, pd.Series]
    blank: dict[str, pd.Series]
    from_file: bool = True


def _mask(series: pd.Series) -> pd.Series:
    return series.fillna(False).astype(bool)


_DATE_RE = re.compile(_DATE)
_MONTH_RE = re.compile(_MONTH)
_INT_RE = re.compile(_INT)
_DECIMAL_RE = re.compile(_DECIMAL)
_EMAIL_RE = re.compile(_EMAIL)


@dataclass(frozen=True)
class Cell:
    """What one distinct cell text means in a column."""

    value: str | None = None  # normalised text for COPY
    blank: bool = False
    reason: str | None = None
    date: np.datetime64 = np.datetime64("NaT")  # a date's or month's first day


_NO_VALUE = Cell(blank=True)
# Distinct texts whose check a stream keeps per column (dates, enums and numbers repeat from
# chunk to chunk; ids and free text, which do not, go past the cache or are not checked one
# text at a time).
CHECKS_KEPT = 100_000


def _cell_check(column: Column, text: str) -> Cell:
    """Check one distinct cell text against its column: the rules of one cell."""
    if starts_a_formula(text):
        return Cell(reason=FORMULA_REASON)
    value = text.strip()
    if not value:
        return Cell(blank=True)
    if "\x00" in value:
        return Cell(reason="Contains a NUL character.")
    kind = column.type
    if kind in ("text", "ref", "email"):
        if column.max_length and len(value) > column.max_length:
            return Cell(reason=f"At most {column.max_length} characters.")
        if kind == "email" and not _EMAIL_RE.fullmatch(value):
            return Cell(reason="Not an e-mail address.")
        return Cell(value=value)
    if kind == "enum":
        value = value.lower()
        if value not in column.choices:
            return Cell(reason="Must be one of: " + ", ".join(column.choices) + ".")
        return Cell(value=value)
    if kind in ("date", "month"):
        pattern, suffix, shape = (
            (_DATE_RE, "", "YYYY-MM-DD") if kind == "date" else (_MONTH_RE, "-01", "YYYY-MM")
        )
        try:
            if not pattern.fullmatch(value):
                raise ValueError
            day = dt.date.fromisoformat(value + suffix)
        except ValueError:
            return Cell(reason=f"Not a valid {kind}: expected {shape}.")
        return Cell(value=value + suffix, date=np.datetime64(day, "D"))
    if kind == "bool":
        flag = _BOOLEANS.get(value.lower())
        if flag is None:
            return Cell(reason="Not a boolean: use true/false, yes/no or 1/0.")
        return Cell(value=flag)
    if kind == "int":
        if not _INT_RE.fullmatch(value):
            return Cell(reason="Not a whole number.")
        number = int(value)
        low = column.minimum if column.minimum is not None else -INT_MAX
        high = column.maximum if column.maximum is not None else INT_MAX
        if not low <= number <= high:
            return Cell(reason=_range_reason(low, high))
        return Cell(value=str(number))
    if kind == "decimal":
        if not _DECIMAL_RE.fullmatch(value):
            return Cell(reason="Not a decimal number (e.g. 1234.50).")
        whole, _, fraction = value.lstrip("-").partition(".")
        if len(fraction.rstrip("0")) > 2:
            return Cell(reason="At most 2 decimal places.")
        if len(whole.lstrip("0")) > DECIMAL_INTEGER_DIGITS:
            return Cell(reason=f"At most {DECIMAL_INTEGER_DIGITS} digits before the point.")
        if float(value) < (column.minimum or 0):
            return Cell(reason=f"Must be at least {column.minimum or 0}.")
        return Cell(value=value)
    raise ValueError(column.type)  # pragma: no cover - the column table names every type


# The one cell's rules, for other contracts read with these functions (the SLA schedule).
cell_check = _cell_check


# Every character str.strip() removes, as an RE2 class (pyarrow's regular expressions).
_SPACE = "[" + "".join(f"\\x{{{c:x}}}" for c in range(0x3001) if chr(c).isspace()) + "]"
# A cell that the text rules would change or refuse: a formula character or whitespace
# first, whitespace last, or a NUL anywhere.
_TEXT_NEEDS_A_LOOK = f"^(?:[=+@]|{_SPACE})|{_SPACE}$|\\x00"


def _required_check(column: Column, blank: pd.Series, errors: Errors, table: Table) -> None:
    if column.required:
        formula = blank.index.isin(list(table.formula_rows.get(column.name, ())))
        errors.add_mask(blank & ~formula, column.name, "Required: this cell is blank.")


_EDGE_FIRST = np.zeros(256, dtype=bool)
_EDGE_FIRST[: ord(" ") + 1] = _EDGE_FIRST[0x7F:] = True  # controls, space, DEL, non-ASCII
_EDGE_LAST = _EDGE_FIRST.copy()
_EDGE_FIRST[[ord("="), ord("+"), ord("@")]] = True


def _edges_plain(texts: pa.Array | pa.ChunkedArray) -> bool:
    """True if no cell can need a look, judged from bytes alone (numpy, no per-cell regex).

    Every non-empty cell's first byte is printable ASCII other than = + @ and its last byte
    printable ASCII, and no byte is NUL. Any whitespace str.strip() removes is ASCII or starts
    and ends with a byte over 0x7f, so a False here is only a maybe: the regex then decides.
    """
    for chunk in texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]:
        _, offsets, data = chunk.buffers()
        if data is None or not len(chunk):
            continue
        offsets = np.frombuffer(offsets, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = np.frombuffer(data, dtype=np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if (
            _EDGE_FIRST[data[starts[filled]]].any()
            or _EDGE_LAST[data[ends[filled] - 1]].any()
            or not data[offsets[0] : offsets[-1]].all()
        ):
            return False
    return True


def _longest(texts: pa.Array | pa.ChunkedArray, length: Callable) -> int:
    return pa_compute.max(length(texts)).as_py() or 0


def _longest_object(raw: pd.Series) -> int:
    """The longest text of an object column (XLSX, JSON records), measured without a copy."""
    return max((len(v) for v in raw.array if isinstance(v, str)), default=0)


def _plain_text_column(
    column: Column, raw: pd.Series, errors: Errors, table: Table
) -> tuple[pd.Series, pd.Series, None] | None:
    """The common case of an id or text column, checked at once; None if a cell needs a look.

    The bytes at the cells' edges (or, when they cannot tell, one regular expression over the
    column's Arrow strings) find every cell that starts with a formula character or
    whitespace, ends with whitespace, or holds a NUL; without any, and none too long, the
    cells are their own values.
    """
    if raw.dtype == object and column.max_length and _longest_object(raw) > column.max_length:
        # Checked one distinct value at a time, never copied: an XLSX shared string is one
        # object however many cells refer to it.
        return None
    try:
        texts = pa.array(raw, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a cell that is not text (records): checked one distinct value at a time
    if (
        not _edges_plain(texts)
        and pa_compute.any(pa_compute.match_substring_regex(texts, _TEXT_NEEDS_A_LOOK)).as_py()
    ):
        return None
    # Characters are counted only when there are more bytes than the limit allows characters.
    if (
        column.max_length
        and _longest(texts, pa_compute.binary_length) > column.max_length
        and _longest(texts, pa_compute.utf8_length) > column.max_length
    ):
        return None
    is_blank = pa_compute.fill_null(pa_compute.equal(texts, ""), True)
    blank = pd.Series(is_blank.to_numpy(zero_copy_only=False), index=raw.index)
    _required_check(column, blank, errors, table)
    value = pa_compute.if_else(is_blank, pa.scalar(None, pa.large_string()), texts)
    return pd.Series(value, index=raw.index, dtype=TEXT), blank, None


def _column_parse(
    column: Column,
    raw: pd.Series,
    errors: Errors,
    table: Table,
    checked: dict[str, Cell] | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(normalised text, blank mask, parsed dates or None) of one column, adding its errors.

    Each distinct text is checked once (dates, enums and flags repeat a lot), or found in
    `checked` (the column's checks of the chunks before), and the outcome is spread back to
    the rows by their codes.
    """
    if column.type in ("text", "ref"):
        clean = _plain_text_column(column, raw, errors, table)
        if clean is not None:
            return clean
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    texts = [str(u) for u in uniques.tolist()]
    if checked is None:
        cells = [_cell_check(column, text) for text in texts]
    else:
        cells = [checked.get(text) or _cell_check(column, text) for text in texts]
        if len(checked) < CHECKS_KEPT:
            checked.update(zip(texts, cells, strict=True))
    cells.append(_NO_VALUE)  # code -1: no value at all
    codes[codes < 0] = len(cells) - 1
    index = raw.index

    def spread(values: list, dtype=object) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[codes]

    blank = pd.Series(spread([c.blank for c in cells], bool), index=index)
    reasons = {c.reason for c in cells if c.reason}
    # A blank cell takes the column's default (or stays blank, None).
    if not reasons and all(
        c.blank or c.value == text for c, text in zip(cells[:-1], texts, strict=True)
    ):
        # Every value is its own text (dates, enums, numbers as written): no copy needed.
        value = pa_compute.if_else(
            pa.array(blank.to_numpy()),
            pa.scalar(column.default, pa.large_string()),
            pa.array(raw, type=pa.large_string(), from_pandas=True),
        )
    else:
        values = [column.default if c.blank else c.value for c in cells]
        value = pa.array(values, pa.large_string()).take(codes)
    value = pd.Series(value, index=index, dtype=TEXT)
    if reasons:
        reason_of = pd.Series(spread([c.reason for c in cells]), index=index, dtype=object)
        for reason in sorted(reasons):
            errors.add_mask(reason_of == reason, column.name, reason)
    _required_check(column, blank, errors, table)
    dates = None
    if column.type in ("date", "month"):
        dates = pd.Series(spread([c.date for c in cells], "datetime64[D]"), index=index)
    return value, blank, dates


def _range_reason(low: int, high: int) -> str:
    if high == INT_MAX:
        return f"Must be at least {low}."
    if low == -INT_MAX:
        return f"Must be at most {high}."
    return f"Must be from {low} to {high}."


def table_validate(kind_name: str, table: Table) -> Validated | None:
    """Check a table against its kind's columns and row rules; errors go to `table.errors`."""
    kind = KINDS[kind_name]
    frame = _frame_prepare(kind, table, table.errors)
    if frame is None:
        return None
    validated = _rows_validate(kind, frame, table.errors, table)
    _duplicates(validated, table.errors)
    return validated


def _frame_prepare(kind: Kind, table: Table, errors: Errors) -> pd.DataFrame | None:
    """The table's records under the kind's columns, after the header's checks; None if the
    header is unusable or there is no record."""
    frame = table.frame
    if not table.header or not _columns_check(kind, table, errors):
        return None
    frame = _records(frame, table.from_file)
    if frame.shape[0] == 0:
        what = "The file has a header but no rows." if table.from_file else "There are no records."
        errors.add(None, None, what)
        return None
    return frame


def _columns_check(kind: Kind, table: Table, errors: Errors) -> bool:
    """Unknown and missing columns; False when a required one is missing."""
    columns = table.columns
    header_row = 1 if table.from_file else None
    known = set(kind.column_names)
    for name in dict.fromkeys(columns):
        if name and name not in known:
            errors.add(
                header_row,
                name,
                f"Unknown column for {kind.name}; the columns are: "
                + ", ".join(kind.column_names)
                + ".",
            )
    missing = [c.name for c in kind.columns if c.required and c.name not in columns]
    for name in missing:
        errors.add(header_row, name, "Required column is missing.")
    return not missing


def _records(frame: pd.DataFrame, from_file: bool) -> pd.DataFrame:
    """The rows that are records, each column once: rows with no value at all (blank lines,
    empty spreadsheet rows) are not records."""
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if from_file and len(frame.columns):
        # Column by column, stopping at the first that leaves no row empty (usually the
        # first), and no copy of the columns unless a row goes.
        empty_rows = np.ones(len(frame), dtype=bool)
        for position in range(frame.shape[1]):
            cells = frame.iloc[:, position]
            empty_rows &= (cells.isna() | (cells == "")).to_numpy(dtype=bool)
            if not empty_rows.any():
                break
        if empty_rows.any():
            frame = frame[~empty_rows]
    return frame


def _columns_parse(
    columns: Iterable[Column],
    frame: pd.DataFrame,
    errors: Errors,
    table: Table,
    checked: dict[str, dict[str, Cell]] | None = None,
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], dict[str, pd.Series]]:
    """(values, dates, blanks) by column name; a column the file lacks is blank."""
    out: dict[str, pd.Series] = {}
    dates: dict[str, pd.Series] = {}
    blanks: dict[str, pd.Series] = {}
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for column in columns:
        raw = frame[column.name] if column.name in frame.columns else empty
        value, blank, parsed = _column_parse(
            column, raw, errors, table, None if checked is None else checked[column.name]
        )
        out[column.name] = value
        blanks[column.name] = blank
        if parsed is not None:
            dates[column.name] = parsed
    return out, dates, blanks


def _rows_validate(
    kind: Kind,
    frame: pd.DataFrame,
    errors: Errors,
    table: Table,
    checked: dict[str, dict[str, Cell]] | None = None,
) -> Validated:
    """Every rule that one row decides alone (its cells, their order): any slice of the rows
    gets the same errors for its rows as the whole table. `checked` keeps each column's
    checks of distinct texts from one slice to the next."""
    out, dates, blanks = _columns_parse(kind.columns, frame, errors, table, checked)
    validated = Validated(
        kind, pd.DataFrame(out, index=frame.index), dates, blanks, table.from_file
    )
    _row_rules(validated, errors)
    return validated


def _before(dates: dict[str, pd.Series], later: str, earlier: str) -> pd.Series:
    return _mask(dates[later] < dates[earlier])


def _row_rules(v: Validated, errors: Errors) -> None:
    d, blank, frame = v.dates, v.blank, v.frame
    if v.kind.name == "requisitions":
        for column in ("filled_on", "cancelled_on"):
            errors.add_mask(
                _before(d, column, "opened_on"), column, "Must be on or after opened_on."
            )
        both = ~blank["filled_on"] & ~blank["cancelled_on"]
        errors.add_mask(both, "cancelled_on", "A requisition cannot be both filled and cancelled.")
    elif v.kind.name == "applications":
        previous = d["applied_on"]
        for column in ("screened_on", "interviewed_on", "offered_on"):
            bad = _mask(d[column] < previous)
            errors.add_mask(
                bad, column, "Must be on or after applied_on and every earlier stage given."
            )
            previous = d[column].fillna(previous)
        for column in ("rejected_on", "withdrawn_on"):
            errors.add_mask(
                _before(d, column, "applied_on"), column, "Must be on or after applied_on."
            )
        outcome = frame["offer_outcome"]
        has_outcome = ~blank["offer_outcome"]
        errors.add_mask(has_outcome & blank["offered_on"], "offer_outcome", "Needs offered_on.")
        errors.add_mask(
            has_outcome & blank["offer_decided_on"],
            "offer_decided_on",
            "Required when offer_outcome is given.",
        )
        errors.add_mask(
            ~has_outcome & ~blank["offer_decided_on"],
            "offer_decided_on",
            "Needs offer_outcome.",
        )
        errors.add_mask(
            _before(d, "offer_decided_on", "offered_on"),
            "offer_decided_on",
            "Must be on or after offered_on.",
        )
        started = ~blank["started_on"]
        errors.add_mask(
            started & ~_mask(outcome == m.OfferOutcome.ACCEPTED),
            "started_on",
            "A start date needs offer_outcome accepted.",
        )
        errors.add_mask(
            _before(d, "started_on", "offer_decided_on"),
            "started_on",
            "Must be on or after offer_decided_on.",
        )
    elif v.kind.name == "surveys":
        score = pd.to_numeric(frame["score"], errors="coerce")
        respondent = frame["respondent"]
        manager = _mask(respondent == m.Respondent.HIRING_MANAGER) & _mask(
            (score < 1) | (score > 5)
        )
        errors.add_mask(manager, "score", "A hiring manager's score is from 1 to 5.")


def _key_frame(v: Validated) -> pd.DataFrame:
    return v.frame[list(v.kind.key)].fillna("")


def _all_distinct(values: pd.Series) -> bool:
    """Whether no two values (blanks aside) are the same, told by sorting them in Arrow.

    Nearly every file has no duplicate id, and often they come sorted (a look at neighbours
    then tells at once); pandas' `duplicated` of Arrow strings takes several times as long,
    and so do Arrow's hash-based `unique` and `count_distinct`.
    """
    ids = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.drop_null()
    if len(ids) < 2:
        return True
    if not pa_compute.all(pa_compute.greater(ids[1:], ids[:-1])).as_py():
        ids = ids.take(pa_compute.sort_indices(ids))
        return not pa_compute.any(pa_compute.equal(ids[1:], ids[:-1])).as_py()
    return True


def _duplicates(v: Validated, errors: Errors) -> None:
    if v.kind.key == ("external_id",) and _all_distinct(v.frame["external_id"]):
        return
    keys = _key_frame(v)
    usable = ~(keys == "").all(axis=1)
    if v.kind.key == ("external_id",):
        usable = keys["external_id"] != ""
    keys = keys[usable]
    duplicated = keys.duplicated(keep="first")
    if not duplicated.any():
        return
    first_row = keys.index.to_series().groupby([keys[c] for c in keys.columns]).transform("first")
    column = v.kind.key[0] if len(v.kind.key) == 1 else "month"
    what = "external_id" if len(v.kind.key) == 1 else "month, department, location and job_family"
    label = "row" if v.from_file else "record"
    errors.add_mask(
        duplicated.reindex(v.frame.index, fill_value=False),
        column,
        lambda row: f"Duplicate: the same {what} as {label} {first_row[row]}.",
    )


# --- References -------------------------------------------------------------------------------


def _copy_out(cursor, select: str, params: list) -> bytes:
    """The rows of a query as CSV, through COPY (much faster than fetching tuples)."""
    buffer = io.BytesIO()
    query = cursor.mogrify(f"COPY ({select}) TO STDOUT (FORMAT csv)", params)
    cursor.copy_expert(query.decode(), buffer)
    return buffer.getvalue()


def _stored_keys(kind_name: str, engagement_id: int, cursor) -> pd.DataFrame:
    """external_id, id and, for applications, whether it is a hire, of an engagement's
    records of a kind: one read serves both the reference checks and the ids to write."""
    table = KINDS[kind_name].model._meta.db_table
    names = ["external_id", "id"] + (["hire"] if kind_name == "applications" else [])
    hire = ", started_on IS NOT NULL" if kind_name == "applications" else ""
    data = _copy_out(
        cursor,
        f"SELECT external_id, id{hire} FROM {table} WHERE engagement_id = %s",  # noqa: S608
        [engagement_id],
    )
    stored = pa_csv.read_csv(
        io.BytesIO(data or b"\n"),
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={"external_id": pa.large_string(), "id": pa.int64(), "hire": pa.bool_()},
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=False,
        ),
    )
    return pd.DataFrame(
        {
            name: pd.Series(column, dtype=TEXT if name == "external_id" else None)
            for name, column in zip(names, stored.columns, strict=True)
        }
    )


def engagement_ids(engagement_id: int, kind_name: str) -> pd.DataFrame:
    """external_id, id (and, for applications, whether it is a hire) of an engagement's
    records."""
    with connection.cursor() as cursor:
        return _stored_keys(kind_name, engagement_id, cursor)


def _isin(values: pd.Series, ids: pd.Series) -> pd.Series:
    """Which values are among the ids (blank: no), in Arrow (pandas' isin of Arrow strings
    loops over the ids in Python)."""
    found = pa_compute.is_in(
        pa.array(values, type=pa.large_string(), from_pandas=True),
        value_set=pa.array(ids, type=pa.large_string(), from_pandas=True),
        skip_nulls=True,
    )
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)


def references_check(
    validated: Validated,
    errors: Errors,
    engagement_id: int,
    upload: dict[str, Validated],
    stored: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Every `*_id` names a record of the same engagement, in this upload or imported before.

    `stored`: the engagement's records by kind (`engagement_ids`) when read already; else
    they are read when the upload does not have them all. A row's errors depend only on its
    own cells, so a slice of the rows gets the errors the whole table gets for them.
    """
    cache: dict[str, pd.DataFrame] = stored if stored is not None else {}
    for column in validated.kind.columns:
        if column.type != "ref":
            continue
        values = validated.frame[column.name]
        present = values.notna()
        if not present.any():
            continue
        known = pd.Series(False, index=values.index)
        hire = pd.Series(False, index=values.index)
        target = upload.get(column.ref)
        if target is not None:
            ids = target.frame["external_id"]
            known |= _isin(values, ids)
            if column.ref == "applications":
                hires = ids[target.frame["started_on"].notna()]
                hire |= _isin(values, hires)
        if not known[present].all() or (
            validated.kind.name == "quality" and not hire[present].all()
        ):
            if column.ref not in cache:
                cache[column.ref] = engagement_ids(engagement_id, column.ref)
            stored = cache[column.ref]
            # A record in this upload replaces the stored one: its hire status wins.
            in_upload = known.copy()
            known |= _isin(values, stored["external_id"])
            if column.ref == "applications":
                stored_hires = stored["external_id"][stored["hire"].to_numpy(dtype=bool)]
                hire |= ~in_upload & _isin(values, stored_hires)
        singular = column.ref.removesuffix("s")
        missing = present & ~known
        errors.add_mask(
            missing,
            column.name,
            lambda row, c=column.name, s=singular: (
                f"No {s} {validated.frame.loc[row, c]!r} in this engagement."
            ),
        )
        if validated.kind.name == "quality":
            errors.add_mask(
                present & known & ~hire,
                column.name,
                "The application is not a hire (it has no started_on).",
            )


# --- Writing ----------------------------------------------------------------------------------

_SQL_TYPES = {
    "text": "text",
    "email": "text",
    "enum": "text",
    "ref": "bigint",
    "date": "date",
    "month": "date",
    "bool": "boolean",
    "int": "bigint",
    "decimal": "numeric",
}


def _ref_ids(column: Column, values: pd.Series, stored: pd.DataFrame) -> pa.Array:
    """The database ids of the records a reference column names (null where it is blank);
    `stored`: the referenced kind's `_stored_keys`."""
    names = pa.array(values, type=pa.large_string(), from_pandas=True)
    known = pa.array(stored["external_id"], type=pa.large_string(), from_pandas=True)
    ids = pa.array(stored["id"], type=pa.int64()).take(pa_compute.index_in(names, value_set=known))
    if ids.null_count != names.null_count:
        # The references were checked under the engagement's import lock: a bug if it happens.
        raise IntegrityError(f"{column.name}: a reference no longer resolves.")
    return ids


def _ref_columns(kind: Kind) -> list[Column]:
    return [c for c in kind.columns if c.type == "ref"]


def _refs_as_ids(validated: Validated, stored: dict[str, pd.DataFrame]) -> dict[str, pa.Array]:
    """Each reference column's ids, from the referenced kinds' `_stored_keys`."""
    return {
        c.name: _ref_ids(c, validated.frame[c.name], stored[c.ref])
        for c in _ref_columns(validated.kind)
    }


def _stored_rows(
    validated: Validated, engagement_id: int, ref_ids: dict[str, pa.Array]
) -> pa.Table:
    """The rows as the table stores them (text, ids for references and the engagement).

    References become the ids of the records they name (`ref_ids`, by column); a blank text
    cell of a column that is not nullable becomes "".
    """
    frame = validated.frame
    model = validated.kind.model
    names = ["engagement_id"]
    arrays = [pa.array(np.full(len(frame), engagement_id, dtype=np.int64))]
    for c in validated.kind.columns:
        values = frame[c.name]
        if c.type == "ref":
            array = ref_ids[c.name]
        else:
            array = pa.array(values, type=pa.large_string(), from_pandas=True)
            if not model._meta.get_field(c.name).null:
                array = pa_compute.fill_null(array, "")
        names.append(c.name)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names)


def _unchanged(kind: Kind, rows: pa.Table, engagement_id: int, cursor) -> pa.Array:
    """Which rows the engagement already stores exactly so: they need no write.

    The stored records come back through one COPY in the same text forms the rows have
    (PostgreSQL writes dates as YYYY-MM-DD and booleans as t/f) and are compared column by
    column in Arrow. Only a shortcut: a row it misses (say `1234.5` against a stored
    `1234.50`) goes through the upsert, whose `IS DISTINCT FROM` leaves it alone and counts it
    unchanged.
    """
    names = kind.column_names
    table = kind.model._meta.db_table
    data = _copy_out(
        cursor,
        f"SELECT {', '.join(names)} FROM {table} WHERE engagement_id = %s",  # noqa: S608
        [engagement_id],
    )
    stored = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={
                c.name: pa.int64() if c.type == "ref" else pa.large_string() for c in kind.columns
            },
            # COPY writes NULL as an empty field and "" quoted.
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )

    def key(columns: pa.Table) -> pa.Array:
        parts = [columns[k] for k in kind.key]
        return (
            parts[0]
            if len(parts) == 1
            else pa_compute.binary_join_element_wise(*parts, pa.scalar("\0", pa.large_string()))
        )

    position = pa_compute.index_in(key(rows), value_set=key(stored))
    same = pa_compute.is_valid(position)
    for name in names:
        if name in kind.key:
            continue
        ours, theirs = rows[name], stored[name].take(position)
        equal = pa_compute.fill_null(pa_compute.equal(ours, theirs), False)
        both_null = pa_compute.and_(pa_compute.is_null(ours), pa_compute.is_null(theirs))
        same = pa_compute.and_(same, pa_compute.or_(equal, both_null))
    return same


def _copy_data(rows: pa.Table) -> bytes:
    """The rows as `COPY ... FROM STDIN (FORMAT csv)` reads them."""
    buffer = io.BytesIO()
    # Text quoted ("" is an empty text; COPY reads an unquoted empty field as NULL).
    pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue()


# COPY's binary format: the database parses no text (dates above all), about a fifth of its
# work for a COPY into the applications table. A header (signature, flags, extension length),
# each row as its field count then each field as its length (-1: NULL) and bytes, all
# big-endian, and a trailer of -1.
COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_BINARY_TRAILER = b"\xff\xff"
_PG_EPOCH_DAYS = 10_957  # 2000-01-01, from which binary dates count, in days since 1970-01-01
_BINARY_WIDTHS = {
    "ForeignKey": 8,
    "BigIntegerField": 8,
    "IntegerField": 4,
    "PositiveIntegerField": 4,
    "SmallIntegerField": 2,
    "PositiveSmallIntegerField": 2,
    "DateField": 4,
    "BooleanField": 1,
}
_BINARY_TEXT = {"CharField", "EmailField", "TextField"}


def _field_types(kind: Kind, names: list[str]) -> list[str]:
    return [kind.model._meta.get_field(name).get_internal_type() for name in names]


def copy_binary_supported(kind: Kind, names: list[str]) -> bool:
    """Whether `_copy_binary` can write these columns (not numeric: costs go as CSV)."""
    return all(t in _BINARY_WIDTHS or t in _BINARY_TEXT for t in _field_types(kind, names))


def _as_binary(packed: np.ndarray, width: int) -> pa.Array:
    """Fixed-width records (a numpy array of `width` bytes each) as an Arrow binary array."""
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(packed), [None, pa.py_buffer(packed)]
    )
    return fixed.cast(pa.large_binary())


def _binary_field(field_type: str, array: pa.Array) -> list[pa.Array]:
    """One column as two pieces of each row: the field's length, then its bytes."""
    if field_type in _BINARY_TEXT:
        data = array.cast(pa.large_binary())
        lengths = pa_compute.fill_null(pa_compute.binary_length(data), -1)
        return [_as_binary(lengths.to_numpy().astype(">i4"), 4), pa_compute.fill_null(data, b"")]
    width = _BINARY_WIDTHS[field_type]
    if field_type == "DateField":
        values = array.cast(pa.date32()).cast(pa.int32())
    elif field_type == "BooleanField":
        values = pa_compute.equal(array, "t").cast(pa.int8())
    else:
        values = array.cast(pa.int64())
    valid = pa_compute.is_valid(values).to_numpy(zero_copy_only=False)
    numbers = pa_compute.fill_null(values, 0).to_numpy(zero_copy_only=False)
    if field_type == "DateField":
        numbers = numbers - _PG_EPOCH_DAYS
    offsets = np.zeros(len(numbers) + 1, dtype=np.int64)
    np.cumsum(valid * width, out=offsets[1:])
    data = numbers[valid].astype(f">i{width}")
    value = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(numbers), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return [_as_binary(np.where(valid, width, -1).astype(">i4"), 4), value]


def _copy_binary(kind: Kind, rows: pa.Table) -> bytes:
    """The rows as `COPY ... FROM STDIN (FORMAT binary)` reads them, without header and
    trailer (the stream sends those once). Built column by column in Arrow and numpy."""
    pieces = [_as_binary(np.full(rows.num_rows, rows.num_columns, dtype=">i2"), 2)]
    for field_type, name in zip(
        _field_types(kind, rows.column_names), rows.column_names, strict=True
    ):
        pieces += _binary_field(field_type, rows.column(name).combine_chunks())
    joined = pa_compute.binary_join_element_wise(*pieces, pa.scalar(b"", pa.large_binary()))
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    start, end = offsets[joined.offset], offsets[joined.offset + len(joined)]
    return joined.buffers()[2][start:end].to_pybytes()


def _first_import(kind: Kind, engagement_id: int, cursor) -> bool:
    table = kind.model._meta.db_table
    cursor.execute(
        f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE engagement_id = %s)",  # noqa: S608
        [engagement_id],
    )
    return cursor.fetchone()[0]


def frame_write(validated: Validated, engagement_id: int) -> tuple[int, int, int]:
    """Upsert the rows: (created, updated, unchanged). Run inside a transaction.

    The engagement's first import of a kind is COPYed straight into the table (nothing to
    compare with, and the duplicate check has proved every key new). Later imports COPY the
    rows that differ from the stored ones into a temporary table and upsert from there.
    """
    kind = validated.kind
    table = kind.model._meta.db_table
    total = len(validated.frame)
    with connection.cursor() as cursor:
        first_import = _first_import(kind, engagement_id, cursor)
        stored = {c.ref: _stored_keys(c.ref, engagement_id, cursor) for c in _ref_columns(kind)}
        rows = _stored_rows(validated, engagement_id, _refs_as_ids(validated, stored))
        if not first_import:
            rows = rows.filter(pa_compute.invert(_unchanged(kind, rows, engagement_id, cursor)))
            if not rows.num_rows:
                return 0, 0, total
        payload = _copy_data(rows)
        columns = ", ".join(rows.column_names)
        if first_import:
            # created_at and updated_at: the columns' default, now() of this transaction.
            # The error of a refused row as Django's (copy_expert is not wrapped as execute is).
            with connection.wrap_database_errors:
                cursor.copy_expert(
                    f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)", io.BytesIO(payload)
                )
            return total, 0, 0
        staging = f"import_{kind.name}"
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} (engagement_id bigint, "  # noqa: S608
            + ", ".join(f"{c.name} {_SQL_TYPES[c.type]}" for c in kind.columns)
            + ") ON COMMIT DROP"
        )
        cursor.copy_expert(
            f"COPY {staging} ({columns}) FROM STDIN (FORMAT csv)", io.BytesIO(payload)
        )
        changing = [name for name in kind.column_names if name not in kind.key]
        # Identifiers only, all from the column table above.
        cursor.execute(
            f"WITH upserted AS (INSERT INTO {table} ({columns}, created_at, updated_at) "  # noqa: S608
            f"SELECT {columns}, now(), now() FROM {staging} "
            f"ON CONFLICT ({', '.join(('engagement_id', *kind.key))}) DO UPDATE SET "
            + ", ".join(f"{t} = EXCLUDED.{t}" for t in changing)
            + ", updated_at = EXCLUDED.updated_at"
            + f" WHERE ({', '.join(f'{table}.{t}' for t in changing)}) IS DISTINCT FROM "
            + f"({', '.join(f'EXCLUDED.{t}' for t in changing)})"
            + " RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FROM upserted"
        )
        created, written = cursor.fetchone()
        cursor.execute(f"DROP TABLE {staging}")
    return created, written - created, total - written


# --- A first import, validated while it is written ---------------------------------------------

# Rows per chunk (`_chunk_bounds`): a tenth of the file, at least the minimum (the per-call
# cost of pandas stays small against the rows) and at most the maximum (memory).
STREAM_CHUNK_ROWS = 100_000
STREAM_MIN_CHUNK_ROWS = 10_000


class Rejected(Exception):
    """A row of a streamed import is invalid: `table_validate` must report every error."""


class _ChunkReader:
    """The file COPY reads: bytes that a producer thread puts on a queue, chunk after chunk.

    It raises what the producer raised (psycopg2 then aborts the COPY with an error of its
    own, so the reason is kept in `failure`) and reports each chunk taken to `on_chunk`.
    """

    def __init__(self, items: queue.Queue, on_chunk: Callable[[], None]):
        self.items = items
        self.on_chunk = on_chunk
        self.buffer = b""
        self.offset = 0
        self.done = False
        self.failure: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        while self.offset >= len(self.buffer) and not self.done:
            item = self.items.get()
            if isinstance(item, BaseException):
                self.failure = item
                raise item
            if item is None:
                self.done = True
            else:
                self.buffer, self.offset = item, 0
                self.on_chunk()
        size = len(self.buffer) if size is None or size < 0 else size
        data = self.buffer[self.offset : self.offset + size]
        self.offset += len(data)
        return data


def _produce(chunks: Iterator[bytes], items: queue.Queue, stop: threading.Event) -> None:
    """Put each chunk on the queue (then None), or the exception that ended them."""

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        for chunk in chunks:
            if not put(chunk):
                return
        put(None)
    except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
        put(exc)


def _chunk_bounds(rows: int) -> list[tuple[int, int]]:
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


def table_stream_write(
    kind_name: str,
    table: Table,
    engagement_id: int,
    progress: Callable[[float], None] = lambda done: None,
) -> tuple[Validated, tuple[int, int, int]] | None:
    """Validate a file and COPY it into an engagement's empty table at once, all or nothing.

    Run inside a transaction that holds the engagement's import lock. After the header's
    checks, a thread validates and serialises chunk after chunk while the database inserts
    the previous ones (PostgreSQL's work for the COPY is the larger share, and runs on the
    other core). Each chunk gets the rules one row decides alone (`_rows_validate`) and its
    references (against the engagement's records, read before the COPY); duplicate ids, the
    one check that needs every row, runs after the last chunk, before the COPY may end. So a
    file is written exactly when `table_validate` and `references_check` find nothing.

    Returns the validated keys (a `Validated` whose frame holds only the key columns) with
    the counts, or None when the engagement has rows of the kind already (the upsert path is
    for those). Raises `Rejected` at the first error: the caller rolls back and runs the
    whole-file validation, which reports every error as it always does.
    """
    kind = KINDS[kind_name]
    errors = Errors(limit=1)
    with connection.cursor() as cursor:
        if not _first_import(kind, engagement_id, cursor):
            return None
        if not _columns_check(kind, table, errors):
            raise Rejected
        # The connection is the COPY's from here on: the chunks' thread needs these read now.
        stored = {c.ref: _stored_keys(c.ref, engagement_id, cursor) for c in _ref_columns(kind)}
        columns = ["engagement_id", *kind.column_names]
        binary = copy_binary_supported(kind, columns)
        keys: list[pd.DataFrame] = []
        checked: dict[str, dict[str, Cell]] = {c.name: {} for c in kind.columns}
        # The share of the rows sent once the database has taken each chunk.
        done = [0.0]

        def chunks() -> Iterator[bytes]:
            if binary:
                yield COPY_BINARY_HEADER
            rows_read = 0
            for cells in table.chunks():
                if cells is None:
                    raise Rejected
                rows_read += len(cells)
                frame = _records(cells, table.from_file)
                if frame.empty:
                    continue
                validated = _rows_validate(kind, frame, errors, table, checked)
                references_check(validated, errors, engagement_id, {}, stored)
                if errors:
                    raise Rejected
                keys.append(validated.frame[list(kind.key)])
                rows = _stored_rows(validated, engagement_id, _refs_as_ids(validated, stored))
                done.append(rows_read / max(table.rows_estimate, 1))
                yield _copy_binary(kind, rows) if binary else _copy_data(rows)
            if not keys:
                raise Rejected  # a header and no rows
            _duplicates(Validated(kind, pd.concat(keys), {}, {}, table.from_file), errors)
            if errors:
                raise Rejected
            if binary:
                yield COPY_BINARY_TRAILER

        taken = [0]

        def on_chunk() -> None:
            progress(min(done[min(taken[0], len(done) - 1)], 1.0))
            taken[0] += 1

        items: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()
        producer = threading.Thread(
            target=_produce, args=(chunks(), items, stop), name="import-chunks", daemon=True
        )
        reader = _ChunkReader(items, on_chunk)
        producer.start()
        try:
            with connection.wrap_database_errors:
                cursor.copy_expert(
                    f"COPY {kind.model._meta.db_table} ({', '.join(columns)}) FROM STDIN "
                    f"(FORMAT {'binary' if binary else 'csv'})",
                    reader,
                    1 << 20,  # bytes per read
                )
        except Exception:
            if reader.failure is not None:
                raise reader.failure from None
            raise
        finally:
            stop.set()
            producer.join()
    keys_frame = pd.concat(keys)
    return Validated(kind, keys_frame, {}, {}, table.from_file), (len(keys_frame), 0, 0)
