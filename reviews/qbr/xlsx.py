"""The Excel pack (XlsxWriter): one sheet per part, headers frozen, numbers formatted in their
KPI's unit, statuses as words on their colour, and a native line chart per KPI with its target.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import xlsxwriter

from charts.svg import STATUS_COLOURS, STATUS_WORDS
from kpis.registry import KPI_BY_KEY
from reviews.qbr.content import (
    DATE,
    DATETIME,
    MONEY,
    NUMBER,
    PERCENT,
    STATUS,
    VALUE,
    PackContent,
    Table,
)
from rpo_portal.text_rules import spreadsheet_cell

UNIT_FORMATS = {
    "days": '0.0" d"',
    "percent": '0.0"%"',
    "currency": "#,##0.00",
    "score": "0.0",
    "rating": "0.00",
    "count": "0",
}
CHART_ROWS = 16  # rows each chart takes beside the table
STATUS_FILLS = dict(STATUS_COLOURS)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.subtitle = book.add_format({"italic": True, "font_color": "#5f6b7a"})
        self.heading = book.add_format(
            {"bold": True, "bg_color": "#e6edf3", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.text = book.add_format({"valign": "top"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.number = book.add_format({"num_format": "#,##0"})
        self.percent = book.add_format({"num_format": '0.0"%"'})
        self.money = book.add_format({"num_format": "#,##0.00"})
        # One date style everywhere (7 Dec 2026); moments in UTC, to the minute.
        self.date = book.add_format({"num_format": "d mmm yyyy"})
        self.moment = book.add_format({"num_format": 'd mmm yyyy, hh:mm "UTC"'})
        self.units = {unit: book.add_format({"num_format": f}) for unit, f in UNIT_FORMATS.items()}
        self.statuses = {
            key: book.add_format({"bg_color": colour, "font_color": "#ffffff", "bold": True})
            for key, colour in STATUS_FILLS.items()
        }


def write_text(sheet, row: int, col: int, text: str, fmt=None) -> None:
    """Text is always written as a string, never parsed as a formula, number or URL."""
    sheet.write_string(row, col, spreadsheet_cell(text), fmt)


def _write_cell(sheet, formats: _Formats, row: int, col: int, kind: str, unit: str, value) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None)
    elif kind == STATUS:
        write_text(sheet, row, col, STATUS_WORDS.get(value, value), formats.statuses.get(value))
    elif kind == VALUE:
        sheet.write_number(row, col, value, formats.units.get(KPI_BY_KEY[unit].unit))
    elif kind == PERCENT:
        sheet.write_number(row, col, value, formats.percent)
    elif kind == MONEY:
        sheet.write_number(row, col, value, formats.money)
    elif kind == NUMBER:
        sheet.write_number(row, col, value, formats.number)
    elif kind == DATE:
        sheet.write_datetime(row, col, date.fromisoformat(value), formats.date)
    elif kind == DATETIME:
        moment = datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
        sheet.write_datetime(row, col, moment, formats.moment)
    else:
        write_text(sheet, row, col, str(value), formats.wrap if len(str(value)) > 40 else None)


def _write_table(sheet, formats: _Formats, table: Table, top: int) -> int:
    """Writes the title, header and rows from row `top`; returns the header's row."""
    write_text(sheet, top, 0, table.title, formats.subtitle)
    header = top + 1
    for col, column in enumerate(table.columns):
        write_text(sheet, header, col, column.heading, formats.heading)
    for i, row in enumerate(table.rows):
        unit = table.units[i] if table.units else ""
        for col, (column, value) in enumerate(zip(table.columns, row, strict=True)):
            _write_cell(sheet, formats, header + 1 + i, col, column.kind, unit, value)
    return header


def _widths(sheet, tables: list[Table]) -> None:
    widths: dict[int, int] = {}
    for table in tables:
        for col, column in enumerate(table.columns):
            widths[col] = max(widths.get(col, 0), column.width)
    for col, width in widths.items():
        sheet.set_column(col, col, width)


def _charts(book, sheet, sheet_name: str, table: Table, header: int, charts) -> None:
    """A native line chart per KPI: the months' values and the target as a second line."""
    anchor_col = len(table.columns) + 1
    for n, chart in enumerate(charts):
        first, last = header + 1 + chart.first, header + 1 + chart.last
        unit = KPI_BY_KEY[chart.kpi].unit
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": KPI_BY_KEY[chart.kpi].name,
                "categories": [sheet_name, first, 1, last, 1],
                "values": [sheet_name, first, 2, last, 2],
                "marker": {"type": "circle", "size": 5},
                "line": {"color": "#0172ad", "width": 2},
            }
        )
        if chart.target is not None:  # a KPI without an agreed target draws its values only
            line.add_series(
                {
                    "name": "Target",
                    "categories": [sheet_name, first, 1, last, 1],
                    "values": [sheet_name, first, 3, last, 3],
                    "line": {"color": "#1e7b34", "dash_type": "dash", "width": 1.5},
                }
            )
        line.set_title({"name": chart.title, "name_font": {"size": 11}})
        line.set_y_axis({"num_format": UNIT_FORMATS.get(unit, "General")})
        line.set_legend({"position": "bottom"})
        line.show_blanks_as("gap")
        line.set_size({"width": 560, "height": 300})
        sheet.insert_chart(header + n * CHART_ROWS, anchor_col, line)


def build_xlsx(content: PackContent) -> bytes:
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties(
        {
            "title": content.meta["title"],
            "company": content.meta["parties"],
            "created": _fixed_created(content),
        }
    )
    formats = _Formats(book)
    sheets: dict[str, list] = {}
    for section in content.sections:
        sheets.setdefault(section.sheet, []).append(section)
    for name, sections in sheets.items():
        sheet = book.add_worksheet(name)
        tables = [t for s in sections for t in s.tables]
        # The main table goes first so its header can be frozen under the pack's title.
        tables.sort(key=lambda t: not t.primary)
        write_text(sheet, 0, 0, content.meta["title"], formats.title)
        write_text(sheet, 1, 0, content.meta["subtitle"], formats.subtitle)
        top = 3
        for table in tables:
            header = _write_table(sheet, formats, table, top)
            if table.primary and top == 3:
                sheet.freeze_panes(header + 1, 1)
                sheet.autofilter(
                    header, 0, header + max(len(table.rows), 1), len(table.columns) - 1
                )
            charts = [c for s in sections for c in s.charts if c.table == table.key]
            if charts:
                _charts(book, sheet, name, table, header, charts)
            top = header + len(table.rows) + 3
        _widths(sheet, tables)
    book.close()
    return output.getvalue()


def _fixed_created(content: PackContent):
    """The file's creation date is the pack's, so one snapshot always gives the same file."""
    from datetime import datetime

    return datetime.fromisoformat(content.meta["generated_at"])
