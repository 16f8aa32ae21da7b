"""Person fields (owner, decided by, attendees, the contract's named people) accept members of
the engagement's parties only, and answer any other id, another platform user's or nobody's,
with the same words, which name nobody: ids must not reveal who is on the platform."""

import pytest
from django.db.models import Max
from rest_framework.test import APIClient

from accounts.models import User
from engagements.forms import EngagementForm
from engagements.models import NOT_A_MEMBER
from reviews import forms as review_forms
from reviews import selectors as review_selectors
from reviews.models import ActionItem, Cadence, Tier
from sla import breach_forms
from tests.sla.breach_helpers import agreed_clause, make_breach

pytestmark = pytest.mark.django_db


@pytest.fixture
def nobody(outsider) -> int:
    """An id no user has."""
    return User.objects.aggregate(top=Max("pk"))["top"] + 1000


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _reviews(engagement, part):
    return f"/api/v1/engagements/{engagement.pk}/reviews/{part}"


REVIEW_BODIES = {
    "action-items/": ("owner", {"title": "Refresh job ads", "due_date": "2026-05-01"}),
    "decisions/": ("decided_by", {"title": "Weekly sourcing review", "decided_on": "2026-04-01"}),
    "risks/": (
        "owner",
        {
            "title": "Attrition",
            "category": "capacity",
            "likelihood": 2,
            "impact": 3,
            "treatment": "mitigate",
            "next_review_on": "2026-06-01",
        },
    ),
}


@pytest.mark.parametrize("part", list(REVIEW_BODIES))
def test_reviews_api_answers_a_non_member_as_an_unknown_id(
    engagement, hr_lead, outsider, nobody, part
):
    field, body = REVIEW_BODIES[part]
    api = _api(hr_lead)

    def post(person):
        return api.post(_reviews(engagement, part), {**body, field: person}, format="json")

    foreign, unknown = post(outsider.pk), post(nobody)
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.content == unknown.content
    assert outsider.full_name not in foreign.content.decode()
    assert foreign.json()["errors"] == [{"index": None, "field": field, "reason": NOT_A_MEMBER}]
    assert post(hr_lead.pk).status_code == 201, part


def test_an_inactive_member_is_refused_with_the_same_words(engagement, hr_lead, client_viewer):
    client_viewer.is_active = False
    client_viewer.save()
    body = {"title": "x", "owner": client_viewer.pk, "due_date": "2026-05-01"}
    response = _api(hr_lead).post(_reviews(engagement, "action-items/"), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["reason"] == NOT_A_MEMBER
    assert not ActionItem.objects.exists()


def test_breach_api_answers_a_non_member_as_an_unknown_id(
    engagement, account_manager, outsider, nobody
):
    breach = make_breach(engagement, agreed_clause(engagement, account_manager))
    api = _api(account_manager)
    url = f"/api/v1/engagements/{engagement.pk}/breaches/{breach.pk}/"
    assert api.post(url + "acknowledge/", {"note": ""}, format="json").status_code == 200

    def plan(person):
        action = {"title": "Hire two", "owner": person, "due_date": "2025-09-01"}
        body = {"root_cause": "Two recruiters left.", "corrective_actions": [action]}
        return api.post(url + "plan/", body, format="json")

    foreign, unknown = plan(outsider.pk), plan(nobody)
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.content == unknown.content
    assert outsider.full_name not in foreign.content.decode()
    assert NOT_A_MEMBER in foreign.content.decode()
    assert plan(account_manager.pk).status_code == 200


def _person_forms(engagement):
    """(form, field) for every form field that names people of the engagement."""
    members = review_selectors.members_of(engagement=engagement)
    none = ActionItem.objects.none()
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.TACTICAL)
    return [
        (lambda data: EngagementForm(data, instance=engagement), "program_manager"),
        (lambda data: EngagementForm(data, instance=engagement), "account_lead"),
        (
            lambda data: review_forms.CadenceForm(data, instance=cadence, members=members),
            "participants",
        ),
        (lambda data: review_forms.MeetingForm(data, members=members), "attendees"),
        (lambda data: review_forms.MinutesForm(data, members=members), "attendees"),
        (lambda data: review_forms.ActionItemQuickForm(data, members=members), "owner"),
        (lambda data: review_forms.ActionItemForm(data, members=members, risks=none), "owner"),
        (
            lambda data: review_forms.DecisionForm(
                data, members=members, meetings=none, action_items=none, risks=none
            ),
            "decided_by",
        ),
        (lambda data: review_forms.RiskForm(data, members=members), "owner"),
        (lambda data: breach_forms.CorrectiveActionForm(data, members=members), "owner"),
        (lambda data: breach_forms.RemediationPlanForm(data, members=members), "owner"),
    ]


def _field_errors(make, field, person):
    multiple = field in ("participants", "attendees")
    form = make({field: [person] if multiple else person})
    form.is_valid()
    return form.errors.get(field)


def test_every_person_field_of_the_pages_answers_one_way(
    engagement, hr_lead, account_manager, outsider, nobody
):
    for make, field in _person_forms(engagement):
        foreign, unknown = (_field_errors(make, field, p) for p in (outsider.pk, nobody))
        assert foreign == unknown == [NOT_A_MEMBER], field
        assert _field_errors(make, field, account_manager.pk) is None, field
