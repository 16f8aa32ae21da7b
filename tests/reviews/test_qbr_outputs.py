"""The pack as real clients open it: an engagement without targets, the Excel file's layout
and print setup, the PDF's words and tags."""

import io
import re
import subprocess
import zlib
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
import time_machine

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPIS, PROCESS_KPIS
from kpis.services import engagement_metrics_recompute
from reviews.models import Meeting, MeetingStatus, QbrPackStatus, Tier
from reviews.qbr.services import qbr_pack_build_now, qbr_pack_start, qbr_packs_expire
from reviews.qbr.xlsx import lines_of
from tests.kpis.sample import import_sample
from tests.reviews.conftest import AS_OF, QUARTER
from tests.reviews.test_qbr_files import pdf_words, rows_after, shown


def build(engagement, fmt):
    return qbr_pack_build_now(
        engagement=engagement, quarter=QUARTER, fmt=fmt, generated_by="test@example.com"
    )


@pytest.fixture
def untargeted_engagement(engagement):
    """The shared sample imported and computed, with no target agreed."""
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    return engagement


@pytest.mark.django_db
def test_an_engagement_without_targets_gets_every_kpi_with_a_value(untargeted_engagement):
    valued = set(
        MetricValue.objects.filter(
            engagement=untargeted_engagement,
            version=DEFINITION_VERSION,
            grain="quarter",
            period__lte=QUARTER,
            dimension="all",
            value__isnull=False,
        ).values_list("kpi", flat=True)
    )
    assert len(valued) > 5  # the sample gives most KPIs a value
    # Every outcome KPI with a value; the untargeted process KPIs are the Funnel section's.
    expected = [kpi for kpi in KPIS if kpi.key in valued and kpi not in PROCESS_KPIS]

    _, data = build(untargeted_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    _, rows = rows_after(book["Summary"], "KPI")
    assert [row[0] for row in rows] == [kpi.name for kpi in expected]
    for kpi, row in zip(expected, rows, strict=True):
        value = MetricValue.objects.filter(
            engagement=untargeted_engagement,
            kpi=kpi.key,
            version=DEFINITION_VERSION,
            grain="quarter",
            period=QUARTER,
            dimension="all",
            segment="all",
        ).first()
        assert row[1] == (
            shown(value.value, kpi.key) if value and value.value is not None else None
        )
        assert row[3] is None  # no target (after the value as shown and the exact one)
        assert row[5] == "no target"

    trends = book["Trends"]
    titles = [chart.title.tx.rich.p[0].r[0].t for chart in trends._charts]
    assert titles == [f"{kpi.name}, monthly" for kpi in expected]
    assert all(len(chart.series) == 1 for chart in trends._charts)  # values, no target line
    _, rows = rows_after(trends, "KPI")
    assert {row[0] for row in rows} == {kpi.name for kpi in expected}
    assert all(row[3] is None for row in rows)


def wrapped_text_rows(sheet):
    """Rows holding a wrapped text cell of more than one line at its column's width."""
    for row in sheet.iter_rows():
        for cell in row:
            if not (isinstance(cell.value, str) and cell.alignment.wrap_text):
                continue
            width = sheet.column_dimensions[cell.column_letter].width
            if lines_of(cell.value, width) > 1:
                yield cell.row, lines_of(cell.value, width)


@pytest.mark.django_db
def test_every_excel_sheet_prints_landscape_one_page_wide_with_its_header_and_tall_rows(
    qbr_engagement,
):
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # One page wide (1 is the file format's default, left unwritten), any number down.
        assert sheet.page_setup.fitToWidth in (None, 1) and sheet.page_setup.fitToHeight == 0
        header = next(c.row for c in sheet["A"][3:] if c.font.bold)
        assert sheet.print_title_rows == f"${header}:${header}", sheet.title
    # The SLA arithmetic, the definitions' formulas and the summary's headings wrap, and their
    # rows are as tall as their lines.
    tall = {}
    for name in ("SLA", "Definitions", "Summary"):
        rows = dict(wrapped_text_rows(book[name]))
        assert rows, name
        for row, lines in rows.items():
            height = book[name].row_dimensions[row].height
            assert height is not None and height >= 15 * min(lines, 15), (name, row, lines)
        tall[name] = rows
    sla = book["SLA"]
    arithmetic = next(c for row in sla.iter_rows() for c in row if c.value == "Arithmetic")
    assert any(row > arithmetic.row for row in tall["SLA"])


def test_lines_of_lays_words_out_greedily():
    assert lines_of("short", 10) == 1
    assert lines_of("one two three four", 11) == 2  # "one two" / "three four"
    assert lines_of("a" * 25, 10) == 3  # a long token on lines of its own
    assert lines_of("one\ntwo", 40) == 2


@pytest.mark.django_db
def test_trend_charts_title_their_axes_and_draw_the_breach_line(qbr_engagement):
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    charts = {c.title.tx.rich.p[0].r[0].t: c for c in book["Trends"]._charts}
    chart = charts["Time to fill, monthly"]
    assert [s.tx.v for s in chart.series[1:]] == ["Target", "Breach threshold"]
    assert chart.x_axis.title.tx.rich.p[0].r[0].t == "Month"
    assert chart.y_axis.title.tx.rich.p[0].r[0].t == "Days"


def pdf_streams(data: bytes):
    """The PDF's objects as written, its compressed streams (object streams too) inflated."""
    yield data
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            continue


@pytest.mark.django_db
def test_the_pdf_is_tagged_keeps_kpi_keys_whole_and_counts_in_words(qbr_engagement, tmp_path):
    _, data = build(qbr_engagement, "pdf")
    path = tmp_path / "pack.pdf"
    path.write_bytes(data)
    info = subprocess.run(
        ["/usr/bin/pdfinfo", str(path)], capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(rf"^Title:\s+{re.escape(qbr_engagement.name)}", info, re.M), info
    objects = b"".join(pdf_streams(data))
    assert b"/Lang (en)" in objects  # the document's language, from <html lang>
    assert b"pdfuaid:part" in objects  # declared PDF/UA-1 in its XMP metadata

    words = pdf_words(data, tmp_path).split()
    for kpi in KPIS:  # every key on one line, not broken mid-word
        assert kpi.key in words, kpi.key
    text = " ".join(words)
    assert "1 decisions" not in text and "1 breaches" not in text
    assert re.search(r"\b2 decisions recorded in 2025-Q3", text)  # two in the quarter


def at(day: int, month: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


@pytest.mark.django_db
def test_a_pack_is_kept_until_a_week_after_its_quarters_strategic_review(
    qbr_engagement, hr_lead, settings
):
    settings.RPO_QBR_PACK_DAYS = 7
    review = Meeting.objects.create(
        engagement=qbr_engagement,
        tier=Tier.STRATEGIC,
        title="QBR 2025-Q3",
        starts_at=at(20, 11, 10),
        duration_minutes=90,
    )
    with time_machine.travel(at(1, 10, 9), tick=False):
        pack = qbr_pack_start(actor=hr_lead, engagement=qbr_engagement, quarter=QUARTER, fmt="pdf")
    # Not 8 October (7 days): a week after the review ends on 20 November at 11:30.
    assert pack.expires_at == at(27, 11, 11) + timedelta(minutes=30)
    assert qbr_packs_expire(now=at(20, 10)) == 0

    # The review moves to December: the daily run keeps the pack for it.
    Meeting.objects.filter(pk=review.pk).update(starts_at=at(10, 12, 10))
    assert qbr_packs_expire(now=at(27, 11, 9)) == 0
    pack.refresh_from_db()
    assert pack.expires_at == at(17, 12, 11) + timedelta(minutes=30)
    assert pack.status != QbrPackStatus.EXPIRED

    # Cancelled, the review holds nothing: the pack goes on its own days.
    Meeting.objects.filter(pk=review.pk).update(status=MeetingStatus.CANCELLED)
    assert qbr_packs_expire(now=at(18, 12)) == 1
    pack.refresh_from_db()
    assert pack.status == QbrPackStatus.EXPIRED


@pytest.mark.django_db
def test_a_strategic_meeting_of_another_quarter_does_not_hold_a_pack(
    qbr_engagement, hr_lead, settings
):
    settings.RPO_QBR_PACK_DAYS = 7
    Meeting.objects.create(  # in the quarter itself: it reviews the quarter before
        engagement=qbr_engagement, tier=Tier.STRATEGIC, title="QBR Q2", starts_at=at(15, 7, 10)
    )
    Meeting.objects.create(  # a tactical meeting is not the QBR
        engagement=qbr_engagement, tier=Tier.TACTICAL, title="Monthly", starts_at=at(20, 10, 10)
    )
    with time_machine.travel(at(1, 10, 9), tick=False):
        pack = qbr_pack_start(actor=hr_lead, engagement=qbr_engagement, quarter=QUARTER, fmt="pdf")
    assert pack.expires_at == at(8, 10, 9)
