"""Breach pages: the list and its filters, each breach with the forms its viewer may use,
and the transitions posted from them (with and without htmx)."""

import pytest
from django.urls import reverse

from sla.models import BreachStatus
from tests.sla.breach_helpers import agreed_clause, make_breach, pending_relief_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def clause(engagement, account_manager):
    return agreed_clause(engagement, account_manager)


@pytest.fixture
def breach(engagement, clause):
    return make_breach(engagement, clause)


def _list(engagement, query=""):
    return reverse("breaches:list", args=[engagement.pk]) + query


def _detail(breach):
    return reverse("breaches:detail", args=[breach.engagement_id, breach.pk])


def _post(breach, action):
    return reverse("breaches:transition", args=[breach.engagement_id, breach.pk, action])


def test_list_filters_by_status_clause_and_period(
    engagement, account_manager, client_viewer, login
):
    ttf = agreed_clause(engagement, account_manager, key="ttf")
    oar = agreed_clause(engagement, account_manager, key="oar", kpi="offer_acceptance_rate")
    make_breach(engagement, ttf, period="2025-06", status="waived")
    make_breach(engagement, ttf, period="2025-07")
    make_breach(engagement, oar, period="2025-07", value=60.0)
    client = login(client_viewer)

    all_page = client.get(_list(engagement)).content.decode()
    assert "3 breaches" in all_page
    assert "1 breach<" in client.get(_list(engagement, "?status=waived")).content.decode()
    assert "2 breaches" in client.get(_list(engagement, "?clause=ttf")).content.decode()
    assert "2 breaches" in client.get(_list(engagement, "?period=2025-07")).content.decode()
    both = client.get(_list(engagement, "?status=open&status=waived&clause=oar")).content.decode()
    assert "1 breach<" in both


def test_list_filters_the_breaches_whose_relief_claim_waits(
    engagement, account_manager, hr_lead, login
):
    """The dashboard's "1 relief claim waiting" leads to exactly those breaches."""
    ttf = agreed_clause(engagement, account_manager, key="ttf")
    waiting = make_breach(engagement, ttf, period="2025-06")
    make_breach(engagement, ttf, period="2025-07")
    pending_relief_claim(waiting, account_manager)
    client = login(hr_lead)
    page = client.get(_list(engagement, "?relief_pending=true")).content.decode()
    results = page[page.index('<section id="results"') :]
    assert "1 breach<" in results and "Jun 2025" in results and "Jul 2025" not in results
    dashboard = client.get(reverse("engagements:detail", args=[engagement.pk])).content.decode()
    assert f"{_list(engagement)}?relief_pending=true" in dashboard


