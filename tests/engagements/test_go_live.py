"""The go-live date (issue 26): set with the engagement, changed only by an agreement of both
parties (propose, agree or reject, every step kept); on the contract form, the API and
`create_engagement --go-live`."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from engagements.go_live import GoLiveDate, GoLiveDateStep
from engagements.go_live_services import go_live_agree, go_live_initial, go_live_propose
from engagements.models import Engagement
from engagements.services import engagement_update

pytestmark = pytest.mark.django_db

ROLES = [
    "client_admin",
    "hr_lead",
    "client_viewer",
    "provider_admin",
    "account_manager",
    "recruiter",
]
NEGOTIATORS = {"client_admin", "hr_lead", "provider_admin", "account_manager"}


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def url(engagement, tail: str = "") -> str:
    return f"/api/v1/engagements/{engagement.pk}/go-live/{tail}"


def test_create_engagement_sets_the_agreed_go_live():
    out = StringIO()
    call_command(
        "create_engagement",
        "--client=Go Client",
        "--provider=Go Provider",
        "--slug=go-live",
        "--go-live=2026-02-01",
        stdout=out,
    )
    engagement = Engagement.objects.get(slug="go-live")
    assert engagement.go_live_date == date(2026, 2, 1)
    (initial,) = GoLiveDate.objects.filter(engagement=engagement)
    assert initial.state == "agreed" and initial.is_initial


def test_create_engagement_refuses_a_bad_date():
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "create_engagement", "--client=C", "--provider=P", "--slug=bad", "--go-live=2026-13-01"
        )
    assert not Engagement.objects.filter(slug="bad").exists()


def test_one_party_proposes_and_the_other_agrees(engagement, hr_lead, account_manager):
    proposal = go_live_propose(actor=hr_lead, engagement=engagement, go_live_date=date(2026, 1, 1))
    engagement.refresh_from_db()
    assert engagement.go_live_date is None  # not before the other party agrees
    with pytest.raises(PermissionDenied):
        go_live_agree(actor=hr_lead, proposal=proposal)
    go_live_agree(actor=account_manager, proposal=proposal, note="Yes.")
    engagement.refresh_from_db()
    assert engagement.go_live_date == date(2026, 1, 1)
    steps = GoLiveDateStep.objects.filter(proposal=proposal).order_by("at", "id")
    assert [step.action for step in steps] == ["proposed", "agreed"]
    assert steps[0].changes == {"go_live_date": [None, "2026-01-01"]}


def test_the_contract_form_cannot_change_the_date_alone(engagement, client_admin):
    go_live_initial(engagement=engagement, go_live_date=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="both parties agree"):
        engagement_update(actor=client_admin, engagement=engagement, go_live_date=date(2026, 3, 1))
    engagement_update(actor=client_admin, engagement=engagement, go_live_date="2026-01-01")
    engagement.refresh_from_db()
    assert engagement.go_live_date == date(2026, 1, 1)


def test_the_same_date_again_is_refused(engagement, hr_lead):
    go_live_initial(engagement=engagement, go_live_date=date(2026, 1, 1))
    with pytest.raises(ValidationError, match="already"):
        go_live_propose(actor=hr_lead, engagement=engagement, go_live_date=date(2026, 1, 1))
    assert GoLiveDate.objects.filter(engagement=engagement).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_through_the_api(engagement, role, request):
    response = api_as(request.getfixturevalue(role)).post(
        url(engagement), {"go_live_date": "2026-02-01"}, format="json"
    )
    if role in NEGOTIATORS:
        assert response.status_code == 201, response.json()
        assert response.json()["state"] == "proposed"
    else:
        assert response.status_code == 403
        assert not GoLiveDate.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_agree_through_the_api(engagement, hr_lead, role, request):
    proposal = go_live_propose(actor=hr_lead, engagement=engagement, go_live_date=date(2026, 2, 1))
    response = api_as(request.getfixturevalue(role)).post(url(engagement, f"{proposal.pk}/agree/"))
    engagement.refresh_from_db()
    if role in {"provider_admin", "account_manager"}:
        assert response.status_code == 200
        assert engagement.go_live_date == date(2026, 2, 1)
        assert (
            api_as(hr_lead).get(f"/api/v1/engagements/{engagement.pk}/").json()["go_live_date"]
            == "2026-02-01"
        )
    else:
        assert response.status_code == 403
        assert engagement.go_live_date is None


def test_outsiders_get_404(engagement, hr_lead, outsider, login):
    proposal = go_live_propose(actor=hr_lead, engagement=engagement, go_live_date=date(2026, 2, 1))
    client = api_as(outsider)
    assert client.get(url(engagement)).status_code == 404
    assert client.post(url(engagement), {"go_live_date": "2026-03-01"}).status_code == 404
    assert client.post(url(engagement, f"{proposal.pk}/agree/")).status_code == 404
    web = login(outsider)
    assert web.post(f"/engagements/{engagement.pk}/go-live/{proposal.pk}/agree/").status_code == 404


def test_the_terms_page_proposes_and_shows_errors_on_the_field(engagement, hr_lead, login):
    web = login(hr_lead)
    page = web.get(f"/engagements/{engagement.pk}/terms/")
    assert page.status_code == 200 and b"Go-live date" in page.content
    bad = web.post(f"/engagements/{engagement.pk}/terms/", {"go_live_date": "not a date"})
    assert bad.status_code == 400
    assert b"error-summary" in bad.content and b'href="#id_go_live_date"' in bad.content
    assert not GoLiveDate.objects.exists()
    done = web.post(f"/engagements/{engagement.pk}/terms/", {"go_live_date": "2026-02-01"})
    assert done.status_code == 302
    assert GoLiveDate.objects.get().state == "proposed"


def test_a_viewer_may_not_answer_on_the_web(engagement, account_manager, client_viewer, login):
    proposal = go_live_propose(
        actor=account_manager, engagement=engagement, go_live_date=date(2026, 2, 1)
    )
    response = login(client_viewer).post(
        f"/engagements/{engagement.pk}/go-live/{proposal.pk}/agree/"
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "proposed"
