"""Reading an import: a CSV or XLSX file, or JSON records, as a `Table` of text cells.

A file (told CSV or XLSX by content) or a list of JSON records becomes a `Table` of text
cells, with file-level errors. A CSV file's rows after the first ones are read when first
needed, whole or (an engagement's first import, `stream.table_stream_write`) a chunk at a time
while the chunks before are written.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

from recruiting import xlsx
from recruiting.import_limits import MAX_COLUMNS, too_many_columns
from recruiting.importing.errors import Errors, max_bytes
from recruiting.importing.read_csv import (
    CsvParts,
    chunk_bounds,
    column_names,
    csv_header_width,
    csv_parts,
    csv_read,
)


class Table:
    """Cells as text (None = blank) under lower-cased column names.

    The index is the row number users see: the file's row (header = row 1) or, for JSON
    records, the record's index in the list.

    A CSV file's rows are read when `frame` is first used, or a chunk at a time through
    `chunks` (`CsvParts`), so that an engagement's first import writes its first rows while
    the later ones are still being read.
    """

    def __init__(
        self,
        header: list[str],
        frame: pd.DataFrame | None,
        errors: Errors,
        from_file: bool = True,
        formula_rows: dict[str, set[int]] | None = None,
        parts: CsvParts | None = None,
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
            read = csv_read(self.parts.data, self.errors)
            self.header, self._frame = read if read is not None else ([], pd.DataFrame())
            self.parts = None
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame, self.parts = frame, None

    @property
    def columns(self) -> list[str]:
        if self._frame is None:
            return column_names(self.header)
        return list(self._frame.columns)

    def head(self, rows: int) -> pd.DataFrame:
        """The first rows, without reading the rest of a CSV file when they are at hand."""
        if self._frame is None and len(self.parts.first) >= rows:
            return self.parts.first.head(rows)
        return self.frame.head(rows)

    def chunks(self) -> Iterator[pd.DataFrame | None]:
        """The rows a chunk at a time (`chunk_bounds`). None stands for a part of a CSV file
        that does not read on its own as in the whole file: `frame` reads the whole file."""
        if self._frame is None:
            yield from self.parts.chunks()
            return
        for start, stop in chunk_bounds(len(self._frame)):
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
    width_error = too_many_columns(csv_header_width(data))
    if width_error:
        errors.add(1, None, width_error)
        return _empty_table(errors)
    parts = csv_parts(data)
    if parts is not None:
        return Table(parts.header, None, errors, parts=parts)
    read = csv_read(data, errors)
    if read is None:
        return _empty_table(errors)
    return Table(*read, errors)


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
    names = column_names(header)
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
    columns = column_names(header)
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
    names = column_names(table.header)
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
