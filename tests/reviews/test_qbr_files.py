"""The pack's three files, opened as a reader would, checked against the database."""

import csv
import io
import subprocess
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from charts.svg import STATUS_WORDS
from kpis.models import KpiTarget, MetricValue, TargetState
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY, KPIS
from recruiting.models import Application, HiringPlanLine
from reviews.models import ActionItem, Decision, Risk, RiskStatus
from reviews.qbr.services import qbr_pack_build_now
from rpo_portal import formats
from sla.models import Breach, SlaOutcome
from sla.selectors import ledger, quarter_money
from tests.reviews.conftest import AS_OF, QUARTER

SHEETS = [
    "Summary",
    "Trends",
    "SLA",
    "Plan vs actual",
    "Forecast",
    "Funnel",
    "Action items",
    "Decisions",
    "Risks",
    "Transition",
    "Market",
    "Definitions",
]
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


def ledger_lines(engagement):
    """The quarter's credit ledger lines, as the ledger page shows them."""
    for quarter, lines, _ in ledger(engagement=engagement).quarters():
        if quarter == QUARTER:
            return lines
    return []


def open_risks(engagement):
    risks = Risk.objects.filter(engagement=engagement).exclude(status=RiskStatus.CLOSED)
    return risks.order_by("-score", "next_review_on", "id").values_list("title", flat=True)


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
        "Value (rounded)",
        "Value (exact)",
        "Target",
        "Breach threshold",
        "Status",
        "n",
        "2025-Q2",
        "Change vs 2025-Q2",
        "Trend",
    ]
    names = [row[0] for row in rows]
    untargeted = [row for row in rows if row[0] not in {KPI_BY_KEY[k].name for k in TARGETED}]
    assert all(row[3] is None and row[5] == "no target" for row in untargeted)
    rows = [row for row in rows if row not in untargeted]
    assert [row[0] for row in rows] == [KPI_BY_KEY[k].name for k in TARGETED]
    for key, row in zip(TARGETED, rows, strict=True):
        value = quarter_value(qbr_engagement, key)
        before = quarter_value(qbr_engagement, key, "2025-Q2")
        target = KpiTarget.objects.get(
            engagement=qbr_engagement, kpi=key, grain="quarter", state=TargetState.AGREED
        )
        # Measured values as shown (the KPI's decimals, half away from zero), the target as agreed.
        assert row[1] == shown(value.value, key)
        # The exact value beside it, every decimal it has: the status is judged by it.
        assert row[2] == pytest.approx(float(value.value), rel=1e-12, abs=0)
        assert row[3] == pytest.approx(float(target.target_value))
        assert row[5] == STATUS_WORDS[value.status]
        assert row[6] == value.n
        assert row[7] == shown(before.value, key)
        assert row[8] == shown(value.value - before.value, key)
    status_cell = summary.cell(row=6, column=6)
    assert status_cell.fill.fgColor.rgb.endswith(("1E7B34", "9A6700", "B42318", "5F6B7A"))
    assert summary.cell(row=6, column=2).number_format  # a KPI's unit, not General
    # The exact value keeps its decimals in view: the format's optional digits show them.
    assert "0.0#" in summary.cell(row=6, column=3).number_format

    trends = book["Trends"]
    charts = trends._charts
    assert len(charts) == len(names)
    # The values, with the target and the breach threshold where a monthly target is agreed
    # (time to fill); a quarter's target is not drawn as a month's (offer acceptance, hires).
    series = {c.title.tx.rich.p[0].r[0].t: len(c.series) for c in charts}
    assert series == {f"{name}, monthly": 3 if name == "Time to fill" else 1 for name in names}
    header, rows = rows_after(trends, "KPI")
    assert list(header) == ["KPI", "Month", "Value", "Target", "Status", "n", "Breach threshold"]
    assert len(rows) == 12 * len(names)
    by_month = {(r[0], r[1]): r for r in rows}
    for value in MetricValue.objects.filter(
        engagement=qbr_engagement, kpi="time_to_fill", grain="month", dimension="all"
    ):
        row = by_month[("Time to fill", value.period)]
        assert row[2] == shown(value.value, "time_to_fill")
        assert row[3] == 40 and row[6] == 60  # the monthly target and breach threshold
    assert all(r[3] is None for r in rows if r[0] == "Hires")  # only a quarterly target

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


