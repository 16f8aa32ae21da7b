"""Recruiter capacity: its two-party agreement, the page, CSVs and API, the what-if (which
writes nothing); outsiders get 404 and every member reads it."""

import json
from datetime import date

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from forecasts.capacity_selectors import WhatIf, capacity_in_force, capacity_view
from forecasts.capacity_services import capacity_agree, capacity_propose
from tests.kpis.sample import import_sample

TODAY = date(2025, 6, 10)
ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]


@pytest.fixture
def sampled(engagement, account_manager, hr_lead):
    """The sample's 60 requisitions (recruiters rec0-rec3) and plan; 2 requisitions a
    recruiter agreed."""
    import_sample(engagement)
    capacity_agree(
        actor=hr_lead,
        terms=capacity_propose(
            actor=account_manager, engagement=engagement, requisitions_per_recruiter=2
        ),
    )
    return engagement


def page(engagement, **query):
    return reverse("capacity:page", args=[engagement.pk]), query


def every_row_count() -> int:
    return sum(model.objects.count() for model in apps.get_models())


def test_capacity_is_proposed_by_one_party_and_agreed_by_the_other(
    engagement, account_manager, provider_admin, hr_lead, client_viewer
):
    assert capacity_in_force(engagement=engagement) is None
    proposal = capacity_propose(
        actor=account_manager, engagement=engagement, requisitions_per_recruiter=6
    )
    assert capacity_in_force(engagement=engagement) is None
    with pytest.raises(PermissionDenied):
        capacity_agree(actor=provider_admin, terms=proposal)  # the same party
    with pytest.raises(PermissionDenied):
        capacity_propose(actor=client_viewer, engagement=engagement, requisitions_per_recruiter=3)
    capacity_agree(actor=hr_lead, terms=proposal)
    assert capacity_in_force(engagement=engagement).requisitions_per_recruiter == 6
    assert [step.action for step in proposal.steps.all()] == ["proposed", "agreed"]
    assert proposal.steps.first().changes == {"requisitions_per_recruiter": [None, 6]}


