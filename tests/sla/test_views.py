"""SLA pages: what each party sees, who may act (403), and outsiders (404)."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sla.models import SlaClause, SlaSchedule
from tests.sla.conftest import CLAUSE_FORM, SCHEDULE, propose_file

pytestmark = pytest.mark.django_db


def url(name, engagement, *args):
    return reverse(f"sla:{name}", args=[engagement.pk, *args])


def test_the_sla_tab_shows_clauses_their_state_warnings_and_schedules(
    login, sla_engagement, hr_lead
):
    page = login(hr_lead).get(url("overview", sla_engagement)).content.decode()
    assert "S-TTF-ENG" in page and "Agreed" in page and "Warning" in page
    assert f'href="/engagements/{sla_engagement.pk}/sla/"' in page  # the nav tab


def test_the_scorecard_links_each_cell_to_the_value_drilldown(login, sla_engagement, hr_lead):
    client = login(hr_lead)
    page = client.get(url("scorecard", sla_engagement)).content.decode()
    assert 'class="outcome outcome-breach"' in page and "/kpis/values/" in page
    fragment = client.get(
        url("scorecard", sla_engagement) + "?grain=quarter", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert fragment.lstrip().startswith('<section id="scorecard"')
    assert "S-NPS-Q" in fragment and "S-TTF" not in fragment


def test_the_ledger_writes_out_the_arithmetic_per_quarter(login, sla_engagement, client_viewer):
    page = (
        login(client_viewer)
        .get(url("ledger", sla_engagement) + "?quarter=2025-Q2")
        .content.decode()
    )
    # 150 bonus - (600 + 1500 + 100 + 0); S-TTF 2025-04 (500) was earned back. Amounts read as
    # money: the currency, a no-break space, thousands separators.
    page = page.replace("\u00a0", " ")
    assert "Q2 2025" in page and "Net -USD 2,050.00" in page
    assert "at-risk cap USD 2,700.00: USD 100.00 left" in page
    assert "earned back by May 2025, Jun 2025" in page


def test_the_ledger_adds_up_each_period_and_the_quarter(login, sla_engagement, client_viewer):
    page = (
        login(client_viewer)
        .get(url("ledger", sla_engagement) + "?quarter=2025-Q2")
        .content.decode()
        .replace("\u00a0", " ")
    )
    subtotals = re.findall(r"Subtotal (\w{3} 2025|Q2 2025)</th>\s*<td[^>]*>(-?USD [\d,.]+)<", page)
    assert [period for period, _ in subtotals][:3] == ["Apr 2025", "May 2025", "Jun 2025"]
    total = sum(Decimal(amount.replace("USD ", "").replace(",", "")) for _, amount in subtotals)
    assert total == Decimal("-2050.00")
    assert "Net Q2 2025</th>" in page


def test_the_scorecard_and_ledger_ask_the_database_a_fixed_number_of_times(
    login, sla_engagement, hr_lead, django_assert_max_num_queries
):
    client = login(hr_lead)
    # Each request's transaction, role and tenant are four statements of these (a savepoint,
    # the switch, the switch back, the release).
    with django_assert_max_num_queries(12):
        client.get(url("scorecard", sla_engagement))
    with django_assert_max_num_queries(13):
        client.get(url("ledger", sla_engagement))
    with django_assert_max_num_queries(18):
        client.get(url("overview", sla_engagement))


def test_upload_preview_then_propose_then_the_other_party_agrees(
    login, engagement, account_manager, hr_lead
):
    client = login(account_manager)
    upload = SimpleUploadedFile("sla_schedule.csv", SCHEDULE.read_bytes())
    response = client.post(url("schedule_upload", engagement), {"file": upload})
    assert "7 clauses in sla_schedule.csv" in response.content.decode()
    assert not SlaSchedule.objects.exists()
    payload = response.context["confirm"].initial
    response = client.post(url("schedule_confirm", engagement), payload | {"replaces": ""})
    schedule = SlaSchedule.objects.get()
    assert response.status_code == 302 and schedule.clauses.count() == 7
    # The proposer cannot answer; the other party agrees to the whole schedule at once.
    assert "Respond to the whole schedule" not in client.get(response.url).content.decode()
    other = login(hr_lead)
    other.post(url("schedule_detail", engagement, schedule.pk), {"decision": "agree"})
    assert SlaClause.objects.filter(in_force=True).count() == 7
    page = other.get(url("clause_detail", engagement, schedule.clauses.first().pk)).content.decode()
    assert "Proposed" in page and "Agreed" in page


def test_a_bad_upload_lists_every_error_and_proposes_nothing(login, engagement, hr_lead):
    data = b"clause,kpi,grain,threshold,effective_from,pct\nA,time_to_fly,month,1,2025-01-01,5\n"
    response = login(hr_lead).post(
        url("schedule_upload", engagement),
        {"file": SimpleUploadedFile("s.csv", data)},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="schedule-panel"')
    assert '<td data-label="Row">2</td><td data-label="Column"><code>kpi</code></td>' in page
    assert "Unknown KPI" in page
    assert not SlaSchedule.objects.exists()


def test_a_counter_upload_counters_the_schedule(login, engagement, account_manager, hr_lead):
    schedule = propose_file(engagement, account_manager)
    client = login(hr_lead)
    upload = SimpleUploadedFile("sla_schedule.csv", SCHEDULE.read_bytes())
    response = client.post(
        url("schedule_detail", engagement, schedule.pk), {"file": upload, "counter": "1"}
    )
    payload = response.context["confirm"].initial
    assert payload["replaces"] == schedule.pk
    client.post(url("schedule_confirm", engagement), payload)
    schedule.refresh_from_db()
    assert schedule.state == "countered"
    assert SlaSchedule.objects.get(replaces=schedule).proposed_by == hr_lead


def test_a_clause_from_the_form(login, engagement, account_manager):
    response = login(account_manager).post(url("clause_new", engagement), CLAUSE_FORM)
    assert response.status_code == 302
    assert SlaClause.objects.get().key == "S-HIRES"


@pytest.mark.parametrize("name", ["clause_new", "schedule_upload", "schedule_confirm"])
def test_viewers_and_recruiters_may_not_propose(login, engagement, client_viewer, recruiter, name):
    for user in (client_viewer, recruiter):
        client = login(user)
        assert client.post(url(name, engagement)).status_code == 403


def test_a_viewer_may_not_answer_a_schedule(login, engagement, account_manager, client_viewer):
    schedule = propose_file(engagement, account_manager)
    response = login(client_viewer).post(
        url("schedule_detail", engagement, schedule.pk), {"decision": "agree"}
    )
    assert response.status_code == 403
    schedule.refresh_from_db()
    assert schedule.state == "proposed"


def test_outsiders_get_404_on_records_of_the_engagement(login, sla_engagement, outsider):
    clause = SlaClause.objects.first()
    client = login(outsider)
    for path in (
        url("clause_detail", sla_engagement, clause.pk),
        url("schedule_detail", sla_engagement, clause.schedule_id),
        url("scorecard", sla_engagement),
        url("ledger", sla_engagement),
    ):
        assert client.get(path).status_code == 404


def test_a_clause_of_another_engagement_is_404(login, sla_engagement, other_engagement, outsider):
    clause = SlaClause.objects.first()
    path = reverse("sla:clause_detail", args=[other_engagement.pk, clause.pk])
    assert login(outsider).get(path).status_code == 404
