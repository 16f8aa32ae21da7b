"""The breach API: list with filters, detail with timeline, transitions and relief claims."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_key_create
from sla.models import BreachStatus
from tests.sla.breach_helpers import agreed_clause, make_breach, requisition

pytestmark = pytest.mark.django_db


@pytest.fixture
def clause(engagement, account_manager):
    return agreed_clause(engagement, account_manager)


@pytest.fixture
def breach(engagement, clause):
    return make_breach(engagement, clause)


def _as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _base(engagement):
    return f"/api/v1/engagements/{engagement.pk}/breaches/"


def _one(breach, tail=""):
    return f"{_base(breach.engagement)}{breach.pk}/{tail}"


def test_list_and_filters(engagement, clause, account_manager, client_viewer):
    other = agreed_clause(engagement, account_manager, key="oar", kpi="offer_acceptance_rate")
    make_breach(engagement, clause, period="2025-06", status="waived")
    make_breach(engagement, clause, period="2025-07")
    make_breach(engagement, other, period="2025-07", value=60.0)
    api = _as(client_viewer)

    def ids(query=""):
        response = api.get(_base(engagement) + query)
        assert response.status_code == 200
        return [(row["clause"], row["period"], row["status"]) for row in response.json()["results"]]

    assert len(ids()) == 3
    assert ids("?status=waived") == [("ttf-month", "2025-06", "waived")]
    assert len(ids("?clause=ttf-month")) == 2
    assert len(ids("?period=2025-07")) == 2
    assert len(ids("?period_from=2025-07-01")) == 2
    assert api.get(_base(engagement) + "?status=nonsense").status_code == 400


def test_list_queries_do_not_grow(engagement, clause, hr_lead, count_queries):
    api = _as(hr_lead)
    make_breach(engagement, clause, period="2024-01")
    api.get(_base(engagement))  # the principal's roles are read once, then kept
    few = count_queries(lambda: api.get(_base(engagement)))
    for month in range(2, 13):
        make_breach(engagement, clause, period=f"2024-{month:02d}")
    assert count_queries(lambda: api.get(_base(engagement))) == few


def test_the_whole_life_through_the_api(engagement, breach, account_manager, hr_lead):
    provider, client = _as(account_manager), _as(hr_lead)
    assert provider.post(_one(breach, "acknowledge/"), {"note": "Seen."}).status_code == 200
    response = provider.post(
        _one(breach, "plan/"),
        {
            "root_cause": "Too few recruiters.",
            "corrective_actions": [
                {"title": "Hire two", "owner": account_manager.pk, "due_date": "2025-09-01"}
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    [action] = response.json()["corrective_actions"]
    assert provider.post(_one(breach, "resolve/")).status_code == 400
    status_url = _one(breach, f"corrective-actions/{action['id']}/status/")
    assert provider.post(status_url, {"status": "done"}).status_code == 200
    resolved = provider.post(_one(breach, "resolve/"), {"note": "Team complete."})
    assert resolved.json()["status"] == "resolved"
    reopened = client.post(_one(breach, "reopen/"), {"reason": "Still slow."})
    assert reopened.json()["status"] == "remediation_planned"

    detail = client.get(_one(breach)).json()
    assert [e["action"] for e in detail["timeline"]] == [
        "acknowledged",
        "remediation_planned",
        "resolved",
        "reopened",
    ]
    assert detail["timeline"][0]["actor"] == account_manager.email
    assert detail["remediation_plan"]["root_cause"] == "Too few recruiters."


def test_relief_claim_and_answer(engagement, breach, account_manager, hr_lead):
    requisition(engagement, "REQ-7")
    claim = {
        "reason": "no_interview_slots",
        "explanation": "No interview slots for three weeks.",
        "requisitions": ["REQ-7"],
        "days_lost": 15,
    }
    created = _as(account_manager).post(_one(breach, "relief-claims/"), claim, format="json")
    assert created.status_code == 201
    [relief] = created.json()["relief_claims"]
    assert relief["requisitions"] == ["REQ-7"] and relief["status"] == "pending"

    own = _as(account_manager).post(_one(breach, f"relief-claims/{relief['id']}/accept/"))
    assert own.status_code == 403
    assert "provider cannot answer its own relief claim" in own.json()["detail"]

    accepted = _as(hr_lead).post(_one(breach, f"relief-claims/{relief['id']}/accept/"))
    assert accepted.status_code == 200
    assert accepted.json()["status"] == BreachStatus.EXCUSED

    listed = _as(hr_lead).get(f"/api/v1/engagements/{engagement.pk}/relief-claims/?status=accepted")
    assert [row["id"] for row in listed.json()["results"]] == [relief["id"]]


def test_invalid_transitions_are_400_with_the_reason(engagement, account_manager, hr_lead):
    resolved = make_breach(
        engagement, agreed_clause(engagement, account_manager, key="k"), status="resolved"
    )
    response = _as(hr_lead).post(_one(resolved, "waive/"), {"reason": "r"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["reason"] == "A breach that is resolved cannot be waived."


@pytest.mark.parametrize(
    ("tail", "role"),
    [
        ("acknowledge/", Role.CLIENT_VIEWER),
        ("acknowledge/", Role.HR_LEAD),
        ("waive/", Role.ACCOUNT_MANAGER),
        ("waive/", Role.CLIENT_VIEWER),
        ("reopen/", Role.RECRUITER),
        ("plan/", Role.CLIENT_ADMIN),
        ("resolve/", Role.CLIENT_VIEWER),
        ("relief-claims/", Role.HR_LEAD),
        ("corrective-actions/", Role.CLIENT_VIEWER),
    ],
)
def test_roles_that_may_not_act_get_403(breach, tail, role, request):
    fixture = {
        Role.CLIENT_VIEWER: "client_viewer",
        Role.HR_LEAD: "hr_lead",
        Role.ACCOUNT_MANAGER: "account_manager",
        Role.RECRUITER: "recruiter",
        Role.CLIENT_ADMIN: "client_admin",
    }[role]
    user = request.getfixturevalue(fixture)
    body = {
        "note": "",
        "reason": "other",
        "root_cause": "x",
        "explanation": "x",
        "days_lost": 1,
        "title": "x",
        "owner": user.pk,
        "due_date": "2025-09-01",
    }
    assert _as(user).post(_one(breach, tail), body, format="json").status_code == 403
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN


def test_an_api_key_reads_but_does_not_act(engagement, breach):
    _, key = api_key_create(
        actor=None, organization=engagement.client, name="HRIS", role=Role.HR_LEAD
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert api.get(_base(engagement)).status_code == 200
    response = api.post(_one(breach, "waive/"), {"reason": "r"})
    assert response.status_code == 403
    assert "signed-in person" in response.json()["detail"]


def test_outsiders_get_404(breach, outsider):
    api = _as(outsider)
    assert api.get(_base(breach.engagement)).status_code == 404
    assert api.get(_one(breach)).status_code == 404
    assert api.post(_one(breach, "acknowledge/")).status_code == 404


def test_another_engagements_breach_is_404(breach, other_engagement):
    from tests.factories import member

    lead = member(other_engagement.client, Role.HR_LEAD)
    url = f"/api/v1/engagements/{other_engagement.pk}/breaches/{breach.pk}/"
    assert _as(lead).get(url).status_code == 404
    assert _as(lead).post(url + "waive/", {"reason": "r"}).status_code == 404