@time_machine.travel(TODAY, tick=False)
def test_the_page_shows_loads_over_capacity_and_demand(login, sampled, client_viewer):
    response = login(client_viewer).get(reverse("capacity:page", args=[sampled.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "rec0" in text and "over capacity" in text and "Recruiters needed" in text
    assert "2 requisitions</strong> per recruiter at once" in text
    assert "None" not in text and "Propose a capacity" not in text  # a viewer proposes nothing
    view = capacity_view(engagement=sampled, as_of=TODAY)
    assert {load.recruiter for load in view.over_capacity} <= {"rec0", "rec1", "rec2", "rec3"}
    assert view.over_capacity
    total = view.demand_of("all")[0]
    assert total.needed == -(-round(total.load, 9) // 2)


@time_machine.travel(TODAY, tick=False)
def test_the_what_if_changes_the_forecast_and_writes_nothing(login, sampled, client_viewer):
    base = capacity_view(engagement=sampled, as_of=TODAY)
    client = login(client_viewer)  # signing in writes a session: before the count
    before = every_row_count()
    doubled = capacity_view(
        engagement=sampled, as_of=TODAY, what_if=WhatIf("Sales", "2025-Q3", 300)
    )
    query = {"department": "Sales", "quarter": "2025-Q3", "percent": "300"}
    response = client.get(reverse("capacity:page", args=[sampled.pk]), query)
    api = client.get(reverse("api:capacity", args=[sampled.pk]), query)
    assert every_row_count() == before
    assert response.status_code == 200 and api.status_code == 200
    sales_before = sum(row.openings for row in base.demand_of("Sales"))
    sales_after = sum(row.openings for row in doubled.demand_of("Sales"))
    assert sales_after > sales_before
    assert doubled.baseline is not None and doubled.baseline.demand == base.demand
    assert "Sales's plan in Q3 2025 at 300%" in response.content.decode()
    body = api.json()
    assert body["what_if"] == {"department": "Sales", "quarter": "2025-Q3", "percent": 300.0}
    assert body["baseline"]["demand"] and body["capacity"] == 2


@time_machine.travel(TODAY, tick=False)
def test_the_what_if_form_answers_htmx_with_its_part(login, sampled, hr_lead):
    response = login(hr_lead).get(
        reverse("capacity:page", args=[sampled.pk]),
        {"department": "Sales", "quarter": "2025-Q3", "percent": "abc"},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert text.lstrip().startswith('<section id="what-if"')
    assert "Enter a number" in text and "Recruiters&#x27; loads" not in text


@time_machine.travel(TODAY, tick=False)
def test_the_csvs(login, sampled, recruiter):
    client = login(recruiter)
    demand = client.get(reverse("capacity:demand_csv", args=[sampled.pk]))
    loads = client.get(reverse("capacity:loads_csv", args=[sampled.pk]))
    assert demand.status_code == 200 and loads.status_code == 200
    demand_lines = demand.content.decode("utf-8-sig").splitlines()
    assert demand_lines[0].startswith("department,month,carried_requisitions")
    assert any(line.startswith("all,2025-06,") for line in demand_lines)
    assert "rec0,2025-06," in loads.content.decode("utf-8-sig")


def test_a_new_engagement_with_no_data_and_no_capacity(login, engagement, account_manager):
    response = login(account_manager).get(reverse("capacity:page", args=[engagement.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "No capacity agreed yet" in text and "Propose a capacity" in text
    assert "No open requisition has been assigned yet" in text
    api = login(account_manager).get(reverse("api:capacity", args=[engagement.pk]))
    assert api.status_code == 200 and api.json()["capacity"] is None


def test_proposing_from_the_page_and_agreeing(login, engagement, account_manager, hr_lead):
    url = reverse("capacity:page", args=[engagement.pk])
    refused = login(account_manager).post(url, {"requisitions_per_recruiter": "0"})
    assert refused.status_code == 400 and "error-summary" in refused.content.decode()
    assert login(account_manager).post(url, {"requisitions_per_recruiter": "5"}).status_code == 302
    proposal = engagement_proposal(engagement)
    agree = reverse("capacity:agree", args=[engagement.pk, proposal.pk])
    assert login(account_manager).post(agree).status_code == 403  # its own party
    assert capacity_in_force(engagement=engagement) is None
    assert login(hr_lead).post(agree).status_code == 302
    assert capacity_in_force(engagement=engagement).requisitions_per_recruiter == 5


def engagement_proposal(engagement):
    from forecasts.models import CapacityTerms

    return CapacityTerms.objects.get(engagement=engagement)


@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_it_and_only_negotiators_propose(request, login, engagement, role):
    client = login(request.getfixturevalue(role))
    for name in ("capacity:page", "capacity:demand_csv", "capacity:loads_csv", "api:capacity"):
        assert client.get(reverse(name, args=[engagement.pk])).status_code == 200
    what_if = {"department": "Sales", "quarter": "2025-Q3", "percent": "150"}
    assert client.get(reverse("api:capacity", args=[engagement.pk]), what_if).status_code == 200
    proposed = client.post(
        reverse("capacity:page", args=[engagement.pk]), {"requisitions_per_recruiter": "4"}
    )
    negotiator = role in ("client_admin", "hr_lead", "provider_admin", "account_manager")
    assert proposed.status_code == (302 if negotiator else 403)


def test_an_outsider_gets_404_everywhere(login, engagement, outsider, account_manager):
    proposal = capacity_propose(
        actor=account_manager, engagement=engagement, requisitions_per_recruiter=3
    )
    client = login(outsider)
    for name in ("capacity:page", "capacity:demand_csv", "capacity:loads_csv", "api:capacity"):
        assert client.get(reverse(name, args=[engagement.pk])).status_code == 404
    for name in ("capacity:agree", "capacity:reject"):
        assert client.post(reverse(name, args=[engagement.pk, proposal.pk])).status_code == 404
    assert client.post(reverse("capacity:page", args=[engagement.pk])).status_code == 404


@time_machine.travel(TODAY, tick=False)
def test_the_api_what_if_defaults_and_refusals(login, engagement, hr_lead):
    client = login(hr_lead)
    url = reverse("api:capacity", args=[engagement.pk])
    refused = client.get(url, {"department": "Sales", "percent": "x", "quarter": "Q3"})
    assert refused.status_code == 400
    text = json.dumps(refused.json())
    assert "A percentage from 0 to 1,000." in text and "written like 2027-Q3" in text
    # A department alone: its plan next quarter doubled.
    body = client.get(url, {"department": "Sales"}).json()
    assert body["what_if"] == {"department": "Sales", "quarter": "2025-Q3", "percent": 200.0}
    # No department: no what-if.
    assert client.get(url, {"percent": "150"}).json()["what_if"] is None
