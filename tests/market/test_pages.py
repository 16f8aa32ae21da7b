"""The market panel, the market line on the KPI pages, and a provider's benchmarks page:
every role, outsiders, another provider's engagement, and an engagement with nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from recruiting.models import ProviderMarketBenchmark
from tests.factories import EngagementFactory, member
from tests.market.conftest import SHARED, import_shared, metric_value

pytestmark = pytest.mark.django_db

ROLES_CLIENT = (Role.CLIENT_ADMIN, Role.HR_LEAD, Role.CLIENT_VIEWER)
ROLES_PROVIDER = (Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER, Role.RECRUITER)


def panel_url(engagement):
    return reverse("market:panel", args=[engagement.pk])


def kpi_url(engagement, kpi="time_to_fill"):
    return reverse("kpis:kpi_detail", args=[engagement.pk, kpi])


def every_role(engagement):
    return [member(engagement.client, r) for r in ROLES_CLIENT] + [
        member(engagement.provider, r) for r in ROLES_PROVIDER
    ]


def test_every_member_sees_the_panel_with_the_comparison(client, market_engagement):
    for user in every_role(market_engagement):
        client.force_login(user)
        response = client.get(panel_url(market_engagement))
        assert response.status_code == 200
        page = response.content.decode()
        assert "This engagement against the market, Oct 2026" in page
        # time to fill, all: own 2026-09 (42) and shared 2026-10 (40): the later one
        assert "40.0 days" in page and "Korn Ferry, Oct 2026" in page
        # job family Software: its own row of October
        assert "Job family: Software" in page and "50.0 days" in page
        # the Sales department has no market figure: not listed
        assert "Department: Sales" not in page
        assert "EUR\u00a072,000.00" in page  # the salary benchmark is listed
        assert "None" not in page and "time_to_fill_days" not in page


def test_an_outsider_gets_404_everywhere(client, market_engagement, outsider):
    client.force_login(outsider)
    assert client.get(panel_url(market_engagement)).status_code == 404
    assert (
        client.get(reverse("market:provider", args=[market_engagement.provider_id])).status_code
        == 404
    )


def test_another_providers_engagement_sees_none_of_these_benchmarks(client, market_engagement):
    other = EngagementFactory(client=market_engagement.client)  # same client, other provider
    metric_value(other, "time_to_fill", "2026-10", 38)
    client.force_login(member(other.client, Role.HR_LEAD))
    page = client.get(panel_url(other)).content.decode()
    assert "No market benchmarks for this engagement." in page
    assert "Korn Ferry" not in page and "Mercer" not in page
    page = client.get(kpi_url(other)).content.decode()
    assert "no market benchmark applies" in page and "Korn Ferry" not in page


def test_a_new_engagement_with_nothing_says_so(client, engagement):
    for user in every_role(engagement):
        client.force_login(user)
        page = client.get(panel_url(engagement)).content.decode()
        assert "No market benchmarks for this engagement." in page
        response = client.get(kpi_url(engagement))
        assert response.status_code == 200
        assert "No value yet to compare with the market." in response.content.decode()


def test_the_kpi_page_shows_the_market_beside_the_value(client, market_engagement, hr_lead):
    client.force_login(hr_lead)
    page = client.get(kpi_url(market_engagement)).content.decode()
    assert "Time to fill 38.0 days; market 40.0 days (Korn Ferry, Oct 2026)" in page
    assert "2.0 days below the market (better)" in page
    page = client.get(
        kpi_url(market_engagement), {"segment": "job_family:Software"}
    ).content.decode()
    assert "Time to fill 55.0 days; market 50.0 days (Mercer, Oct 2026)" in page
    page = client.get(kpi_url(market_engagement), {"segment": "department:Sales"}).content.decode()
    assert "no market benchmark applies (the market is cut by job family and location only)" in page
    page = client.get(
        kpi_url(market_engagement, "offer_acceptance_rate"), {"grain": "quarter"}
    ).content.decode()
    assert "Offer acceptance rate 90.0%; market 85.0% (Mercer, Q3 2026)" in page
    # a KPI the market has no metric for shows no market section
    page = client.get(kpi_url(market_engagement, "time_to_hire")).content.decode()
    assert 'id="market-heading"' not in page


def test_the_panels_queries_do_not_grow_with_the_benchmarks(
    client, market_engagement, hr_lead, count_queries
):
    client.force_login(hr_lead)
    before = count_queries(lambda: client.get(panel_url(market_engagement)))
    more = "".join(f"2025-{m:02d},,,time_to_fill_days,{m},,Mercer,\n" for m in range(1, 13))
    import_shared(market_engagement.provider, SHARED.split("\n")[0] + "\n" + more)
    assert count_queries(lambda: client.get(panel_url(market_engagement))) == before


# --- A provider's page ----------------------------------------------------------------------


def provider_url(engagement):
    return reverse("market:provider", args=[engagement.provider_id])


def test_a_provider_imports_its_shared_file_after_a_preview(client, engagement, account_manager):
    client.force_login(account_manager)
    upload = {"file": _file("shared.csv", SHARED)}
    response = client.post(provider_url(engagement), upload)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ready to import shared.csv" in page
    assert not ProviderMarketBenchmark.objects.exists()  # the preview wrote nothing
    token = response.context["token"]
    response = client.post(provider_url(engagement), {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert ProviderMarketBenchmark.objects.filter(provider=engagement.provider).count() == 3
    page = client.get(response["Location"]).content.decode()
    assert "Imported: 3 benchmarks added or updated." in page
    # confirmed twice: nothing more
    client.post(provider_url(engagement), {"confirm": "1", "token": token})
    assert ProviderMarketBenchmark.objects.count() == 3


def test_a_bad_shared_file_lists_every_error_and_writes_nothing(client, engagement, provider_admin):
    client.force_login(provider_admin)
    bad = SHARED.replace("72000,EUR", "72000,").replace("Berlin,applicants", "Berlin,headcount")
    response = client.post(provider_url(engagement), {"file": _file("shared.csv", bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "shared.csv cannot be imported" in page
    assert "Required for salary_median: the figure is money." in page
    assert "Must be one of:" in page
    assert not ProviderMarketBenchmark.objects.exists()


def test_who_sees_and_who_imports_on_a_providers_page(client, engagement):
    for role in ROLES_PROVIDER:
        client.force_login(member(engagement.provider, role))
        response = client.get(provider_url(engagement))
        assert response.status_code == 200
        may = role != Role.RECRUITER
        assert ("Import a benchmarks file" in response.content.decode()) is may
        response = client.post(provider_url(engagement), {"file": _file("s.csv", SHARED)})
        assert response.status_code == (200 if may else 403)
    for role in ROLES_CLIENT:  # a client of the provider: its engagement's panel, not this page
        client.force_login(member(engagement.client, role))
        assert client.get(provider_url(engagement)).status_code == 404
        assert client.post(provider_url(engagement), {}).status_code == 404
    assert not ProviderMarketBenchmark.objects.exists()


def test_a_held_upload_is_its_uploaders_only(client, engagement, account_manager, provider_admin):
    client.force_login(account_manager)
    token = client.post(provider_url(engagement), {"file": _file("s.csv", SHARED)}).context["token"]
    client.force_login(provider_admin)
    client.post(provider_url(engagement), {"confirm": "1", "token": token})
    assert not ProviderMarketBenchmark.objects.exists()


def test_an_upload_without_a_file_is_told_on_the_field(client, engagement, account_manager):
    client.force_login(account_manager)
    response = client.post(provider_url(engagement), {})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page


def _file(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_panel_links_the_providers_page_for_those_who_import(client, engagement):
    link = reverse("market:provider", args=[engagement.provider_id])
    for role, shown in ((Role.ACCOUNT_MANAGER, True), (Role.RECRUITER, False)):
        client.force_login(member(engagement.provider, role))
        assert (link in client.get(panel_url(engagement)).content.decode()) is shown
    client.force_login(member(engagement.client, Role.CLIENT_ADMIN))
    assert link not in client.get(panel_url(engagement)).content.decode()
