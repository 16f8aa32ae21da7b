"""The pack's three files, opened as a reader would, checked against the database."""

import csv
import io
import subprocess
import zipfile

import openpyxl
import pytest

from charts.svg import STATUS_WORDS
from kpis.models import KpiTarget, MetricValue, TargetState
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY, KPIS
from recruiting.models import Application, HiringPlanLine
from reviews.models import ActionItem
from reviews.qbr.services import qbr_pack_build_now
from tests.reviews.conftest import AS_OF, QUARTER

SHEETS = ["Summary", "Trends", "Plan vs actual", "Action items", "Definitions"]
TARGETED = ["time_to_fill", "offer_acceptance_rate", "hires"]  # registry order


def build(engagement, fmt):
    return qbr_pack_build_now(
        engagement=engagement, quarter=QUARTER, fmt=fmt, generated_by="test@example.com"
    )


def quarter_value(engagement, kpi, period=QUARTER):
    return MetricValue.objects.get(
        engagement=engagement,
        kpi=kpi,
        version=DEFINITION_VERSION,
        grain="quarter",
        period=period,
        dimension="all",
        segment="all",
    )


def rows_after(sheet, heading: str):
    """The rows of the table whose header row starts with `heading`, up to a blank row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == heading)
    body = []
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        body.append(row)
    return rows[start], body


def hires_in(engagement, month_start, month_end):
    return Application.objects.filter(
        engagement=engagement, started_on__gte=month_start, started_on__lte=month_end
    ).count()


@pytest.mark.django_db
def test_the_excel_pack_has_its_sheets_scorecard_trend_charts_and_definitions(qbr_engagement):
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS

    summary = book["Summary"]
    assert summary.freeze_panes == "B6"  # the scorecard's header stays in view
    header, rows = rows_after(summary, "KPI")
    assert list(header) == [
        "KPI",
        "Value",
        "Target",
        "Breach threshold",
        "Status",
        "n",
        "2025-Q2",
        "Change vs 2025-Q2",
        "Trend",
    ]
    assert [row[0] for row in rows] == [KPI_BY_KEY[k].name for k in TARGETED]
    for key, row in zip(TARGETED, rows, strict=True):
        value = quarter_value(qbr_engagement, key)
        before = quarter_value(qbr_engagement, key, "2025-Q2")
        target = KpiTarget.objects.get(
            engagement=qbr_engagement, kpi=key, grain="quarter", state=TargetState.AGREED
        )
        assert row[1] == pytest.approx(value.value)
        assert row[2] == pytest.approx(float(target.target_value))
        assert row[4] == STATUS_WORDS[value.status]
        assert row[5] == value.n
        assert row[6] == pytest.approx(before.value)
        assert row[7] == pytest.approx(value.value - before.value)
    status_cell = summary.cell(row=6, column=5)
    assert status_cell.fill.fgColor.rgb.endswith(("1E7B34", "9A6700", "B42318", "5F6B7A"))
    assert summary.cell(row=6, column=2).number_format  # a KPI's unit, not General

    trends = book["Trends"]
    charts = trends._charts
    assert len(charts) == len(TARGETED)
    assert all(len(chart.series) == 2 for chart in charts)  # the values and the target
    header, rows = rows_after(trends, "KPI")
    assert list(header) == ["KPI", "Month", "Value", "Target", "Status", "n"]
    assert len(rows) == 12 * len(TARGETED)
    by_month = {(r[0], r[1]): r for r in rows}
    for value in MetricValue.objects.filter(
        engagement=qbr_engagement, kpi="time_to_fill", grain="month", dimension="all"
    ):
        row = by_month[("Time to fill", value.period)]
        assert row[2] == pytest.approx(value.value)
        assert row[3] == 40  # the monthly target

    header, rows = rows_after(book["Plan vs actual"], "Month")
    assert list(header)[:4] == ["Month", "Department", "Planned hires", "Hires"]
    totals = {r[0]: r for r in rows if r[1] == "All departments"}
    for month, start, end in (
        ("2025-07", "2025-07-01", "2025-07-31"),
        ("2025-09", "2025-09-01", "2025-09-30"),
    ):
        planned = sum(
            HiringPlanLine.objects.filter(engagement=qbr_engagement, month=start).values_list(
                "planned_hires", flat=True
            )
        )
        assert totals[month][2] == planned
        assert totals[month][3] == hires_in(qbr_engagement, start, end)
    quarter_hires = quarter_value(qbr_engagement, "hires")
    assert totals[QUARTER][3] == quarter_hires.value  # the quarter's line agrees with the KPI

    header, rows = rows_after(book["Action items"], "Action")
    open_titles = set(
        ActionItem.objects.filter(engagement=qbr_engagement).values_list("title", flat=True)
    )
    assert {r[0] for r in rows} == open_titles
    assert {r[7] for r in rows} == {"yes", "no"}

    header, rows = rows_after(book["Definitions"], "KPI")
    assert [r[1] for r in rows] == [k.key for k in KPIS]
    assert all(r[5] == KPI_BY_KEY[r[1]].formula and r[7] == DEFINITION_VERSION for r in rows)


@pytest.mark.django_db
def test_the_csv_pack_is_one_file_per_table_zipped(qbr_engagement):
    _, data = build(qbr_engagement, "csv")
    archive = zipfile.ZipFile(io.BytesIO(data))
    names = archive.namelist()
    assert names == [
        "README.txt",
        "01-about.csv",
        "02-summary.csv",
        "03-scorecard.csv",
        "04-monthly_trends.csv",
        "05-plan_vs_actual.csv",
        "06-action_items.csv",
        "07-definitions.csv",
    ]
    readme = archive.read("README.txt").decode()
    assert f"Data as of: {AS_OF.isoformat()}" in readme and "Filters: grain quarter" in readme
    scorecard = list(
        csv.DictReader(io.StringIO(archive.read("03-scorecard.csv").decode("utf-8-sig")))
    )
    assert [r["KPI"] for r in scorecard] == [KPI_BY_KEY[k].name for k in TARGETED]
    for key, row in zip(TARGETED, scorecard, strict=True):
        value = quarter_value(qbr_engagement, key)
        assert float(row["Value"]) == pytest.approx(value.value)
        assert row["Status"] == STATUS_WORDS[value.status]
        assert int(row["n"]) == value.n


def pdf_pages(data: bytes, tmp_path) -> list[str]:
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.django_db
def test_the_pdf_pack_names_both_parties_and_numbers_every_page(qbr_engagement, tmp_path):
    _, data = build(qbr_engagement, "pdf")
    assert data.startswith(b"%PDF")
    pages = pdf_pages(data, tmp_path)
    assert len(pages) >= 6
    parties = f"{qbr_engagement.client.name} and {qbr_engagement.provider.name}"
    for number, page in enumerate(pages, start=1):
        assert parties in page, f"page {number} lacks the parties"
        assert f"Page {number} of {len(pages)}" in page
    text = "\n".join(pages)
    for heading in (
        "Executive summary",
        "Scorecard",
        "Monthly trends",
        "Plan vs actual",
        "Open action items",
        "Definitions",
    ):
        assert heading in text
    assert f"Data as of {AS_OF.isoformat()}" in text
    value = quarter_value(qbr_engagement, "offer_acceptance_rate")
    assert f"{value.value:,.1f}%" in text
    assert STATUS_WORDS[value.status] in text
    assert "Time to fill, monthly" in text  # a trend chart's title, drawn from its SVG
