"""The dashboard's SLA and next-meetings panels, the SLA feed in recent activity, the
portfolio's breach and credit columns and the KPI page's SLA outcomes."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def manager(dashboard_engagement):
    return member(dashboard_engagement.provider, Role.ACCOUNT_MANAGER)


def test_sla_panel_shows_breaches_warnings_money_and_relief_claims(
    login, dashboard_engagement, manager
):
    engagement = dashboard_engagement
    url = reverse("engagements:detail", args=[engagement.pk])
    response = login(manager).get(url, {"period": "2025-07"})
    sla = response.context["sla"]
    assert sla.breach_count == 1 and len(sla.warnings) == 1 and len(sla.relief_claims) == 1
    assert sla.money.quarter == "2025-Q3"
    # 5 % of the monthly fee for the July breach, no bonus clause.
    assert sla.money.credits == engagement.monthly_fee * 5 / 100
    assert sla.money.net == -sla.money.credits
    html = response.content.decode()
    breach = sla.breaches[0]
    assert reverse("breaches:detail", args=[engagement.pk, breach.pk]) in html
    assert reverse("sla:ledger", args=[engagement.pk]) in html
    assert "<strong>1</strong> relief claim waiting for an answer" in html


def test_sla_panel_follows_the_period_filter(login, dashboard_engagement, manager):
    client = login(manager)
    url = reverse("engagements:detail", args=[dashboard_engagement.pk])
    earlier = client.get(url, {"period": "2025-02"}).context["sla"].money
    assert earlier.quarter == "2025-Q1" and earlier.credits == 0
    quarter = client.get(url, {"grain": "quarter", "period": "2025-Q3"}).context["sla"]
    assert quarter.money.quarter == "2025-Q3" and quarter.money.credits > 0


def test_next_meetings_panel_lists_one_meeting_per_tier(login, dashboard_engagement, manager):
    url = reverse("engagements:detail", args=[dashboard_engagement.pk])
    response = login(manager).get(url)
    tiers = [m.tier for m in response.context["next_meetings"]]
    assert tiers == ["operational", "tactical", "strategic"]
    for meeting in response.context["next_meetings"]:
        assert reverse("reviews:meeting", args=[dashboard_engagement.pk, meeting.pk]) in (
            response.content.decode()
        )


def test_activity_lists_schedule_steps_breach_transitions_and_decisions(
    login, dashboard_engagement, manager
):
    from sla.models import ScheduleStep, SlaSchedule

    schedule = SlaSchedule.objects.filter(engagement=dashboard_engagement).first()
    ScheduleStep.objects.create(
        engagement=dashboard_engagement,
        schedule=schedule,
        action="agreed",
        actor=manager,
        party="provider",
        at=schedule.proposed_at,
    )
    url = reverse("engagements:detail", args=[dashboard_engagement.pk])
    kinds = {a.kind for a in login(manager).get(url).context["activity"]}
    assert {"SLA", "breach", "decision"} <= kinds


@pytest.mark.parametrize("panel", ["sla", "meetings"])
def test_new_panels_are_not_found_for_outsiders(login, dashboard_engagement, outsider, panel):
    url = reverse("engagements:panel", args=[dashboard_engagement.pk, panel])
    assert login(outsider).get(url, **HTMX).status_code == 404


def test_breach_escalation_is_refused_to_a_read_only_role(
    login, dashboard_engagement, client_viewer, outsider
):
    from sla.models import Breach

    breach = Breach.objects.filter(engagement=dashboard_engagement).first()
    url = reverse("breaches:escalate", args=[dashboard_engagement.pk, breach.pk])
    assert login(client_viewer).post(url, {"tier": "tactical"}).status_code == 403
    assert login(outsider).post(url, {"tier": "tactical"}).status_code == 404


def test_portfolio_shows_open_breaches_and_net_credits_sortable(
    login, dashboard_engagement, manager
):
    from tests.factories import EngagementFactory

    EngagementFactory(provider=dashboard_engagement.provider)
    client = login(manager)
    rows = client.get(reverse("engagements:home"), {"sort": "breaches"}).context["rows"]
    assert [r.open_breaches for r in rows] == [1, 0]
    assert rows[0].engagement == dashboard_engagement
    ascending = client.get(reverse("engagements:home"), {"sort": "net", "dir": "asc"})
    assert ascending.context["rows"][0].net_credits <= ascending.context["rows"][1].net_credits
    assert "Net credits this quarter" in ascending.content.decode()


def test_kpi_page_shows_the_sla_outcomes_of_its_clauses(login, dashboard_engagement, manager):
    url = reverse("kpis:kpi_detail", args=[dashboard_engagement.pk, "time_to_fill"])
    response = login(manager).get(url)
    card = response.context["sla_card"]
    assert [clause.key for clause, _ in card.rows] == ["ttf-month"]
    assert 'class="outcome outcome-breach"' in response.content.decode()
    other = login(manager).get(
        reverse("kpis:kpi_detail", args=[dashboard_engagement.pk, "offer_acceptance_rate"])
    )
    assert other.context["sla_card"].rows == []


def test_each_kpi_tile_shows_its_sla_mark_beside_its_status(login, dashboard_engagement, manager):
    """July's time to fill is read twice: against the target (its status) and against clause
    ttf-month's breach threshold (breached); each says which threshold it reads."""
    url = reverse("engagements:detail", args=[dashboard_engagement.pk])
    response = login(manager).get(url, {"period": "2025-07"})
    tiles = {tile.kpi.key: tile for tile in response.context["tiles"]}
    marks = tiles["time_to_fill"].sla_marks
    assert [(m.key, m.words, m.status) for m in marks] == [("ttf-month", "Breached", "off_track")]
    assert tiles["offer_acceptance_rate"].sla_marks == []
    html = response.content.decode()
    assert (
        'SLA ttf-month: Breached</strong> <span class="muted">against its breach threshold' in html
    )
    assert "<dt>SLA ttf-month</dt><dd>breached above 35 days</dd>" in html
    assert "against the target" in html
    # The clause is monthly: a quarter's tiles carry no mark of it.
    quarter = login(manager).get(url, {"grain": "quarter", "period": "2025-Q3"})
    assert all(tile.sla_marks == [] for tile in quarter.context["tiles"])
