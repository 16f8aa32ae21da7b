"""Person fields (owner, decided by, attendees, the contract's named people) accept members of
the engagement's parties only, and answer any other id, another platform user's or nobody's,
with the same words, which name nobody: ids must not reveal who is on the platform."""

import pytest
from django.db.models import Max
from rest_framework.test import APIClient

from accounts.models import User
from engagements.models import NOT_A_MEMBER
from reviews.models import ActionItem
from tests.page_forms import field_errors, page_forms
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


PERSON_FIELDS = [
    ("engagement", "program_manager"),
    ("engagement", "account_lead"),
    ("cadence", "participants"),
    ("meeting", "attendees"),
    ("minutes", "attendees"),
    ("action_quick", "owner"),
    ("action", "owner"),
    ("decision", "decided_by"),
    ("risk", "owner"),
    ("corrective_action", "owner"),
    ("remediation_plan", "owner"),
]


def test_every_person_field_of_the_pages_answers_one_way(
    engagement, hr_lead, account_manager, outsider, nobody
):
    forms = page_forms(engagement)
    for name, field in PERSON_FIELDS:
        foreign, unknown = (field_errors(forms[name], field, p) for p in (outsider.pk, nobody))
        assert foreign == unknown == [NOT_A_MEMBER], (name, field)
        assert field_errors(forms[name], field, account_manager.pk) is None, (name, field)
