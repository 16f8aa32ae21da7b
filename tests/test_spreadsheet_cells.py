"""One rule for text a spreadsheet would run (`rpo_portal.text_rules`): every CSV and Excel
writer quotes it, and every page and endpoint whose text an export writes out refuses it as
the upload does, with the upload's words."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reviews.models import ActionItem, Decision, Meeting, Risk
from reviews.services import decision_create
from rpo_portal.text_rules import FORMULA_REASON, spreadsheet_cell
from sla.models import SlaClause, SlaOutcome
from tests.page_forms import field_errors, page_forms
from tests.sla.breach_helpers import agreed_clause, make_breach
from tests.sla.conftest import CLAUSE_FORM

HOSTILE = [
    '=HYPERLINK("http://x.example","Agreed")',
    "+SUM(A1:A3)",
    "-2+3",
    "-HYPERLINK(1)",
    "@SUM(1)",
    "\tTAB",
    "\rCR",
    " =1+2",
    "\u00a0+1",
    "-",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_a_spreadsheet_would_run_is_quoted(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value", [-4, -3.5, Decimal("-12.50"), "-12.50", "-1e-07", "12", "a-b", "Ops - EMEA", ""]
)
def test_numbers_and_plain_text_pass_as_they_are(value):
    assert spreadsheet_cell(value) == value


# --- every writer ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("key", ['=HYPERLINK("http://x.example")', "-1+1"])
def test_the_sla_export_quotes_clause_keys(engagement, account_manager, key):
    clause = agreed_clause(engagement, account_manager, key=key)
    SlaOutcome.objects.create(
        engagement=engagement,
        clause=clause,
        period="2025-07",
        period_start=dt.date(2025, 7, 1),
        period_end=dt.date(2025, 7, 31),
        closed=True,
        value=-2.5,
        n=12,
        outcome="met",
        as_of=dt.date(2025, 8, 31),
        evaluated_at=timezone.now(),
    )
    out = io.StringIO()
    call_command(
        "export_sla",
        *("--engagement", engagement.slug, "--table", "evaluation", "--format", "csv"),
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))
    assert rows[1] == ["'" + key, "2025-07", "-2.5", "12", "met"]


@pytest.mark.django_db
def test_the_audit_csv_quotes_text_starting_with_a_minus(login, engagement, hr_lead):
    decision_create(
        actor=hr_lead,
        engagement=engagement,
        title="-1+1 weekly review",
        decided_by=hr_lead,
        decided_on=dt.date(2026, 3, 2),
    )
    response = login(hr_lead).get(
        reverse("engagements:audit_export", args=[engagement.pk]), {"model": "reviews.Decision"}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[4].startswith("'-1+1 weekly review") for row in rows[1:]] == [True]


# --- the pages and the API refuse what the upload refuses --------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["key", "segment"])
def test_the_clause_form_refuses_a_formula_with_the_uploads_words(
    login, engagement, account_manager, field
):
    response = login(account_manager).post(
        reverse("sla:clause_new", args=[engagement.pk]),
        {
            **CLAUSE_FORM,
            "dimension": "department",
            "segment": "Sales",
            field: '=HYPERLINK("http://x.example")',
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [FORMULA_REASON]  # its one reason
    assert not SlaClause.objects.exists()


TEXT_FIELDS = [
    ("engagement", "name"),
    ("clause", "key"),
    ("clause", "segment"),
    ("meeting", "title"),
    ("action_quick", "title"),
    ("action", "title"),
    ("decision", "title"),
    ("decision", "rationale"),
    ("risk", "title"),
    ("risk", "mitigation"),
    ("corrective_action", "title"),
    ("remediation_plan", "title"),
]


# (A page trims the whitespace around what is typed, so a tab first is never stored.)
@pytest.mark.django_db
@pytest.mark.parametrize("text", ["=1+2", " +SUM(1)", "@A1", "\t=TAB"])
def test_every_page_field_an_export_writes_refuses_a_formula(engagement, text):
    forms = page_forms(engagement)
    for name, field in TEXT_FIELDS:
        assert field_errors(forms[name], field, text) == [FORMULA_REASON], (name, field)
        # A minus is ordinary text coming in.
        plain = field_errors(forms[name], field, "-1 week: Ops - EMEA") or []
        assert FORMULA_REASON not in plain, (name, field)


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


REVIEW_TEXT = {
    "action-items/": (ActionItem, ["title"], {"owner": None, "due_date": "2026-05-01"}),
    "decisions/": (
        Decision,
        ["title", "rationale"],
        {"decided_by": None, "decided_on": "2026-04-01"},
    ),
    "risks/": (
        Risk,
        ["title", "mitigation"],
        {
            "owner": None,
            "category": "capacity",
            "likelihood": 2,
            "impact": 3,
            "treatment": "mitigate",
            "next_review_on": "2026-06-01",
        },
    ),
    "meetings/": (
        Meeting,
        ["title"],
        {"tier": "tactical", "starts_at": "2026-05-04T09:00:00Z", "duration_minutes": 60},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("part", list(REVIEW_TEXT))
def test_the_reviews_api_refuses_a_formula_with_the_uploads_words(engagement, hr_lead, part):
    model, fields, body = REVIEW_TEXT[part]
    body = {name: hr_lead.pk if value is None else value for name, value in body.items()}
    url = f"/api/v1/engagements/{engagement.pk}/reviews/{part}"
    before = model.objects.count()
    for field in fields:
        hostile = {"title": "Weekly sourcing", **body, field: '=HYPERLINK("http://x")'}
        response = _api(hr_lead).post(url, hostile, format="json")
        assert response.status_code == 400, (part, field)
        assert response.json()["errors"] == [
            {"index": None, "field": field, "reason": FORMULA_REASON}
        ]
    assert model.objects.count() == before


@pytest.mark.django_db
def test_the_breach_api_refuses_a_formula_in_a_corrective_action(engagement, account_manager):
    breach = make_breach(engagement, agreed_clause(engagement, account_manager))
    api = _api(account_manager)
    url = f"/api/v1/engagements/{engagement.pk}/breaches/{breach.pk}/"
    assert api.post(url + "acknowledge/", {"note": ""}, format="json").status_code == 200
    action = {"title": "=1+2", "owner": account_manager.pk, "due_date": "2025-09-01"}
    body = {"root_cause": "Two recruiters left.", "corrective_actions": [action]}
    response = api.post(url + "plan/", body, format="json")
    assert response.status_code == 400
    assert FORMULA_REASON in response.content.decode()
    assert not ActionItem.objects.exists()