def test_list_by_htmx_returns_the_results_only(engagement, breach, hr_lead, login):
    response = login(hr_lead).get(_list(engagement, "?status=open"), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="results"')
    assert "ttf-month" in content


def test_list_queries_do_not_grow(engagement, clause, hr_lead, login, count_queries):
    client = login(hr_lead)
    make_breach(engagement, clause, period="2024-01")
    few = count_queries(lambda: client.get(_list(engagement)))
    for month in range(2, 13):
        make_breach(engagement, clause, period=f"2024-{month:02d}")
    many = count_queries(lambda: client.get(_list(engagement)))
    assert many == few


def test_detail_shows_the_forms_of_the_role(breach, account_manager, hr_lead, client_viewer, login):
    provider_page = login(account_manager).get(_detail(breach)).content.decode()
    assert "Acknowledge the breach" in provider_page
    assert "Claim relief" in provider_page
    assert "Waive the breach" not in provider_page

    client_page = login(hr_lead).get(_detail(breach)).content.decode()
    assert "Waive the breach" in client_page
    assert "Acknowledge the breach" not in client_page

    viewer_page = login(client_viewer).get(_detail(breach)).content.decode()
    assert viewer_page.count('<form method="post" action="/engagements') == 0
    assert "Timeline" in viewer_page


def test_detail_queries_do_not_grow_with_the_timeline(
    breach, account_manager, login, count_queries
):
    from sla.breaches.services import breach_acknowledge

    client = login(account_manager)
    few = count_queries(lambda: client.get(_detail(breach)))
    breach_acknowledge(actor=account_manager, breach=breach, note="seen")
    many = count_queries(lambda: client.get(_detail(breach)))
    assert many <= few + 1  # the plan form's owner list appears once acknowledged


def test_acknowledge_without_js(breach, account_manager, login):
    response = login(account_manager).post(
        _post(breach, "acknowledge"), {"acknowledge-note": "On it."}
    )
    assert response.status_code == 302
    assert response.url == _detail(breach)
    breach.refresh_from_db()
    assert breach.status == BreachStatus.ACKNOWLEDGED


def test_plan_by_htmx_returns_the_updated_breach(breach, account_manager, login):
    client = login(account_manager)
    client.post(_post(breach, "acknowledge"), {})
    response = client.post(
        _post(breach, "plan"),
        {
            "plan-root_cause": "Sourcing too narrow.",
            "plan-title": "Add two job boards",
            "plan-owner": account_manager.pk,
            "plan-due_date": "2025-09-15",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="breach">')
    assert "Remediation plan recorded." in content
    assert "Add two job boards" in content


def test_an_invalid_transition_says_why(breach, account_manager, login):
    response = login(account_manager).post(_post(breach, "resolve"), {})
    assert response.status_code == 400
    assert "A breach that is open cannot be resolved" in response.content.decode()


def test_a_provider_accepting_its_own_claim_gets_403_with_the_reason(
    breach, account_manager, login
):
    response = login(account_manager).post(_post(breach, "accept"), {"answer-claim": 1})
    assert response.status_code == 403
    assert "provider cannot answer its own relief claim" in response.content.decode()


@pytest.mark.parametrize(
    "action",
    [
        "acknowledge",
        "plan",
        "add_action",
        "action_status",
        "resolve",
        "reopen",
        "waive",
        "claim",
        "accept",
        "reject",
    ],
)
def test_a_viewer_may_not_act(breach, client_viewer, login, action):
    assert login(client_viewer).post(_post(breach, action), {}).status_code == 403
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN


@pytest.mark.parametrize("action", ["waive", "reopen", "accept", "reject"])
def test_the_provider_may_not_decide(breach, account_manager, login, action):
    assert login(account_manager).post(_post(breach, action), {}).status_code == 403


@pytest.mark.parametrize("action", ["acknowledge", "plan", "resolve", "claim"])
def test_the_client_may_not_respond_for_the_provider(breach, hr_lead, login, action):
    assert login(hr_lead).post(_post(breach, action), {}).status_code == 403


def test_outsiders_get_404_everywhere(breach, outsider, login):
    client = login(outsider)
    assert client.get(_list(breach.engagement)).status_code == 404
    assert client.get(_detail(breach)).status_code == 404
    assert client.post(_post(breach, "waive"), {"waive-reason": "x"}).status_code == 404


def test_a_breach_of_another_engagement_is_404(breach, other_engagement, login):
    from accounts.models import Role
    from tests.factories import member

    other_lead = member(other_engagement.client, Role.HR_LEAD)
    url = reverse("breaches:detail", args=[other_engagement.pk, breach.pk])
    assert login(other_lead).get(url).status_code == 404


def test_unknown_action_is_404(breach, hr_lead, login):
    assert login(hr_lead).post(_post(breach, "delete"), {}).status_code == 404


def test_get_on_a_transition_is_refused(breach, hr_lead, login):
    assert login(hr_lead).get(_post(breach, "waive")).status_code == 405


def test_relief_claim_form_reports_unknown_requisitions(breach, account_manager, login):
    response = login(account_manager).post(
        _post(breach, "claim"),
        {
            "claim-reason": "feedback_late",
            "claim-explanation": "Late feedback.",
            "claim-requisitions": "REQ-404",
            "claim-days_lost": "4",
        },
    )
    assert response.status_code == 400
    assert "Not requisitions of this engagement: REQ-404." in response.content.decode()


def test_a_revised_plan_with_half_an_action_says_so_on_each_missing_field(engagement):
    from reviews import selectors as review_selectors
    from sla.breaches.forms import RemediationPlanForm

    form = RemediationPlanForm(
        {"root_cause": "Sourcing too narrow.", "title": "Add two job boards"},
        members=review_selectors.members_of(engagement=engagement),
        has_actions=True,
    )
    assert not form.is_valid()
    assert form.non_field_errors() == []
    assert form.errors["owner"] == [
        "An action needs its owner too: give it, or leave the action's title, owner and due "
        "date all blank."
    ]
    assert list(form.errors) == ["owner", "due_date"]
    assert "An action needs its due date too" in form.errors["due_date"][0]
    html = str(form)
    assert 'class="error-summary" role="alert" tabindex="-1" autofocus' in html
    assert '<a href="#id_owner">Owner</a>' in html