def table_rows(sheet, title: str):
    """The header and rows of the table titled `title`, up to a blank row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == title)
    body = []
    header = [heading for heading in rows[start + 1] if heading is not None]
    for row in rows[start + 2 :]:
        if row[0] is None:
            break
        body.append(row[: len(header)])
    return header, body


def shown(value, key):
    """A KPI value as the pack shows it: the KPI's decimals, half away from zero."""
    return float(formats.rounded(value, KPI_BY_KEY[key].decimals))


def approx_or_none(value):
    return None if value is None else pytest.approx(float(value))


@pytest.mark.django_db
def test_the_excel_sla_sheet_has_outcomes_breaches_and_the_credit_ledger(qbr_engagement):
    _, data = build(qbr_engagement, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["SLA"]
    assert sheet.freeze_panes == "B6"

    header, rows = table_rows(sheet, f"Outcomes per clause and period, {QUARTER}")
    assert list(header) == [
        "Clause",
        "KPI",
        "Kind",
        "Period",
        "Threshold",
        "Value",
        "n",
        "Outcome",
        "Period closed",
    ]
    outcomes = list(
        SlaOutcome.objects.filter(
            engagement=qbr_engagement,
            clause__in_force=True,
            period_start__gte=date(2025, 7, 1),
            period_end__lte=date(2025, 9, 30),
        )
        .select_related("clause")
        .order_by("clause__key", "period_end")
    )
    assert outcomes and len(rows) == len(outcomes)
    for row, outcome in zip(rows, outcomes, strict=True):
        assert (row[0], row[3], row[7]) == (
            outcome.clause.key,
            outcome.period,
            outcome.get_outcome_display(),
        )
        assert row[4] == pytest.approx(float(outcome.clause.threshold))
        # The outcome's value is the one the clause was judged by, as shown: no exact beside.
        assert row[5] == approx_or_none(outcome.shown_value)
        assert row[8] == ("yes" if outcome.closed else "no")

    header, rows = table_rows(sheet, f"Breaches of {QUARTER}'s periods, with their status")
    assert list(header)[:7] == [
        "Clause",
        "Period",
        "Value (rounded)",
        "Value (exact)",
        "Threshold",
        "n",
        "Status",
    ]
    breaches = Breach.objects.filter(
        engagement=qbr_engagement, period_end__gte=date(2025, 7, 1), period_end__lte=AS_OF
    ).select_related("clause")
    assert breaches and sorted((r[0], r[1], r[6]) for r in rows) == sorted(
        (b.clause.key, b.period, b.get_status_display()) for b in breaches
    )
    # Each breach's value as shown and, beside it, the exact value it was judged by.
    by_key = {(b.clause.key, b.period): b for b in breaches}
    for row in rows:
        breach = by_key[(row[0], row[1])]
        kpi = KPI_BY_KEY[breach.clause.kpi]
        assert row[2] == float(formats.rounded(breach.value, kpi.decimals))
        assert row[3] == pytest.approx(float(breach.value), rel=1e-12, abs=0)

    header, rows = table_rows(
        sheet, f"Credit ledger {QUARTER} (USD): each line's arithmetic and the net"
    )
    assert list(header) == [
        "Clause",
        "Period",
        "Event",
        "Breach status",
        "Rate",
        "Period fee",
        "Gross",
        "Arithmetic",
        "Amount",
        "Earn-back",
        "In net",
    ]
    lines = ledger_lines(qbr_engagement)
    assert lines and len(rows) == len(lines) + 1
    for row, line in zip(rows, lines, strict=False):
        assert (row[0], row[1], row[2].lower()) == (line.clause, line.period.key, line.event)
        assert row[6] == pytest.approx(float(line.gross))
        assert row[7].startswith(f"{row[5]:.2f} × ")  # fee × rate = gross, then the caps
        assert row[7].endswith(" ".join(line.cap_notes[-1:]) or "no cap")
        assert row[8] == pytest.approx(float(line.amount))
        assert row[10] == pytest.approx(float(line.counts_in_net))
    net = rows[-1]
    assert net[0] == f"Net {QUARTER}"
    assert net[10] == pytest.approx(float(sum(line.counts_in_net for line in lines)))
    money = quarter_money(ledger=ledger(engagement=qbr_engagement), quarter=QUARTER)
    assert net[10] == pytest.approx(float(money.net))
    cell = next(c for c in sheet["K"] if c.value == net[10])
    assert cell.number_format == "#,##0.00"

    _, rows = table_rows(sheet, f"Net {QUARTER} (USD)")
    assert [(r[0], r[1]) for r in rows] == [
        ("Service credits owed", pytest.approx(float(money.credits))),
        ("Bonuses earned", pytest.approx(float(money.bonuses))),
        ("Net (bonuses minus credits)", pytest.approx(float(money.net))),
    ]


@pytest.mark.django_db
def test_the_excel_decisions_and_risks_sheets(qbr_engagement):
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))

    header, rows = rows_after(book["Decisions"], "Decided on")
    assert list(header) == [
        "Decided on",
        "Decision",
        "Rationale",
        "Decided by",
        "Party",
        "Meeting",
        "KPI",
    ]
    decisions = Decision.objects.filter(
        engagement=qbr_engagement, decided_on__gte=date(2025, 7, 1), decided_on__lte=AS_OF
    ).order_by("-decided_on", "-id")
    assert [(r[0].date(), r[1], r[3], r[6]) for r in rows] == [
        (d.decided_on, d.title, str(d.decided_by), "Time to fill") for d in decisions
    ]
    assert len(rows) == 2  # the one decided in the quarter before is not in this pack

    sheet = book["Risks"]
    header, rows = rows_after(sheet, "Risk")
    assert list(header)[:6] == ["Risk", "Category", "Likelihood", "Impact", "Score", "Level"]
    risks = Risk.objects.filter(engagement=qbr_engagement)
    open_ones = [r for r in risks if r.status != RiskStatus.CLOSED]
    assert [r[0] for r in rows] == list(open_risks(qbr_engagement))
    by_title = {r.title: r for r in open_ones}
    for row in rows:
        risk = by_title[row[0]]
        assert (row[2], row[3], row[4]) == (risk.likelihood, risk.impact, risk.score)
    assert rows[0][5] == "critical"  # 4 x 5 = 20

    _, grid = table_rows(sheet, "Heat map: open risks by impact (rows) and likelihood (columns)")
    assert [r[0] for r in grid] == [f"Impact {n}" for n in range(5, 0, -1)]
    for row in grid:
        impact = int(row[0].split()[1])
        for likelihood in range(1, 6):
            expected = sum(1 for r in open_ones if (r.impact, r.likelihood) == (impact, likelihood))
            assert row[likelihood] == expected


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
        "05-sla_outcomes.csv",
        "06-sla_breaches.csv",
        "07-sla_credits.csv",
        "08-sla_net.csv",
        "09-plan_vs_actual.csv",
        "10-hiring_forecast.csv",
        "11-hiring_forecast_gaps.csv",
        "12-funnel_stages.csv",
        "13-stage_times.csv",
        "14-sources.csv",
        "15-action_items.csv",
        "16-decisions.csv",
        "17-risks.csv",
        "18-risk_heat_map.csv",
        "19-transition_milestones.csv",
        "20-market_benchmarks.csv",
        "21-definitions.csv",
    ]
    readme = archive.read("README.txt").decode()
    assert f"Data as of: {AS_OF.day} {AS_OF:%b %Y}" in readme and "Filters: grain quarter" in readme
    scorecard = list(
        csv.DictReader(io.StringIO(archive.read("03-scorecard.csv").decode("utf-8-sig")))
    )
    scorecard = [r for r in scorecard if r["Status"] != "no target"]
    assert [r["KPI"] for r in scorecard] == [KPI_BY_KEY[k].name for k in TARGETED]
    for key, row in zip(TARGETED, scorecard, strict=True):
        value = quarter_value(qbr_engagement, key)
        assert float(row["Value"]) == pytest.approx(value.value)
        assert row["Status"] == STATUS_WORDS[value.status]
        assert int(row["n"]) == value.n
    credits = list(
        csv.DictReader(io.StringIO(archive.read("07-sla_credits.csv").decode("utf-8-sig")))
    )
    lines = ledger_lines(qbr_engagement)
    assert [(r["Clause"], r["Period"], r["Amount"]) for r in credits[:-1]] == [
        (line.clause, line.period.key, f"{line.amount:.2f}") for line in lines
    ]
    assert credits[-1]["Clause"] == f"Net {QUARTER}"
    assert credits[-1]["In net"] == f"{sum(line.counts_in_net for line in lines):.2f}"
    risks = list(csv.DictReader(io.StringIO(archive.read("17-risks.csv").decode("utf-8-sig"))))
    assert [r["Risk"] for r in risks] == list(open_risks(qbr_engagement))


