"""The SLA API: clauses, schedules (propose, agree, reject), outcomes and the ledger."""

import pytest
from rest_framework.test import APIClient

from sla.models import SlaClause, SlaSchedule
from tests.sla.conftest import propose_file

pytestmark = pytest.mark.django_db

CLAUSE = {
    "clause": "S-HIRES",
    "kpi": "hires",
    "grain": "month",
    "threshold": "3",
    "effective_from": "2025-01-01",
    "pct": "2",
}


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def base(engagement) -> str:
    return f"/api/v1/engagements/{engagement.pk}/sla/"


def test_propose_then_the_other_party_agrees(engagement, account_manager, hr_lead):
    response = api_as(account_manager).post(
        base(engagement) + "schedules/", {"clauses": [CLAUSE], "note": "hires"}, format="json"
    )
    assert response.status_code == 201, response.json()
    schedule = response.json()
    assert schedule["state"] == "proposed" and schedule["clauses"][0]["clause"] == "S-HIRES"
    own = api_as(account_manager).post(base(engagement) + f"schedules/{schedule['id']}/agree/")
    assert own.status_code == 403
    agreed = api_as(hr_lead).post(
        base(engagement) + f"schedules/{schedule['id']}/agree/", {"note": "ok"}, format="json"
    )
    assert agreed.status_code == 200 and agreed.json()["state"] == "agreed"
    assert [s["action"] for s in agreed.json()["steps"]] == ["proposed", "agreed"]
    again = api_as(hr_lead).post(base(engagement) + f"schedules/{schedule['id']}/reject/")
    assert again.status_code == 409
    assert set(again.json()) == {"detail", "errors", "error_count"}
    listed = api_as(hr_lead).get(base(engagement) + "clauses/?in_force=true").json()
    assert [c["clause"] for c in listed["results"]] == ["S-HIRES"]


def test_a_bad_clause_is_refused_with_index_field_and_reason(engagement, hr_lead):
    bad = [CLAUSE, CLAUSE | {"clause": "S-B", "kind": "bonus", "earn_back": 2}]
    response = api_as(hr_lead).post(
        base(engagement) + "schedules/", {"clauses": bad}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 1, "field": "earn_back", "reason": "A bonus cannot be earned back."}
    ]
    assert not SlaSchedule.objects.exists()


def test_roles_and_api_keys_may_read_but_not_negotiate(
    engagement, account_manager, client_viewer, key_client
):
    schedule = propose_file(engagement, account_manager)
    viewer = api_as(client_viewer)
    assert viewer.get(base(engagement) + "schedules/").status_code == 200
    assert (
        viewer.post(
            base(engagement) + "schedules/", {"clauses": [CLAUSE]}, format="json"
        ).status_code
        == 403
    )
    assert viewer.post(base(engagement) + f"schedules/{schedule.pk}/agree/").status_code == 403
    key = key_client(engagement.client, "hr_lead")
    assert key.get(base(engagement) + "clauses/").status_code == 200
    assert key.post(base(engagement) + f"schedules/{schedule.pk}/agree/").status_code == 403
    schedule.refresh_from_db()
    assert schedule.state == "proposed"


def test_outsiders_get_404(engagement, account_manager, outsider):
    schedule = propose_file(engagement, account_manager)
    client = api_as(outsider)
    for path in ("clauses/", "schedules/", "outcomes/", "ledger/"):
        assert client.get(base(engagement) + path).status_code == 404
    assert client.post(base(engagement) + f"schedules/{schedule.pk}/agree/").status_code == 404


def test_outcomes_and_the_ledger(sla_engagement, client_viewer):
    client = api_as(client_viewer)
    outcomes = client.get(base(sla_engagement) + "outcomes/?clause=S-OAR&outcome=breach").json()
    assert [o["period"] for o in outcomes["results"]] == ["2025-03", "2025-04", "2025-06"]
    ledger = client.get(base(sla_engagement) + "ledger/?quarter=2025-Q2").json()
    (quarter,) = ledger["quarters"]
    assert quarter["quarter"] == "2025-Q2" and quarter["net"] == "-2050.00"
    div = next(line for line in quarter["lines"] if line["clause"] == "S-DIV")
    assert (div["gross"], div["amount"]) == ("300.00", "100.00")
    assert div["caps"] == ["at-risk cap 2700.00: 100.00 left"]
    ttf = next(line for line in quarter["lines"] if line["clause"] == "S-TTF")
    assert ttf["earned_back"] and ttf["earned_back_by"] == ["2025-05", "2025-06"]


def test_the_engagement_api_carries_at_risk_pct(sla_engagement, hr_lead):
    data = api_as(hr_lead).get(f"/api/v1/engagements/{sla_engagement.pk}/").json()
    assert data["at_risk_pct"] == "9.0000"
    assert SlaClause.objects.filter(in_force=True).count() == 7
