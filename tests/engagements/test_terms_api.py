"""The commercial terms API: list, propose, agree, reject; outsiders 404, roles 403."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from engagements.commercial import CommercialTerms
from engagements.terms_services import commercial_terms_initial

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)
PROPOSAL = {"effective_from": "2026-04-01", "monthly_fee": "60000", "at_risk_pct": "8"}
ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]
NEGOTIATORS = {"client_admin", "hr_lead", "provider_admin", "account_manager"}
CLIENT_SIDE = {"client_admin", "hr_lead", "client_viewer"}


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(engagement, tail: str = "") -> str:
    return f"/api/v1/engagements/{engagement.pk}/terms/{tail}"


@pytest.fixture
def with_terms(engagement):
    commercial_terms_initial(engagement=engagement, effective_from=date(2025, 1, 1))
    return engagement


def proposed(engagement, user) -> int:
    with time_machine.travel(TODAY):
        response = api_as(user).post(url(engagement), PROPOSAL, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_the_terms(with_terms, role, request):
    response = api_as(request.getfixturevalue(role)).get(url(with_terms))
    assert response.status_code == 200
    (first,) = response.json()
    assert first["state"] == "agreed" and first["proposed_by"] is None
    assert first["monthly_fee"] == "50000.00" and first["effective_from"] == "2025-01-01"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose(with_terms, role, request):
    with time_machine.travel(TODAY):
        response = api_as(request.getfixturevalue(role)).post(
            url(with_terms), PROPOSAL, format="json"
        )
    if role in NEGOTIATORS:
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["state"] == "proposed"
        assert body["proposed_by_party"] == ("client" if role in CLIENT_SIDE else "provider")
        assert [step["action"] for step in body["steps"]] == ["proposed"]
    else:
        assert response.status_code == 403
        assert not CommercialTerms.objects.filter(state="proposed").exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_agree_to_the_clients_proposal(with_terms, hr_lead, role, request):
    terms_id = proposed(with_terms, hr_lead)
    with time_machine.travel(TODAY):
        response = api_as(request.getfixturevalue(role)).post(url(with_terms, f"{terms_id}/agree/"))
    state = CommercialTerms.objects.get(pk=terms_id).state
    if role in {"provider_admin", "account_manager"}:
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == "agreed" == state
    else:  # the proposer's own party, or a role that may not negotiate
        assert response.status_code == 403
        assert state == "proposed"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_reject_the_providers_proposal(with_terms, account_manager, role, request):
    terms_id = proposed(with_terms, account_manager)
    response = api_as(request.getfixturevalue(role)).post(
        url(with_terms, f"{terms_id}/reject/"), {"note": "No."}, format="json"
    )
    state = CommercialTerms.objects.get(pk=terms_id).state
    if role in {"client_admin", "hr_lead"}:
        assert response.status_code == 200
        assert state == "rejected"
        assert response.json()["steps"][-1]["note"] == "No."
    else:
        assert response.status_code == 403
        assert state == "proposed"


def test_an_answered_proposal_is_a_conflict(with_terms, account_manager, hr_lead):
    terms_id = proposed(with_terms, account_manager)
    with time_machine.travel(TODAY):
        assert api_as(hr_lead).post(url(with_terms, f"{terms_id}/agree/")).status_code == 200
        again = api_as(hr_lead).post(url(with_terms, f"{terms_id}/reject/"))
    assert again.status_code == 409
    assert "already agreed" in again.json()["detail"]
    assert again.json()["error_count"] == 1 and again.json()["errors"][0]["reason"]


def test_invalid_terms_are_refused(with_terms, hr_lead):
    with time_machine.travel(TODAY):
        past = api_as(hr_lead).post(
            url(with_terms), PROPOSAL | {"effective_from": "2026-01-01"}, format="json"
        )
        mid_month = api_as(hr_lead).post(
            url(with_terms), PROPOSAL | {"effective_from": "2026-04-15"}, format="json"
        )
        negative = api_as(hr_lead).post(url(with_terms), PROPOSAL | {"monthly_fee": "-1"})
    assert past.status_code == 400 and "past months" in past.json()["detail"]
    assert mid_month.status_code == 400 and "first day of a month" in mid_month.json()["detail"]
    assert negative.status_code == 400
    assert set(past.json()) == {"detail", "errors", "error_count"}
    assert not CommercialTerms.objects.filter(state="proposed").exists()


def test_outsiders_get_404(with_terms, hr_lead, outsider):
    terms_id = proposed(with_terms, hr_lead)
    client = api_as(outsider)
    assert client.get(url(with_terms)).status_code == 404
    assert client.post(url(with_terms), PROPOSAL, format="json").status_code == 404
    assert client.post(url(with_terms, f"{terms_id}/agree/")).status_code == 404
    assert client.post(url(with_terms, f"{terms_id}/reject/")).status_code == 404
    assert CommercialTerms.objects.get(pk=terms_id).state == "proposed"


def test_terms_of_another_engagement_are_404(with_terms, other_engagement, hr_lead):
    other = commercial_terms_initial(engagement=other_engagement)
    response = api_as(hr_lead).post(url(with_terms, f"{other.pk}/agree/"))
    assert response.status_code == 404


def test_an_api_key_reads_but_does_not_negotiate(with_terms, account_manager, key_client):
    terms_id = proposed(with_terms, account_manager)
    client = key_client(with_terms.client)
    assert client.get(url(with_terms)).status_code == 200
    assert client.post(url(with_terms), PROPOSAL, format="json").status_code == 403
    assert client.post(url(with_terms, f"{terms_id}/agree/")).status_code == 403
    assert CommercialTerms.objects.get(pk=terms_id).state == "proposed"


def test_the_engagement_api_shows_the_terms_in_force(with_terms, account_manager, hr_lead):
    terms_id = proposed(with_terms, account_manager)
    with time_machine.travel(date(2026, 4, 3)):
        assert api_as(hr_lead).post(url(with_terms, f"{terms_id}/agree/")).status_code == 200
        data = api_as(hr_lead).get(f"/api/v1/engagements/{with_terms.pk}/").json()
    assert (Decimal(data["monthly_fee"]), Decimal(data["at_risk_pct"])) == (
        Decimal("60000"),
        Decimal("8"),
    )
