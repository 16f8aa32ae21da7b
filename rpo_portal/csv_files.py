"""The one CSV dialect of every export (the audit CSV, `export_metrics`, `export_sla`, the QBR
pack's CSV zip): UTF-8 with a byte-order mark, so Excel reads accents and currency signs
right; CRLF line ends and RFC 4180 quoting (a field holding a comma, a double quote or a line
break is quoted, its quotes doubled); every text cell through `spreadsheet_cell`, so no cell
runs as a formula.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from rpo_portal.text_rules import spreadsheet_cell

BOM = "\ufeff"
LINE_END = "\r\n"


class _Line:
    """csv.writer's target that hands each written line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """The file line by line (for streaming), the byte-order mark before the first."""
    writer = csv.writer(_Line(), lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)
    yield BOM
    for row in rows:
        yield writer.writerow([spreadsheet_cell(value) for value in row])


def csv_text(rows: Iterable[Iterable]) -> str:
    """The whole file as text; write it as UTF-8."""
    return "".join(csv_lines(rows))


def csv_value(value):
    """A record's value as a cell: nothing is an empty cell, yes/no stand for booleans, dates
    are ISO 8601; numbers and text as they are (text then through `spreadsheet_cell`)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_table(header: Sequence, rows: Iterable[Sequence]) -> str:
    """A header and its records' rows as the whole file's text."""
    return csv_text([[csv_value(cell) for cell in row] for row in [header, *rows]])
