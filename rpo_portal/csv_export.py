"""The one CSV dialect of the exports: the `csv` module's default (comma, double quotes,
CRLF line ends), UTF-8, and every cell through `text_rules.spreadsheet_cell`, so text a
spreadsheet would run arrives quoted as text. Dates are ISO 8601, yes/no stand for booleans and
an empty cell for nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from rpo_portal.text_rules import spreadsheet_cell


def csv_value(value):
    """One cell as the exports write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return value
    return spreadsheet_cell(str(value))


def csv_text(header: Sequence, rows: Iterable[Sequence]) -> str:
    """A header and its rows as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_value(heading) for heading in header])
    writer.writerows([csv_value(cell) for cell in row] for row in rows)
    return buffer.getvalue()
