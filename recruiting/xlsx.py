"""Reading the first sheet of an XLSX upload within bounds.

A workbook is a ZIP of XML parts, and a few kilobytes of it can expand to gigabytes: a part
that inflates a thousandfold, one shared string of millions of characters that every cell
refers to, or one cell per row in the sheet's last column (XFD), which a reader that pads
rows to the used range turns into 16,384 cells per row. So, before openpyxl parses anything:

1. the uncompressed size of every part and of all together is bounded (`ZipInfo.file_size`:
   Python's zipfile never yields more than a part declares, and checks its CRC);
2. every run of text between two tags, in every part, is bounded by the bytes the longest
   allowed cell can take (a streamed scan of the inflated bytes, numpy over 1 MB at a time).

The sheet is then read by openpyxl's streaming worksheet parser, which gives the cells a row
holds, not the padded rectangle: a cell right of the header's width is only looked at (a
value there is reported), never stored.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl.utils import get_column_letter

from recruiting.import_limits import (
    CELL_MAX_CHARACTERS,
    MAX_COLUMNS,
    XML_BYTES_PER_CHARACTER,
    too_long_cell,
    too_many_columns,
    xlsx_max_uncompressed_bytes,
)

# An XML part is scanned this many bytes at a time.
SCAN_BYTES = 1 << 20


class Refused(Exception):
    """The workbook cannot be read within bounds (or at all); the message says why."""


@dataclass
class Sheet:
    """The first sheet's cells as text, within the header's width."""

    header: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)  # each row's number (the header is 1)
    formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, column position)
    beyond_header: list[int] = field(default_factory=list)  # rows with a value right of it
    characters: int = 0  # of every cell read: a shared string counts at each reference


def cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def expansion_check(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that expands beyond the bound, as a whole or in one part."""
    limit = xlsx_max_uncompressed_bytes()
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > limit or total > limit:
            raise Refused(
                f"The workbook expands to more than {limit:,} bytes once uncompressed "
                "(RPO_IMPORT_XLSX_EXPANSION times the largest file accepted): "
                "save it again without unused content, or import it as CSV."
            )


def longest_text_run_within(part, limit: int) -> bool:
    """Whether no run of bytes between two `<` in the stream `part` is longer than `limit`."""
    run = 0
    while chunk := part.read(SCAN_BYTES):
        opens = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == ord("<"))
        if not len(opens):
            run += len(chunk)
        else:
            if run + int(opens[0]) > limit:
                return False
            if len(opens) > 1 and int(np.diff(opens).max()) - 1 > limit:
                return False
            run = len(chunk) - int(opens[-1]) - 1
        if run > limit:
            return False
    return True


def text_runs_check(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook holding a text longer than any cell may be, before it is parsed."""
    limit = CELL_MAX_CHARACTERS * XML_BYTES_PER_CHARACTER
    for info in archive.infolist():
        if info.file_size <= limit:
            continue  # a part this small holds no run this long
        with archive.open(info) as part:
            if not longest_text_run_within(part, limit):
                raise Refused(too_long_cell("The workbook"))


def _first_sheet(data: bytes):
    """(an open workbook reader, a streaming parser of its first worksheet), or None if the
    workbook has no worksheet.

    openpyxl's reader, step by step as `load_workbook(read_only=True)` runs it, except that
    the sheets are not opened: a read-only sheet parses its whole XML on opening to find its
    size when the file does not state it. Then openpyxl's own streaming parser of that sheet
    (what `iter_rows` runs), used for the cells each row holds rather than padded rows.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=False)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            book = reader.wb
            parser = WorkSheetParser(
                reader.archive.open(rel.target),
                reader.shared_strings,
                data_only=False,
                epoch=book.epoch,
                date_formats=book._date_formats,
                timedelta_formats=book._timedelta_formats,
            )
            return reader, parser
    return reader, None


def _header(cells: list[dict], sheet: Sheet) -> int:
    """Fill the sheet's header from row 1's cells; its width (up to the last named column)."""
    texts: dict[int, str] = {}
    for cell in cells:
        if cell["data_type"] == "f":
            sheet.formulas.append((1, cell["column"] - 1))
            continue
        text = cell_text(cell["value"])
        if text is not None and len(text) > CELL_MAX_CHARACTERS:
            raise Refused(too_long_cell("The header row"))
        if text and text.strip():
            texts[cell["column"] - 1] = text
    width = max(texts, default=-1) + 1
    error = too_many_columns(width)
    if error:
        raise Refused(error)
    sheet.header = [texts.get(position, "") for position in range(width)]
    return width


def _body_row(number: int, cells: list[dict], width: int, sheet: Sheet) -> None:
    values: list[str | None] = [None] * width
    beyond = False
    for cell in cells:
        position = cell["column"] - 1
        if cell["data_type"] == "f":
            sheet.formulas.append((number, position))
            continue
        text = cell_text(cell["value"])
        if text is not None:
            if len(text) > CELL_MAX_CHARACTERS:
                raise Refused(too_long_cell(f"Row {number}"))
            sheet.characters += len(text)
        if position < width:
            values[position] = text
        elif text not in (None, ""):
            if position >= MAX_COLUMNS:
                # The column limit holds for every row: refused at the first such cell.
                raise Refused(
                    f"Row {number} has a value in column {get_column_letter(position + 1)}: "
                    f"at most {MAX_COLUMNS} columns are accepted."
                )
            beyond = True
    if beyond:
        sheet.beyond_header.append(number)
    if beyond or any(v not in (None, "") for v in values):
        sheet.rows.append(values)
        sheet.numbers.append(number)


def _text_bound(sheet: Sheet, number: int) -> None:
    # One shared string may be referred to by every cell: the text the cells stand for is
    # bounded as the file's uncompressed size is.
    limit = xlsx_max_uncompressed_bytes()
    if sheet.characters > limit:
        raise Refused(
            f"By row {number} the sheet's cells hold more than {limit:,} characters "
            "(RPO_IMPORT_XLSX_EXPANSION times the largest file accepted)."
        )


def sheet_read(data: bytes) -> Sheet:
    """The first sheet of an XLSX file, within the bounds above; `Refused` says why not."""
    reader = None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expansion_check(archive)
            text_runs_check(archive)
        reader, parser = _first_sheet(data)
        if parser is None:
            raise Refused("The workbook has no sheet.")
        sheet = Sheet(header=[])
        with parser.source:
            width, last = 0, 0
            for number, cells in parser.parse():
                if number <= last:
                    continue  # a row out of order: openpyxl's reader skips it too
                last = number
                if number == 1:
                    width = _header(cells, sheet)
                else:
                    _body_row(number, cells, width, sheet)
                    _text_bound(sheet, number)
        return sheet
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed workbook is the user's error
        raise Refused(f"The file is not a readable XLSX workbook ({type(exc).__name__}).") from None
    finally:
        if reader is not None:
            reader.archive.close()
