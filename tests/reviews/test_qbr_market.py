"""The QBR pack's market section, in Excel and PDF, from the sample's values and benchmarks."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from orchestration.market.qbr import NO_BENCHMARKS, market_section
from reviews.qbr.sections import PackContext
from tests.market.sample import import_market_sample
from tests.reviews.conftest import AS_OF, QUARTER
from tests.reviews.test_qbr_files import build, pdf_words, rows_after

pytestmark = pytest.mark.django_db


def test_the_excel_pack_has_a_market_sheet(qbr_engagement):
    import_market_sample(qbr_engagement)
    _, data = build(qbr_engagement, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames.index("Market") == book.sheetnames.index("Definitions") - 1
    sheet = book["Market"]
    header, rows = rows_after(sheet, "KPI")
    assert list(header)[:7] == [
        "KPI",
        "Segment",
        "Engagement",
        "Market",
        "Source",
        "Benchmark period",
        "Difference",
    ]
    by_segment = {(r[0], r[1]): r for r in rows}
    # The quarter's own survey (Q3) before the provider's September index: same end, its grain.
    assert by_segment[("Time to fill", "All")][2:6] == (36, 38, "Radford Q3 survey", "Q3 2025")
    assert by_segment[("Time to fill", "Job family: Software")][2:4] == (45, 52)
    assert by_segment[("Time to fill", "Location: Berlin")][2:4] == (27.5, 33)
    # Support has only the provider's shared monthly figure.
    support = by_segment[("Time to fill", "Job family: Support")]
    assert support[2:6] == (36.5, 28, "Provider talent index", "Sep 2025")
    assert support[6] == "8.5 days above the market (worse)"
    assert by_segment[("Offer acceptance rate", "All")][3] == 84.5
    # a job family without a benchmark is not listed
    assert ("Time to fill", "Job family: Analyst") not in by_segment
    header, listing = rows_after(sheet, "Metric")
    # The latest of each metric and slice: 5 kept for the engagement (Q2's overall time to fill
    # gives way to Q3's), 4 shared.
    assert len(listing) == 9
    assert {r[7] for r in listing} == {"engagement", f"{qbr_engagement.provider.name} (shared)"}


def test_the_pdf_pack_states_the_comparison(qbr_engagement, tmp_path):
    import_market_sample(qbr_engagement)
    _, data = build(qbr_engagement, "pdf")
    words = pdf_words(data, tmp_path)
    assert "Market benchmarks" in words
    assert "Time to fill 36.0 days; market 38.0 days (Radford Q3 survey, Q3 2025)." in words


def test_an_engagement_without_benchmarks_says_so(engagement):
    context = PackContext(engagement, QUARTER, AS_OF, date(2025, 10, 1), {})
    section = market_section(context)
    assert section.paragraphs == [NO_BENCHMARKS]
    assert section.tables[0].rows == [[NO_BENCHMARKS]]
