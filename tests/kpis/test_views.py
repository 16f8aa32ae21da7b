"""KPI pages and the metrics endpoint: tenancy, roles, drill-down, query counts."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from kpis.models import MetricValue
from kpis.services import engagement_metrics_recompute
from kpis.target_services import target_propose
from rpo_portal import formats
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample


def value_of(engagement, **lookup) -> MetricValue:
    return MetricValue.objects.get(engagement=engagement, **lookup)


def page_urls(engagement, value=None, target=None):
    e = engagement.pk
    urls = [
        reverse("kpis:overview", args=[e]),
        reverse("kpis:overview", args=[e]) + "?grain=quarter&segment=department:Sales",
        reverse("kpis:definitions", args=[e]),
        reverse("kpis:kpi_detail", args=[e, "time_to_fill"]),
        reverse("kpis:targets", args=[e]),
        reverse("kpis:recompute_status", args=[e]),
        reverse("api:metric-list", kwargs={"engagement_id": e}),
    ]
    if value:
        urls.append(reverse("kpis:value_detail", args=[e, value.pk]))
        urls.append(reverse("kpis:value_records_csv", args=[e, value.pk, 0]))
    if target:
        urls.append(reverse("kpis:target_detail", args=[e, target.pk]))
    return urls


def test_every_member_reads_every_page_and_outsiders_get_404(
    sample_engagement, client_viewer, outsider, login
):
    value = value_of(
        sample_engagement, kpi="time_to_fill", grain="month", period="2025-07", dimension="all"
    )
    for url in page_urls(sample_engagement, value):
        assert login(client_viewer).get(url).status_code == 200, url
    for url in page_urls(sample_engagement, value):
        assert login(outsider).get(url).status_code == 404, url


def test_a_value_of_another_engagement_is_404(sample_engagement, other_engagement, login):
    from tests.factories import member

    stranger_value = value_of(
        sample_engagement, kpi="hires", grain="quarter", period="2025-Q3", dimension="all"
    )
    user = member(other_engagement.client, "hr_lead")
    url = reverse("kpis:value_detail", args=[other_engagement.pk, stranger_value.pk])
    assert login(user).get(url).status_code == 404


def test_recompute_button_needs_the_permission(engagement, client_viewer, recruiter, login):
    url = reverse("kpis:recompute", args=[engagement.pk])
    assert login(client_viewer).post(url).status_code == 403
    assert login(recruiter).post(url).status_code == 403


def test_recompute_button_enqueues_and_reports_progress(
    engagement, account_manager, login, monkeypatch
):
    from kpis.tasks import recompute_engagement_metrics

    sent = []
    monkeypatch.setattr(
        recompute_engagement_metrics, "apply_async", lambda **kwargs: sent.append(kwargs)
    )
    client = login(account_manager)
    response = client.post(reverse("kpis:recompute", args=[engagement.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    # Enqueued during the request (it writes nothing the worker must wait for), so the page
    # can say at once whether the queue took it.
    assert [call["args"] for call in sent] == [[engagement.pk]]
    assert b"queued" in response.content
    assert b'hx-trigger="load delay:2s"' in response.content  # keeps polling
    # The worker's side of the same task, run here: progress ends as done.
    from kpis.progress import metrics_recompute_task_run

    metrics_recompute_task_run(engagement_id=engagement.pk)
    status = client.get(reverse("kpis:recompute_status", args=[engagement.pk]))
    assert b"done" in status.content
    assert b"load delay" not in status.content


def test_drilldown_shows_the_records_behind_a_median(sample_engagement, hr_lead, login):
    value = value_of(
        sample_engagement, kpi="time_to_fill", grain="month", period="2025-07", dimension="all"
    )
    from recruiting.models import Requisition

    filled = list(
        Requisition.objects.filter(
            engagement=sample_engagement, filled_on__year=2025, filled_on__month=7
        ).values_list("external_id", flat=True)
    )
    assert len(filled) == value.n
    response = login(hr_lead).get(
        reverse("kpis:value_detail", args=[sample_engagement.pk, value.pk])
    )
    body = response.content.decode()
    for external_id in filled:
        assert f"><code>{external_id}</code></td>" in body  # each record, a card on a phone
    assert response.context["median"] == value.value
    assert len(response.context["drilldown"].median_inputs) == value.n


def test_drilldown_of_segmented_survey_values_counts_n_records(sample_engagement, hr_lead, login):
    client = login(hr_lead)
    for kpi in (
        "candidate_nps",
        "quality_of_hire",
        "offer_acceptance_rate",
        "plan_attainment",
        "interview_to_offer_rate",
        "open_requisition_age",
        "cost_per_hire",
    ):
        for value in MetricValue.objects.filter(
            engagement=sample_engagement, kpi=kpi, grain="quarter"
        ):
            response = client.get(
                reverse("kpis:value_detail", args=[sample_engagement.pk, value.pk])
            )
            sections = response.context["drilldown"].sections
            counted = sections[-1].total if kpi != "plan_attainment" else sections[0].total
            if kpi == "plan_attainment":
                planned = sum(row[-1] for row in sections[0].rows)
                assert planned == value.n, (kpi, value)
                assert sections[1].total == value.numerator, (kpi, value)
            else:
                assert counted == value.n, (kpi, value.dimension, value.segment, value.period)


def test_suppressed_values_reveal_no_records(sample_engagement, hr_lead, login):
    value = MetricValue.objects.filter(
        engagement=sample_engagement, kpi="diversity_hire_rate", suppressed=True
    ).first()
    assert value.value is None and value.status == "suppressed"
    response = login(hr_lead).get(
        reverse("kpis:value_detail", args=[sample_engagement.pk, value.pk])
    )
    assert response.status_code == 200
    assert response.context["drilldown"].sections == []
    assert b"A-0" not in response.content
    export = reverse("kpis:value_records_csv", args=[sample_engagement.pk, value.pk, 0])
    assert login(hr_lead).get(export).status_code == 404


def test_api_filters_and_paginates(sample_engagement, hr_lead, login):
    url = reverse("api:metric-list", kwargs={"engagement_id": sample_engagement.pk})
    response = login(hr_lead).get(
        url, {"kpi": "cost_per_hire", "grain": "quarter", "period": "2025-Q2"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["value"] == pytest.approx(4647.3288)
    assert body["results"][0]["n"] == 25
    everything = login(hr_lead).get(url).json()
    assert everything["count"] == MetricValue.objects.filter(engagement=sample_engagement).count()
    assert len(everything["results"]) == 100 and everything["next"]


def test_list_views_run_a_constant_number_of_queries(engagement, hr_lead, login, count_queries):
    """Few values and targets, then many: the pages run the same number of queries."""
    import_sample(engagement)
    client = login(hr_lead)
    urls = page_urls(engagement)

    def propose(kpi):
        target_propose(
            actor=hr_lead,
            engagement=engagement,
            kpi=kpi,
            grain="month",
            effective_from=date(2025, 1, 1),
            target_value=Decimal(5),
            at_risk_threshold=Decimal(3),
            breach_threshold=Decimal(1),
        )

    engagement_metrics_recompute(engagement=engagement, as_of=date(2025, 1, 31))
    propose("hires")
    few = [count_queries(lambda u=u: client.get(u)) for u in urls]
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    propose("requisitions_filled")
    propose("hires")
    many = [count_queries(lambda u=u: client.get(u)) for u in urls]
    assert many == few


def test_filters_answer_htmx_with_the_fragment_and_plain_get_with_the_page(
    sample_engagement, hr_lead, login
):
    client = login(hr_lead)
    url = reverse("kpis:overview", args=[sample_engagement.pk])
    params = {"grain": "quarter", "segment": "department:Sales"}
    fragment = client.get(url, params, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="kpi-values">')
    assert "<html" not in fragment
    assert "Q3 2025" in fragment and "Department: Sales" in fragment
    page = client.get(url, params).content.decode()
    assert "<html" in page and 'id="kpi-values"' in page
    detail = reverse("kpis:kpi_detail", args=[sample_engagement.pk, "hires"])
    fragment = client.get(detail, params, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "Q1 2025" in fragment


def test_unknown_kpi_is_404(engagement, hr_lead, login):
    url = reverse("kpis:kpi_detail", args=[engagement.pk, "no_such_kpi"])
    assert login(hr_lead).get(url).status_code == 404


def test_the_data_contract_page_shows_every_kpi_and_needs_a_login(client, hr_lead, login):
    from kpis.registry import KPIS

    url = reverse("kpis:data_contract")
    assert client.get(url).status_code == 302
    page = login(hr_lead).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h2>1. Import files</h2>" in html
    assert (
        '<div class="table-wrap" tabindex="0" role="region" '
        'aria-label="Table 1 of the data contract, scrolls sideways"><table>'
    ) in html
    for kpi in KPIS:
        assert f"<code>{kpi.key}</code>" in html
    definitions = login(hr_lead).get(
        reverse("kpis:definitions", args=[hr_lead_engagement(hr_lead)])
    )
    assert url in definitions.content.decode()


def hr_lead_engagement(user):
    from engagements.access import engagements_for

    return engagements_for(user).get().pk


def test_the_cost_per_hire_trend_names_the_currency_on_its_target_line():
    from kpis.models import KpiTarget
    from kpis.registry import KPI_BY_KEY
    from kpis.views import trend_of

    target = KpiTarget(
        kpi="cost_per_hire",
        grain="month",
        target_value=Decimal("4000"),
        at_risk_threshold=Decimal("4500"),
        breach_threshold=Decimal("5000"),
    )
    svg = str(
        trend_of(
            kpi=KPI_BY_KEY["cost_per_hire"],
            values=[],
            targets=[target],
            grain="month",
            dimension="all",
            segment="all",
            currency="EUR",
        )
    )
    assert "Target EUR\u00a04,000.00" in svg
    assert "Breach EUR\u00a05,000.00" in svg


def test_the_drilldown_reads_its_records_and_exports_exactly_them_as_csv(
    sample_engagement, client_viewer, login
):
    import csv
    import io

    from recruiting.models import Requisition

    value = value_of(
        sample_engagement, kpi="time_to_fill", grain="month", period="2025-07", dimension="all"
    )
    filled = Requisition.objects.filter(
        engagement=sample_engagement, filled_on__year=2025, filled_on__month=7
    ).order_by("filled_on", "external_id")
    first = filled[0]
    first.title = "=HYPERLINK(1)"  # a title a spreadsheet would run
    first.save()
    client = login(client_viewer)  # a viewer reads the records and exports them
    page = client.get(reverse("kpis:value_detail", args=[sample_engagement.pk, value.pk]))
    html = page.content.decode()
    assert '<th scope="col">Title</th><th scope="col">Department</th>' in html
    assert f">{formats.day(first.filled_on)}</td>" in html
    csv_url = reverse("kpis:value_records_csv", args=[sample_engagement.pk, value.pk, 0])
    assert csv_url in html
    response = client.get(csv_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="time_to_fill-2025-07')
    # The exports' one dialect: UTF-8 with a byte-order mark, CRLF line ends.
    assert response.content.startswith(b"\xef\xbb\xbf")
    text = response.content.decode("utf-8-sig")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "requisition",
        "title",
        "department",
        "opened on",
        "filled on",
        "on-hold days",
        "days to fill",
    ]
    assert [row[0] for row in rows[1:]] == [r.external_id for r in filled]
    assert len(rows) - 1 == value.n
    assert rows[1][1] == "'=HYPERLINK(1)"
    assert rows[1][4] == first.filled_on.isoformat()
    past = reverse("kpis:value_records_csv", args=[sample_engagement.pk, value.pk, 9])
    assert client.get(past).status_code == 404
