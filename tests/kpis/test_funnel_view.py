"""The funnel page, its dashboard tile, tactical agenda sections and QBR pack section."""

import statistics
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kpis.funnel import BOTTLENECK_MIN_N, funnel_view
from kpis.models import MetricValue
from kpis.registry import STAGE_TIMES
from kpis.tiles import dashboard_filters
from reviews import services as review_services
from reviews.agenda import agenda_build
from reviews.models import Tier
from reviews.qbr.services import pack_content
from tests.factories import EngagementFactory, member

ROLES = (
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
)


def _url(engagement, query=""):
    return reverse("kpis:funnel", args=[engagement.pk]) + query


def _filters(engagement, grain="quarter", period="2025-Q3"):
    return dashboard_filters(
        engagement=engagement, grain=grain, period=period, dimension="all", segment="all"
    )


def test_every_role_reads_the_funnel_and_outsiders_get_404(
    sample_engagement, outsider, login, request
):
    for role in ROLES:
        user = request.getfixturevalue(role)
        response = login(user).get(_url(sample_engagement, "?grain=quarter&period=2025-Q3"))
        assert response.status_code == 200, role
        assert b"chart-funnel" in response.content
    assert login(outsider).get(_url(sample_engagement)).status_code == 404
    assert login(outsider).get(reverse("kpis:funnel", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_a_new_engagement_without_data_shows_an_empty_funnel(login):
    engagement = EngagementFactory()
    user = member(engagement.client, "hr_lead")
    response = login(user).get(_url(engagement, "?sort=nonsense&segment=bad"))
    assert response.status_code == 200
    assert b"No applications in this period" in response.content
    dashboard = login(user).get(reverse("engagements:detail", args=[engagement.pk]))
    assert b"Funnel and sources" in dashboard.content


def test_the_stages_are_the_stored_values(sample_engagement):
    view = funnel_view(engagement=sample_engagement, filters=_filters(sample_engagement))

    def stored(kpi, period="2025-Q3"):
        return MetricValue.objects.get(
            engagement=sample_engagement, kpi=kpi, grain="quarter", period=period, dimension="all"
        )

    counts = [pair.row.count for pair in view.stages]
    assert counts == [
        stored("applications").value,
        stored("applied_to_screened_rate").numerator,
        stored("screened_to_interviewed_rate").numerator,
        stored("offered_to_accepted_rate").n,
        stored("offered_to_accepted_rate").numerator,
        stored("accepted_to_started_rate").numerator,
    ]
    assert counts == sorted(counts, reverse=True)  # a funnel narrows
    assert view.stages[1].conversion == pytest.approx(stored("applied_to_screened_rate").value)
    assert view.stages[0].row.previous == stored("applications", "2025-Q2").value


def test_the_bottleneck_is_the_longest_stage_against_its_six_month_median(sample_engagement):
    filters = _filters(sample_engagement, grain="month", period="2025-09")
    view = funnel_view(engagement=sample_engagement, filters=filters)
    ratios = {}
    for key, *_ in STAGE_TIMES:
        current = MetricValue.objects.filter(
            engagement=sample_engagement, kpi=key, grain="month", period="2025-09", dimension="all"
        ).first()
        months = MetricValue.objects.filter(
            engagement=sample_engagement,
            kpi=key,
            grain="month",
            dimension="all",
            period__in=["2025-03", "2025-04", "2025-05", "2025-06", "2025-07", "2025-08"],
        ).values_list("value", flat=True)
        if current and current.n >= BOTTLENECK_MIN_N and months:
            ratios[key] = current.value / statistics.median(months)
    assert ratios, "the sample has stage times to compare"
    assert view.bottleneck.key == max(ratios, key=ratios.get)
    text = view.bottleneck_text
    assert "x the six-month median" in text and "days" in text and "_" not in text


def test_the_source_table_sorts_by_any_column(sample_engagement, hr_lead, login):
    filters = _filters(sample_engagement)
    by_hires = funnel_view(engagement=sample_engagement, filters=filters)
    hires = [row.cells["hires"] for row in by_hires.sources if row.cells["hires"] is not None]
    assert hires == sorted(hires, reverse=True)
    by_name = funnel_view(
        engagement=sample_engagement, filters=filters, sort="source", descending=False
    )
    assert [row.name for row in by_name.sources] == sorted(row.name for row in by_name.sources)
    cost = {row.source: row.texts["cost"] for row in by_name.sources}
    assert cost["job_board"] == "—"  # no cost category is attributed to job boards
    page = login(hr_lead).get(_url(sample_engagement, "?grain=quarter&period=2025-Q3&sort=yield"))
    assert b'aria-sort="descending"' in page.content


def test_the_tactical_agenda_and_the_qbr_pack_carry_the_funnel(sample_engagement, hr_lead):
    meeting = review_services.meeting_create(
        actor=hr_lead,
        engagement=sample_engagement,
        tier=Tier.TACTICAL,
        title="Tactical review",
        starts_at=datetime(2025, 10, 6, 10, tzinfo=UTC),
    )
    sections = {s["key"]: s for s in agenda_build(meeting=meeting)["sections"]}
    funnel = sections["funnel"]
    assert [row[0] for row in funnel["rows"]][:2] == ["Applied", "Screened"]
    assert "Sep 2025" in funnel["note"]
    assert sections["sources"]["rows"]
    content = pack_content(
        engagement=sample_engagement,
        quarter="2025-Q3",
        generated_by="test",
        generated_at=timezone.now(),
    )
    section = next(s for s in content.sections if s.key == "funnel")
    assert [t.key for t in section.tables] == ["funnel_stages", "stage_times", "sources"]
    assert section.tables[0].rows[0][0] == "Applied"
    assert any(p.startswith("Bottleneck:") for p in section.paragraphs) or not section.tables[1]
