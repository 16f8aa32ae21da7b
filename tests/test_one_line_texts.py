"""One-line texts (names, titles, clause keys and segments) refuse control characters, in
forms, the API and the services alike; e-mail subjects are one line whatever is stored."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from reviews import services as reviews_services
from reviews.models import ActionItem, Decision, Meeting
from rpo_portal.text_rules import ONE_LINE_REASON, one_line, validate_one_line
from sla.models import SlaSchedule

INJECTED = "Acme\rX-Injected: 1"
BREAKING = ["a\rb", "a\nb", "a\r\nb", "a\tb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\u2028b"]


@pytest.mark.parametrize("text", BREAKING)
def test_control_characters_are_refused(text):
    with pytest.raises(ValidationError) as error:
        validate_one_line(text)
    assert error.value.messages == [ONE_LINE_REASON]


@pytest.mark.parametrize("text", ["Acme / Talent Co", "Zürich – 東京 ☃", "  spaced  ", ""])
def test_ordinary_text_passes(text):
    validate_one_line(text)
    assert one_line(text) == text


def test_one_line_turns_each_run_into_one_space():
    assert one_line("Acme\r\n\tX-Injected: 1\u2028end") == "Acme X-Injected: 1 end"


@pytest.mark.django_db
def test_the_engagement_edit_refuses_a_carriage_return_in_the_name(login, engagement, client_admin):
    name = engagement.name
    response = login(client_admin).post(
        reverse("engagements:edit", args=[engagement.pk]),
        {
            "name": INJECTED,
            "model": "hybrid",
            "status": "active",
            "currency": "USD",
            "monthly_fee": "1000",
            "regions": "EMEA, North\nAmerica",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["name"] == [ONE_LINE_REASON]
    assert "regions" in errors
    engagement.refresh_from_db()
    assert engagement.name == name


@pytest.mark.django_db
def test_services_refuse_them_whatever_the_caller(engagement, hr_lead):
    with pytest.raises(ValidationError) as error:
        reviews_services.decision_create(
            actor=hr_lead,
            engagement=engagement,
            title="Agreed\nBcc: everyone@example.com",
            decided_by=hr_lead,
            decided_on="2026-01-05",
        )
    assert "title" in error.value.message_dict
    assert not Decision.objects.exists()


@pytest.mark.django_db
def test_review_forms_refuse_them_on_the_field(login, engagement, account_manager):
    client = login(account_manager)
    response = client.post(
        reverse("reviews:action_items", args=[engagement.pk]),
        {
            "title": "Call\rthe managers",
            "owner": account_manager.pk,
            "due_date": "2026-05-01",
            "priority": "normal",
        },
    )
    assert ONE_LINE_REASON in response.content.decode()
    response = client.post(
        reverse("reviews:meeting_new", args=[engagement.pk]),
        {
            "tier": "operational",
            "title": "Weekly\nreview",
            "date": "2026-05-04",
            "time": "09:00",
            "timezone": "UTC",
            "duration_minutes": 30,
            "location": "Room\t1",
        },
    )
    form = response.context["form"]
    assert form.errors["title"] == [ONE_LINE_REASON]
    assert form.errors["location"] == [ONE_LINE_REASON]
    assert not ActionItem.objects.exists()
    assert not Meeting.objects.filter(title__contains="review").exclude(generated=True).exists()


@pytest.mark.django_db
def test_the_api_refuses_them_and_writes_nothing(engagement, account_manager):
    client = APIClient()
    client.force_login(account_manager)
    base = f"/api/v1/engagements/{engagement.pk}/"
    response = client.post(
        base + "reviews/risks/",
        {
            "title": "Agency\r\nfees",
            "category": "delivery",
            "likelihood": 2,
            "impact": 3,
            "treatment": "mitigate",
            "owner": account_manager.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "title" in str(response.json())
    clause = {
        "clause": "S-HIRES\rX",
        "kpi": "hires",
        "grain": "month",
        "threshold": "3",
        "effective_from": "2025-01-01",
        "pct": "2",
    }
    response = client.post(base + "sla/schedules/", {"clauses": [clause]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": "clause", "reason": ONE_LINE_REASON}]
    assert not SlaSchedule.objects.exists()


@pytest.mark.django_db
def test_the_clause_form_refuses_a_line_break_in_the_key_and_segment(
    login, engagement, account_manager
):
    response = login(account_manager).post(
        reverse("sla:clause_new", args=[engagement.pk]),
        {
            "key": "S-1\nX",
            "kpi": "time_to_fill",
            "grain": "month",
            "dimension": "department",
            "segment": "Sa\rles",
            "kind": "credit",
            "threshold": "40",
            "min_n": 1,
            "grace_days": 0,
            "effective_from": "2025-01-01",
            "pct": "2",
        },
    )
    errors = response.context["form"].errors
    assert errors["key"] == [ONE_LINE_REASON]
    assert ONE_LINE_REASON in errors["segment"]
    assert not SlaSchedule.objects.exists()
