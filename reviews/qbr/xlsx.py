"""The Excel pack (XlsxWriter): one sheet per part, headers frozen, numbers formatted in their
KPI's unit, statuses as words on their colour, and a native line chart per KPI with its target.
"""

from __future__ import annotations

import io
from dataclasses import replace
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
    TEXT,
    VALUE,
    Column,
    PackContent,
    Table,
)
from rpo_portal.formats import day, rounded
from rpo_portal.text_rules import runs_in_a_spreadsheet

UNIT_FORMATS = {
    "days": '0.0" d"',
    "percent": '0.0"%"',
    "currency": "#,##0.00",
    "score": "0.0",
    "rating": "0.00",
    "count": "0",
}
# The exact value beside one as shown: every decimal it has (up to Excel's 15 digits).
EXACT_FORMATS = {
    "days": '0.0##########" d"',
    "percent": '0.0##########"%"',
    "currency": "#,##0.00########",
    "score": "0.0##########",
    "rating": "0.00##########",
    "count": "0.##########",
}
EXACT = "exact"  # a column kind of the Excel pack only: a KPI value with all its decimals
CHART_ROWS = 16  # rows each chart takes beside the table
STATUS_FILLS = dict(STATUS_COLOURS)


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook, currency: str = ""):
        self.book = book
        self._props: dict[int, dict] = {}
        self._quoted: dict[int | None, object] = {}
        self.title = self.add({"bold": True, "font_size": 14})
        self.subtitle = self.add({"italic": True, "font_color": "#5f6b7a"})
        self.heading = self.add(
            {"bold": True, "bg_color": "#e6edf3", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.text = self.add({"valign": "top"})
        self.wrap = self.add({"text_wrap": True, "valign": "top"})
        self.number = self.add({"num_format": "#,##0"})
        self.percent = self.add({"num_format": '0.0"%"'})
        self.money = self.add({"num_format": "#,##0.00"})
        # One date style everywhere (7 Dec 2026); moments in UTC, to the minute.
        self.date = self.add({"num_format": "d mmm yyyy"})
        self.moment = self.add({"num_format": 'd mmm yyyy, hh:mm "UTC"'})
        units = dict(UNIT_FORMATS)
        if currency:  # an amount (cost per hire, its target and threshold) shows its currency
            units["currency"] = f'"{currency}" #,##0.00'
        self.units = {unit: self.add({"num_format": f}) for unit, f in units.items()}
        exact = dict(EXACT_FORMATS)
        if currency:
            exact["currency"] = f'"{currency}" #,##0.00########'
        self.exact = {unit: self.add({"num_format": f}) for unit, f in exact.items()}
        self.statuses = {
            key: self.add({"bg_color": colour, "font_color": "#ffffff", "bold": True})
            for key, colour in STATUS_FILLS.items()
        }

    def add(self, props: dict):
        fmt = self.book.add_format(props)
        self._props[id(fmt)] = props
        return fmt

    def quoted(self, fmt):
        """`fmt` with the quote prefix: the cell shows its text as written and Excel treats it
        as text, never a formula, even when edited (no apostrophe in the text itself)."""
        key = id(fmt) if fmt is not None else None
        if key not in self._quoted:
            props = self._props.get(key, {}) if key is not None else {}
            self._quoted[key] = self.book.add_format({**props, "quote_prefix": True})
        return self._quoted[key]


# Excel's default row height in points, and how many characters of the default font fit in
# a column of width 1 (about one: column widths are counted in characters).
LINE_HEIGHT = 15
MAX_LINES = 15  # Excel's row height stops at 409 points


def lines_of(text: str, width: float) -> int:
    """About how many lines a wrapped cell's text takes in a column `width` characters wide:
    each paragraph's words laid out greedily, a word longer than the line on lines of its own."""
    usable = max(int(width) - 1, 1)
    total = 0
    for paragraph in text.split("\n"):
        lines, length = 1, 0
        for word in paragraph.split():
            if not length:
                length = len(word)
            elif length + 1 + len(word) <= usable:
                length += 1 + len(word)
            else:
                lines, length = lines + 1, len(word)
            while length > usable:
                lines, length = lines + 1, length - usable
        total += lines
    return total


def write_text(sheet, formats: _Formats, row: int, col: int, text: str, fmt=None) -> None:
    """Text is always written as a string, never parsed as a formula, number or URL; text a
    spreadsheet would run gets the quote prefix (spreadsheet_cell's rule, as a cell format)."""
    if runs_in_a_spreadsheet(text):
        fmt = formats.quoted(fmt)
    sheet.write_string(row, col, text, fmt)


def _write_cell(
    sheet, formats: _Formats, row: int, col: int, kind: str, unit: str, value, shown=False
) -> None:
    if value is None or value == "":
        sheet.write_blank(row, col, None)
    elif kind == STATUS:
        word = STATUS_WORDS.get(value, value)
        write_text(sheet, formats, row, col, word, formats.statuses.get(value))
    elif kind == EXACT:
        sheet.write_number(row, col, value, formats.exact.get(KPI_BY_KEY[unit].unit))
    elif kind == VALUE:
        kpi = KPI_BY_KEY[unit]
        if shown:  # the value as the pack shows it; the CSV keeps the exact one
            value = float(rounded(value, kpi.decimals))
        sheet.write_number(row, col, value, formats.units.get(kpi.unit))
    elif kind == PERCENT:
        sheet.write_number(row, col, value, formats.percent)
    elif kind == MONEY:
        # The amount as the ledger states it: to the cent, half away from zero.
        sheet.write_number(row, col, float(rounded(value, 2)), formats.money)
    elif kind == NUMBER:
        sheet.write_number(row, col, value, formats.number)
    elif kind == DATE:
        sheet.write_datetime(row, col, date.fromisoformat(value), formats.date)
    elif kind == DATETIME:
        moment = datetime.fromisoformat(value).astimezone(UTC).replace(tzinfo=None)
        sheet.write_datetime(row, col, moment, formats.moment)
    else:
        write_text(sheet, formats, row, col, str(value), formats.wrap)


def with_exact_values(table: Table) -> Table:
    """The table as the Excel pack writes it: beside each value written as shown (rounded as
    the contract says) where the pack judges by the value, the exact value in a column headed
    "<heading> (exact)", the other "<heading> (rounded)"."""
    spots = [i for i, c in enumerate(table.columns) if c.exact_beside]
    if not spots:
        return table
    columns, picks = [], []
    for i, column in enumerate(table.columns):
        columns.append(column)
        picks.append(i)
        if column.exact_beside:
            columns[-1] = Column(f"{column.heading} (rounded)", column.kind, column.width, True)
            # Wide enough for every decimal (15 digits, the unit): never "###".
            columns.append(Column(f"{column.heading} (exact)", EXACT, max(column.width, 20)))
            picks.append(i)
    rows = [[row[i] for i in picks] for row in table.rows]
    last_kinds = table.last_kinds if len(picks) == len(table.columns) else []
    return replace(table, columns=columns, rows=rows, last_kinds=last_kinds)


def _write_table(sheet, formats: _Formats, table: Table, top: int, widths: dict) -> int:
    """Writes the title, header and rows from row `top`; returns the header's row. A row
    whose wrapped text takes several lines is made that tall (Excel does not grow a row a
    file sets no height for until someone edits it)."""
    write_text(sheet, formats, top, 0, table.title, formats.subtitle)
    header = top + 1
    for col, column in enumerate(table.columns):
        write_text(sheet, formats, header, col, column.heading, formats.heading)
    _fit_row(sheet, header, [c.heading for c in table.columns], widths)
    for i, row in enumerate(table.rows):
        unit = table.units[i] if table.units else ""
        texts = []
        for col, value in enumerate(row):
            kind = table.kind(i, col)
            shown = table.columns[col].as_shown
            _write_cell(sheet, formats, header + 1 + i, col, kind, unit, value, shown)
            texts.append(str(value) if kind == TEXT and value else "")
        _fit_row(sheet, header + 1 + i, texts, widths)
    return header


def _fit_row(sheet, row: int, texts: list[str], widths: dict) -> None:
    lines = max(lines_of(text, widths[col]) if text else 1 for col, text in enumerate(texts))
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * min(lines, MAX_LINES))


def _widths(tables: list[Table]) -> dict[int, int]:
    widths: dict[int, int] = {}
    for table in tables:
        for col, column in enumerate(table.columns):
            widths[col] = max(widths.get(col, 0), column.width)
    return widths


# Column of each series in a trend table (KPI, month, value, target, status, n, breach).
MONTH_COL, VALUE_COL, TARGET_COL, BREACH_COL = 1, 2, 3, 6
UNIT_WORDS = {
    "days": "Days",
    "percent": "Per cent",
    "currency": "Amount",
    "score": "Score",
    "rating": "Rating",
    "count": "Count",
}


def _charts(book, sheet, sheet_name: str, table: Table, header: int, charts) -> None:
    """A native line chart per KPI: the months' values, and where a monthly target is agreed
    the target and the breach threshold as two dashed lines; both axes titled."""
    anchor_col = len(table.columns) + 1
    has_breach = len(table.columns) > BREACH_COL
    for n, chart in enumerate(charts):
        first, last = header + 1 + chart.first, header + 1 + chart.last
        unit = KPI_BY_KEY[chart.kpi].unit
        months = [sheet_name, first, MONTH_COL, last, MONTH_COL]
        line = book.add_chart({"type": "line"})
        line.add_series(
            {
                "name": KPI_BY_KEY[chart.kpi].name,
                "categories": months,
                "values": [sheet_name, first, VALUE_COL, last, VALUE_COL],
                "marker": {"type": "circle", "size": 5},
                "line": {"color": "#0172ad", "width": 2},
            }
        )
        if chart.target is not None:  # a KPI without an agreed target draws its values only
            line.add_series(
                {
                    "name": "Target",
                    "categories": months,
                    "values": [sheet_name, first, TARGET_COL, last, TARGET_COL],
                    "line": {"color": "#1e7b34", "dash_type": "dash", "width": 1.5},
                }
            )
        if chart.threshold is not None and has_breach:
            line.add_series(
                {
                    "name": "Breach threshold",
                    "categories": months,
                    "values": [sheet_name, first, BREACH_COL, last, BREACH_COL],
                    "line": {"color": "#b42318", "dash_type": "long_dash", "width": 1.5},
                }
            )
        line.set_title({"name": chart.title, "name_font": {"size": 11}})
        line.set_x_axis({"name": "Month", "name_font": {"size": 9, "bold": False}})
        line.set_y_axis(
            {
                "name": UNIT_WORDS.get(unit, "Value")
                + (f" ({chart.currency})" if unit == "currency" and chart.currency else ""),
                "name_font": {"size": 9, "bold": False},
                "num_format": UNIT_FORMATS.get(unit, "General"),
            }
        )
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
    formats = _Formats(book, content.meta.get("currency", ""))
    sheets: dict[str, list] = {}
    for section in content.sections:
        sheets.setdefault(section.sheet, []).append(section)
    for name, sections in sheets.items():
        sheet = book.add_worksheet(name)
        tables = [with_exact_values(t) for s in sections for t in s.tables]
        # The main table goes first so its header can be frozen under the pack's title.
        tables.sort(key=lambda t: not t.primary)
        widths = _widths(tables)
        for col, width in widths.items():
            sheet.set_column(col, col, width)
        write_text(sheet, formats, 0, 0, content.meta["title"], formats.title)
        write_text(sheet, formats, 1, 0, content.meta["subtitle"], formats.subtitle)
        top = 3
        for table in tables:
            header = _write_table(sheet, formats, table, top, widths)
            if top == 3:
                if table.primary:
                    sheet.freeze_panes(header + 1, 1)
                    sheet.autofilter(
                        header, 0, header + max(len(table.rows), 1), len(table.columns) - 1
                    )
                _page_setup(sheet, header, content)
            charts = [c for s in sections for c in s.charts if c.table == table.key]
            if charts:
                _charts(book, sheet, name, table, header, charts)
            top = header + len(table.rows) + 3
    book.close()
    return output.getvalue()


def _page_setup(sheet, header: int, content: PackContent) -> None:
    """Printed as a reader expects: A4 landscape, every column on one page's width (as many
    pages down as it takes), the first table's header repeated on every page, the parties and
    page numbers in the margins."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header)
    sheet.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    parties = content.meta["parties"][:120].replace("&", "&&")
    sheet.set_header(f"&L&8{parties}&R&8&A", {"margin": 0.3})
    sheet.set_footer(f"&L&8Data as of {day(content.meta['as_of'])}&R&8Page &P of &N")


def _fixed_created(content: PackContent):
    """The file's creation date is the pack's, so one snapshot always gives the same file."""
    from datetime import datetime

    return datetime.fromisoformat(content.meta["generated_at"])
