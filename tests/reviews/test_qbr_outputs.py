"""The pack as real clients open it: an engagement without targets, the Excel file's layout
and print setup, the PDF's words and tags."""

import io

import openpyxl
import pytest

from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPIS
from kpis.services import engagement_metrics_recompute
from reviews.qbr.services import qbr_pack_build_now
from tests.kpis.sample import import_sample
from tests.reviews.conftest import AS_OF, QUARTER
from tests.reviews.test_qbr_files import rows_after


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
    expected = [kpi for kpi in KPIS if kpi.key in valued]

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
        assert row[1] == (pytest.approx(value.value) if value and value.value is not None else None)
        assert row[2] is None  # no target
        assert row[4] == "no target"

    trends = book["Trends"]
    titles = [chart.title.tx.rich.p[0].r[0].t for chart in trends._charts]
    assert titles == [f"{kpi.name}, monthly" for kpi in expected]
    assert all(len(chart.series) == 1 for chart in trends._charts)  # values, no target line
    _, rows = rows_after(trends, "KPI")
    assert {row[0] for row in rows} == {kpi.name for kpi in expected}
    assert all(row[3] is None for row in rows)