def pdf_pages(data: bytes, tmp_path, layout: bool = True) -> list[str]:
    """The PDF's pages as text: laid out as printed, or (layout=False) in reading order, each
    table cell's words together however the cell wraps them."""
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    mode = "-layout" if layout else "-raw"
    text = subprocess.run(
        ["/usr/bin/pdftotext", mode, str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


def pdf_words(data: bytes, tmp_path) -> str:
    return " ".join(" ".join(pdf_pages(data, tmp_path, layout=False)).split())


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
        "SLA outcomes and credits",
        "Outcomes per clause and period",
        "Credit ledger",
        "Plan vs actual",
        "Open action items",
        "Decisions of 2025-Q3",
        "Risks",
        "Definitions",
    ):
        assert heading in text
    assert f"Data as of {AS_OF.day} {AS_OF:%b %Y}" in text
    value = quarter_value(qbr_engagement, "offer_acceptance_rate")
    assert f"{value.value:,.1f}%" in text
    assert STATUS_WORDS[value.status] in text
    assert "Time to fill, monthly" in text  # a trend chart's title, drawn from its SVG
    # The SLA's ledger with its net, the quarter's decisions, the risks and their heat map.
    money = quarter_money(ledger=ledger(engagement=qbr_engagement), quarter=QUARTER)
    assert f"Net for {QUARTER}: {money.net:,.2f} USD" in text
    for line in ledger_lines(qbr_engagement):
        assert f"{line.amount:,.2f}" in text
    words = pdf_words(data, tmp_path)
    assert "Add a sourcing pod for engineering" in words
    assert "Keep the Q2 agency mix" not in words  # decided in the quarter before
    assert "Hiring freeze in sales" in words and "Old vendor contract" not in words
    assert "Likelihood" in text and "Impact" in text  # the heat map's axes


def test_the_excel_pack_shows_dates_in_the_one_style(qbr_engagement):
    """Dates are date cells shown as '7 Dec 2026', never ISO text; the cover names its
    dates and moments as the pages do."""
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Decisions"]
    decided = next(cell for row in sheet.iter_rows() for cell in row if cell.value == "Decided on")
    first = sheet.cell(row=decided.row + 1, column=decided.column)
    assert first.is_date and first.number_format == "d mmm yyyy"

    _, facts = rows_after(book["Summary"], "Item")
    about = {row[0]: row[1] for row in facts if row[0]}
    assert about["Data as of"].date() == AS_OF
    assert about["Quarter"] == "Q3 2025"
    cells = {row[0].value: row[1] for row in book["Summary"].iter_rows() if row[0].value}
    assert cells["Data as of"].number_format == "d mmm yyyy"
    for item in ("Last import", "Last recompute"):  # date cells, in the moments' style
        assert cells[item].is_date and isinstance(about[item], datetime), about[item]
        assert cells[item].number_format == 'd mmm yyyy, hh:mm "UTC"'
