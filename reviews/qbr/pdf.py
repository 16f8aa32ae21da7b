"""The PDF pack (WeasyPrint, A4 landscape): the cover, then each section's sentences, tables
and the dashboard's trend charts; page numbers and both parties' names on every page."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from charts.svg import STATUS_WORDS, Point, trend_chart
from kpis.templatetags.kpis_tags import kpi_amount
from reviews.heatmap import heat_map_svg
from reviews.qbr.content import (
    DATE,
    DATETIME,
    MONEY,
    NUMBER,
    PERCENT,
    STATUS,
    VALUE,
    PackContent,
    Section,
    Table,
)
from reviews.qbr.sections import format_kpi
from rpo_portal import formats


def _cell(kind: str, unit: str, value, currency: str = "") -> dict:
    if value is None or value == "":
        return {"text": "—" if kind != "text" else "", "status": ""}
    if kind == STATUS:
        return {"text": STATUS_WORDS.get(value, value), "status": value}
    if kind == VALUE:
        return {"text": format_kpi(value, unit, currency), "status": "", "number": True}
    if kind == PERCENT:
        return {"text": formats.percent(value), "status": "", "number": True}
    if kind == MONEY:
        return {"text": formats.money(value), "status": "", "number": True}
    if kind == NUMBER:
        return {"text": formats.plain(value), "status": "", "number": True}
    if kind == DATE:
        return {"text": formats.day(value), "status": ""}
    if kind == DATETIME:
        return {"text": formats.moment(value), "status": ""}
    text = str(value)
    # Words break between words only; a token too long for any column (a long key, a URL)
    # may break anywhere rather than run out of its cell.
    return {"text": text, "status": "", "long": any(len(w) > LONGEST_WORD for w in text.split())}


# About how many characters of the tables' type fit across the page.
LINE_CHARS = 165
LONGEST_WORD = 28  # a longer word may break across lines (every KPI key is shorter)


def _widths(headings: list[str], rows: list[list[dict]], wanted: list[int]) -> list[str]:
    """Column widths in per cent, worked out here so the PDF's tables can use the fixed
    layout (the automatic one measures every cell's text before placing any): each column
    first gets its longest word (of its heading or cells), then what is left of the line goes
    to the columns that want more (the Excel widths), in proportion."""
    need = []
    for col, heading in enumerate(headings):
        cells = max((len(word) for row in rows for word in row[col]["text"].split()), default=0)
        title = max(len(word) for word in [*heading.split(), ""]) * 1.2  # bold is wider
        need.append(min(max(cells, title), LONGEST_WORD) + 4)
    spare = max(LINE_CHARS - sum(need), 0)
    more = [max(w - n, 0) for w, n in zip(wanted, need, strict=True)]
    widths = [
        n + (spare * m / sum(more) if sum(more) else 0) for n, m in zip(need, more, strict=True)
    ]
    total = sum(widths)
    return [f"{100 * w / total:.2f}" for w in widths]


def _table(table: Table, currency: str = "") -> dict:
    rows = []
    for i, row in enumerate(table.rows):
        unit = table.units[i] if table.units else ""
        rows.append([_cell(table.kind(i, col), unit, v, currency) for col, v in enumerate(row)])
    headings = [c.heading for c in table.columns]
    return {
        "title": table.title,
        "headings": headings,
        "widths": _widths(headings, rows, [c.width for c in table.columns]),
        "rows": rows,
    }


def _charts(section: Section):
    for chart in section.charts:
        table = section.table(chart.table)
        points = [
            Point(formats.period(row[1]), row[2], row[4])
            for row in table.rows[chart.first : chart.last + 1]
        ]
        svg = trend_chart(
            points,
            chart_id=f"qbr-{chart.kpi}",
            title=chart.title,
            fmt=lambda v, chart=chart: kpi_amount(v, chart.kpi, chart.currency),
            target=chart.target,
            threshold=chart.threshold,
            width=480,
            height=160,
            with_table=False,
        )
        yield {"title": chart.title, "svg": svg}


# The site styles the heat map's text from its stylesheet; a PDF's SVG takes only its own
# <style> (the site's pages allow no inline style, the PDF has no such rule).
HEAT_MAP_STYLE = (
    "<style>text { font-family: 'DejaVu Sans', sans-serif; font-size: 12px; fill: #1f2933; } "
    ".count { font-weight: bold; font-size: 18px; fill: #000; } "
    ".level { font-size: 10px; fill: #000; }</style>"
)


def _heat_map(grid: list[list[int]]) -> str:
    return mark_safe(heat_map_svg(grid).replace("<title", HEAT_MAP_STYLE + "<title", 1))  # noqa: S308 - our own markup


def pack_html(content: PackContent) -> str:
    # An amount (cost per hire, its target) shows its currency; packs frozen before the
    # currency was kept in their facts show the figure alone.
    currency = content.meta.get("currency", "")
    sections = [
        {
            "key": s.key,
            "title": s.title,
            "paragraphs": s.paragraphs,
            # A trend section's numbers are in its charts; the table would run for pages.
            "tables": [_table(t, currency) for t in s.tables if t.in_pdf] if not s.charts else [],
            "charts": list(_charts(s)),
            "heat_map": _heat_map(s.heat_map) if s.heat_map is not None else "",
        }
        for s in content.sections
    ]
    return render_to_string("reviews/qbr/pack.html", {"meta": content.meta, "sections": sections})


def build_pdf(content: PackContent) -> bytes:
    from weasyprint import HTML

    # A tagged PDF (PDF/UA-1): headings, tables and reading order for screen readers, with
    # the document's language (<html lang>) and title (<title>) in its metadata.
    return HTML(string=pack_html(content)).write_pdf(pdf_variant="pdf/ua-1")
