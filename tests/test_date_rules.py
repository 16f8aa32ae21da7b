"""Governance dates lie within ten years of today, on every form and API field; one rule."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from engagements.forms import EngagementForm
from kpis.forms import TargetForm
from reviews.forms import (
    ActionItemForm,
    ActionItemQuickForm,
    DecisionForm,
    MeetingForm,
    RiskForm,
)
from reviews.models import ActionItem, Decision, Meeting, Risk
from rpo_portal.date_rules import governance_date_bounds, validate_governance_date
from sla.breaches.forms import CorrectiveActionForm
from sla.forms import ClauseForm
from sla.schedule import schedule_check_records

pytestmark = pytest.mark.django_db

OUT_OF_RANGE = "Choose a date within 10 years of today"


@time_machine.travel(datetime(2028, 2, 29, 12, tzinfo=UTC), tick=False)
def test_the_bounds_are_ten_years_either_side_of_today():
    assert governance_date_bounds() == (date(2018, 2, 28), date(2038, 2, 28))
    validate_governance_date(date(2038, 2, 28))
    validate_governance_date(datetime(2018, 2, 28, 0, 0, tzinfo=UTC))
    for wrong in (date(2038, 3, 1), date(2018, 2, 27), date(9999, 12, 31)):
        with pytest.raises(Exception, match=OUT_OF_RANGE):
            validate_governance_date(wrong)


def _forms(engagement):
    none = User.objects.none()
    return [
        (MeetingForm, {"members": none}, "date"),
        (ActionItemQuickForm, {"members": none}, "due_date"),
        (ActionItemForm, {"members": none, "risks": Risk.objects.none()}, "due_date"),
        (
            DecisionForm,
            {
                "members": none,
                "meetings": Meeting.objects.none(),
                "action_items": ActionItem.objects.none(),
                "risks": Risk.objects.none(),
            },
            "decided_on",
        ),
        (RiskForm, {"members": none}, "next_review_on"),
        (CorrectiveActionForm, {"members": none}, "due_date"),
        (TargetForm, {}, "effective_from"),
        (TargetForm, {}, "effective_to"),
        (ClauseForm, {}, "effective_from"),
        (ClauseForm, {}, "effective_to"),
        (EngagementForm, {"instance": engagement}, "start_date"),
        (EngagementForm, {"instance": engagement}, "end_date"),
    ]


def test_every_governance_date_field_refuses_year_9999(engagement):
    for form_class, kwargs, field in _forms(engagement):
        far = form_class(data={field: "9999-12-31"}, **kwargs)
        assert any(OUT_OF_RANGE in e for e in far.errors.get(field, [])), (form_class, field)
        near = form_class(data={field: timezone.localdate().isoformat()}, **kwargs)
        assert field not in near.errors, (form_class, field)
        first, last = governance_date_bounds()
        widget = near.fields[field].widget.attrs
        assert (widget["min"], widget["max"]) == (first.isoformat(), last.isoformat())


def test_the_meeting_form_shows_the_error_on_its_field(login, engagement, hr_lead):
    response = login(hr_lead).post(
        reverse("reviews:meeting_new", args=[engagement.pk]),
        {
            "tier": "tactical",
            "title": "Far away",
            "date": "9999-12-31",
            "time": "23:30",
            "timezone": "UTC",
            "duration_minutes": 60,
        },
    )
    assert response.status_code == 200
    assert OUT_OF_RANGE in response.content.decode()
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("part", "field", "body"),
    [
        (
            "meetings/",
            "starts_at",
            {"tier": "tactical", "title": "Far", "starts_at": "9999-12-31T23:30:00Z"},
        ),
        ("action-items/", "due_date", {"title": "Far", "due_date": "9999-12-31"}),
        ("decisions/", "decided_on", {"title": "Far", "decided_on": "9999-12-31"}),
        (
            "risks/",
            "next_review_on",
            {
                "title": "Far",
                "category": "delivery",
                "likelihood": 2,
                "impact": 2,
                "treatment": "mitigate",
                "next_review_on": "9999-12-31",
            },
        ),
    ],
)
def test_the_api_refuses_year_9999(login, engagement, hr_lead, part, field, body):
    if part != "meetings/":
        body = {**body, ("decided_by" if part == "decisions/" else "owner"): hr_lead.pk}
    response = login(hr_lead).post(
        f"/api/v1/engagements/{engagement.pk}/reviews/{part}", body, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert errors[0]["reason"].startswith(OUT_OF_RANGE)
    for model in (Meeting, ActionItem, Decision, Risk):
        assert not model.objects.exists()


def test_an_sla_schedule_refuses_a_clause_in_year_9999(engagement):
    clause = {
        "clause": "S-1",
        "kpi": "time_to_fill",
        "grain": "month",
        "threshold": "40",
        "effective_from": "9999-01-01",
        "pct": "5",
    }
    check = schedule_check_records(records=[clause], engagement=engagement)
    assert [(e["column"], e["reason"][: len(OUT_OF_RANGE)]) for e in check.errors] == [
        ("effective_from", OUT_OF_RANGE)
    ]
