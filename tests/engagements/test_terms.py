"""Commercial terms: the fee and the at-risk % change only when both parties agree (issue 23).

One party's admin alone used to change them on the edit form, and every past credit moved with
them. Now a party proposes terms from a month on and the *other* party agrees or rejects.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from engagements.commercial import CommercialTerms, CommercialTermsStep
from engagements.services import engagement_update
from engagements.terms_selectors import terms_schedule
from engagements.terms_services import (
    commercial_terms_agree,
    commercial_terms_initial,
    commercial_terms_propose,
    commercial_terms_reject,
    engagements_terms_sync,
)
from notifications.models import Notification

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture
def terms_engagement(engagement):
    """The factory's engagement (fee 50,000) with its first terms on record from 2025-01."""
    engagement.at_risk_pct = Decimal("10")
    engagement.save()
    commercial_terms_initial(engagement=engagement, effective_from=date(2025, 1, 1))
    return engagement


def propose(actor, engagement, fee="60000", month=date(2026, 4, 1), at_risk="8", **kwargs):
    with time_machine.travel(TODAY):
        return commercial_terms_propose(
            actor=actor,
            engagement=engagement,
            effective_from=month,
            monthly_fee=Decimal(fee),
            at_risk_pct=None if at_risk is None else Decimal(at_risk),
            **kwargs,
        )


# --- one party alone changes nothing -------------------------------------------------------------


def test_an_admin_alone_cannot_change_the_fee_through_the_service(terms_engagement, client_admin):
    with pytest.raises(ValidationError, match="propose new terms"):
        engagement_update(actor=client_admin, engagement=terms_engagement, monthly_fee="1.00")
    with pytest.raises(ValidationError, match="at-risk %"):
        engagement_update(actor=client_admin, engagement=terms_engagement, at_risk_pct="0")
    terms_engagement.refresh_from_db()
    assert terms_engagement.monthly_fee == Decimal("50000")
    assert terms_engagement.at_risk_pct == Decimal("10")


@pytest.mark.parametrize("admin_fixture", ["client_admin", "provider_admin"])
def test_an_admin_alone_cannot_change_the_fee_on_the_edit_form(
    login, terms_engagement, admin_fixture, request
):
    admin = request.getfixturevalue(admin_fixture)
    response = login(admin).post(
        reverse("engagements:edit", args=[terms_engagement.pk]),
        {
            "name": terms_engagement.name,
            "model": terms_engagement.model,
            "status": terms_engagement.status,
            "currency": terms_engagement.currency,
            "monthly_fee": "1.00",
            "at_risk_pct": "0",
        },
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "monthly fee and at-risk %" in errors and "propose new terms" in errors
    assert reverse("engagements:terms", args=[terms_engagement.pk]).encode() in response.content
    terms_engagement.refresh_from_db()
    assert (terms_engagement.monthly_fee, terms_engagement.at_risk_pct) == (
        Decimal("50000"),
        Decimal("10"),
    )


def test_the_edit_form_still_saves_other_fields_with_the_fee_sent_back_unchanged(
    login, terms_engagement, client_admin
):
    response = login(client_admin).post(
        reverse("engagements:edit", args=[terms_engagement.pk]),
        {
            "name": "Renamed",
            "model": terms_engagement.model,
            "status": terms_engagement.status,
            "currency": terms_engagement.currency,
            "monthly_fee": "50000.00",
            "at_risk_pct": "10",
        },
    )
    assert response.status_code == 302
    terms_engagement.refresh_from_db()
    assert terms_engagement.name == "Renamed"


def test_the_proposers_own_party_cannot_agree(terms_engagement, client_admin, hr_lead):
    terms = propose(client_admin, terms_engagement)
    for same_side in (client_admin, hr_lead):
        with pytest.raises(PermissionDenied), time_machine.travel(TODAY):
            commercial_terms_agree(actor=same_side, terms=terms)
    terms.refresh_from_db()
    assert terms.state == "proposed"
    with time_machine.travel(date(2026, 4, 2)):
        assert terms_schedule(engagement=terms_engagement).in_force(date(2026, 4, 2)).monthly_fee
        assert engagements_terms_sync() == 0
    terms_engagement.refresh_from_db()
    assert terms_engagement.monthly_fee == Decimal("50000")


@pytest.mark.parametrize("role_fixture", ["client_viewer", "recruiter"])
def test_viewers_and_recruiters_may_not_propose_or_answer(
    terms_engagement, role_fixture, request, account_manager
):
    user = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        propose(user, terms_engagement)
    terms = propose(account_manager, terms_engagement)
    with pytest.raises(PermissionDenied), time_machine.travel(TODAY):
        commercial_terms_agree(actor=user, terms=terms)


# --- the agreement --------------------------------------------------------------------------------


def test_agreed_terms_apply_from_their_month_and_the_fee_follows_then(
    terms_engagement, provider_admin, hr_lead
):
    terms = propose(provider_admin, terms_engagement, note="Volume grew.")
    assert terms.proposed_by_party == "provider"
    with time_machine.travel(TODAY):
        commercial_terms_agree(actor=hr_lead, terms=terms, note="Fine.")
    terms.refresh_from_db()
    assert terms.state == "agreed" and terms.responded_by == hr_lead
    schedule = terms_schedule(engagement=terms_engagement)
    assert schedule.in_force(date(2026, 3, 31)).monthly_fee == Decimal("50000")
    assert schedule.in_force(date(2026, 4, 1)).monthly_fee == Decimal("60000")
    # Agreed in March for April: the engagement shows March's terms until April begins.
    terms_engagement.refresh_from_db()
    assert terms_engagement.monthly_fee == Decimal("50000")
    with time_machine.travel(date(2026, 4, 1)):
        assert engagements_terms_sync() == 1
        assert engagements_terms_sync() == 0
    terms_engagement.refresh_from_db()
    assert (terms_engagement.monthly_fee, terms_engagement.at_risk_pct) == (
        Decimal("60000"),
        Decimal("8"),
    )
    steps = list(CommercialTermsStep.objects.filter(terms=terms).order_by("id"))
    assert [(s.action, s.party) for s in steps] == [("proposed", "provider"), ("agreed", "client")]
    assert steps[0].changes == {
        "effective_from": [None, "2026-04-01"],
        "monthly_fee": ["50000", "60000"],
        "at_risk_pct": ["10", "8"],
    }


def test_terms_for_this_month_take_effect_on_agreement(terms_engagement, hr_lead, account_manager):
    terms = propose(hr_lead, terms_engagement, month=date(2026, 3, 1))
    with time_machine.travel(TODAY):
        commercial_terms_agree(actor=account_manager, terms=terms)
    terms_engagement.refresh_from_db()
    assert terms_engagement.monthly_fee == Decimal("60000")


def test_no_terms_for_a_past_month(terms_engagement, hr_lead, account_manager):
    with pytest.raises(ValidationError, match="past months keep the terms"):
        propose(hr_lead, terms_engagement, month=date(2026, 2, 1))
    with pytest.raises(ValidationError, match="first day of a month"):
        propose(hr_lead, terms_engagement, month=date(2026, 4, 15))
    # Proposed for March, answered only in April: too late, nothing changes.
    terms = propose(hr_lead, terms_engagement, month=date(2026, 3, 1))
    with pytest.raises(ValidationError), time_machine.travel(date(2026, 4, 2)):
        commercial_terms_agree(actor=account_manager, terms=terms)
    terms.refresh_from_db()
    assert terms.state == "proposed"


def test_a_rejected_proposal_changes_nothing_and_is_answered_once(
    terms_engagement, hr_lead, account_manager
):
    terms = propose(account_manager, terms_engagement)
    commercial_terms_reject(actor=hr_lead, terms=terms, note="Too much.")
    with pytest.raises(ValidationError, match="already rejected"), time_machine.travel(TODAY):
        commercial_terms_agree(actor=hr_lead, terms=terms)
    assert terms_schedule(engagement=terms_engagement).changes() is False


def test_the_other_party_is_told_of_a_proposal_and_of_its_answer(
    terms_engagement, account_manager, hr_lead, client_admin, recruiter
):
    terms = propose(account_manager, terms_engagement)
    told = set(
        Notification.objects.filter(event_key=f"terms:{terms.pk}:proposed").values_list(
            "recipient", flat=True
        )
    )
    assert {hr_lead.pk, client_admin.pk} <= told
    assert account_manager.pk not in told and recruiter.pk not in told
    with time_machine.travel(TODAY):
        commercial_terms_agree(actor=hr_lead, terms=terms)
    agreed = Notification.objects.filter(event_key=f"terms:{terms.pk}:agreed")
    assert set(agreed.values_list("recipient", flat=True)) >= {account_manager.pk}
    assert agreed.first().url == reverse("engagements:terms", args=[terms_engagement.pk])


def test_a_new_engagement_records_its_first_terms(db):
    from engagements.services import engagement_create

    engagement = engagement_create(
        actor=None,
        client_name="Acme",
        provider_name="Bridge",
        slug="acme-bridge",
        monthly_fee=Decimal("1000"),
        at_risk_pct=Decimal("5"),
        start_date=date(2025, 3, 17),
    )
    (first,) = CommercialTerms.objects.filter(engagement=engagement)
    assert first.state == "agreed" and first.is_initial
    assert (first.effective_from, first.monthly_fee, first.at_risk_pct) == (
        date(2025, 3, 1),
        Decimal("1000.00"),
        Decimal("5"),
    )


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role_fixture",
    ["client_admin", "hr_lead", "client_viewer", "provider_admin", "account_manager", "recruiter"],
)
def test_every_role_sees_the_terms_page(login, terms_engagement, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    response = login(user).get(reverse("engagements:terms", args=[terms_engagement.pk]))
    assert response.status_code == 200
    assert response.context["in_force"].monthly_fee == Decimal("50000")
    may_propose = role_fixture not in ("client_viewer", "recruiter")
    assert response.context["can_propose"] is may_propose


def test_outsiders_get_404_on_the_terms_pages(login, terms_engagement, outsider, hr_lead):
    terms = propose(hr_lead, terms_engagement)
    client = login(outsider)
    url = reverse("engagements:terms", args=[terms_engagement.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"effective_from": "2026-04", "monthly_fee": "1"}).status_code == 404
    answer = reverse("engagements:terms_agree", args=[terms_engagement.pk, terms.pk])
    assert client.post(answer).status_code == 404
    terms.refresh_from_db()
    assert terms.state == "proposed"


@pytest.mark.parametrize("role_fixture", ["client_viewer", "recruiter"])
def test_read_only_roles_get_403_when_proposing_or_answering_on_the_page(
    login, terms_engagement, role_fixture, request, hr_lead, account_manager
):
    user = request.getfixturevalue(role_fixture)
    client = login(user)
    url = reverse("engagements:terms", args=[terms_engagement.pk])
    assert client.post(url, {"effective_from": "2026-04", "monthly_fee": "1"}).status_code == 403
    terms = propose(hr_lead if role_fixture == "recruiter" else account_manager, terms_engagement)
    answer = reverse("engagements:terms_agree", args=[terms_engagement.pk, terms.pk])
    assert client.post(answer).status_code == 403
    terms.refresh_from_db()
    assert terms.state == "proposed"


def test_propose_and_agree_on_the_page(login, terms_engagement, client_admin, provider_admin):
    url = reverse("engagements:terms", args=[terms_engagement.pk])
    with time_machine.travel(TODAY):
        response = login(client_admin).post(
            url, {"effective_from": "2026-05", "monthly_fee": "45000", "at_risk_pct": ""}
        )
    assert response.status_code == 302
    terms = CommercialTerms.objects.get(engagement=terms_engagement, state="proposed")
    assert (terms.effective_from, terms.at_risk_pct) == (date(2026, 5, 1), None)
    page = login(provider_admin).get(url)
    assert page.context["open"] == [(terms, True)]
    answer = reverse("engagements:terms_agree", args=[terms_engagement.pk, terms.pk])
    with time_machine.travel(TODAY):
        assert login(provider_admin).post(answer, {"note": "OK"}).status_code == 302
    terms.refresh_from_db()
    assert terms.state == "agreed" and terms.responded_by == provider_admin


def test_a_proposal_for_a_past_month_is_refused_on_the_page(login, terms_engagement, hr_lead):
    url = reverse("engagements:terms", args=[terms_engagement.pk])
    with time_machine.travel(TODAY):
        response = login(hr_lead).post(url, {"effective_from": "2026-01", "monthly_fee": "1"})
    assert response.status_code == 400
    assert "past months keep the terms" in " ".join(
        response.context["form"].errors["effective_from"]
    )
    assert not CommercialTerms.objects.filter(state="proposed").exists()


def test_the_demo_has_a_change_agreed_mid_engagement_and_one_pending(db, capsys):
    from django.core.management import call_command

    from engagements.models import Engagement
    from sla import selectors

    call_command("seed_demo")
    engagement = Engagement.objects.get(slug="acme-talentbridge")
    terms = list(
        CommercialTerms.objects.filter(engagement=engagement)
        .order_by("id")
        .values_list("state", "monthly_fee", "proposed_by_party")
    )
    assert terms == [
        ("agreed", Decimal("85000.00"), ""),
        ("agreed", Decimal("92000.00"), "provider"),
        ("proposed", Decimal("92000.00"), "client"),
    ]
    assert engagement.monthly_fee == Decimal("92000.00")
    changed_from = CommercialTerms.objects.get(engagement=engagement, proposed_by_party="provider")
    fees = {
        line.period.key: line.fee
        for line in selectors.ledger(engagement=engagement).lines
        if "-Q" not in line.period.key
    }
    assert set(fees.values()) == {Decimal("85000.00"), Decimal("92000.00")}
    for month, fee in fees.items():
        raised = month >= f"{changed_from.effective_from:%Y-%m}"
        assert fee == (Decimal("92000.00") if raised else Decimal("85000.00")), month


def test_staff_cannot_change_the_fee_in_the_django_admin(client, terms_engagement):
    from tests.factories import UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:engagements_engagement_change", args=[terms_engagement.pk])
    form = client.get(url).context["adminform"].form
    assert "monthly_fee" not in form.fields and "at_risk_pct" not in form.fields
    terms = reverse("admin:engagements_commercialterms_changelist")
    assert client.get(terms).status_code == 200


def test_the_migration_records_each_engagements_terms_from_its_start(engagement, other_engagement):
    """Existing engagements get their current fee and at-risk % as their first agreed terms."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("engagements.migrations.0008_first_commercial_terms")
    engagement.start_date, engagement.at_risk_pct = date(2024, 6, 12), Decimal("7")
    engagement.save()
    migration.first_terms(apps, None)
    migration.first_terms(apps, None)  # once per engagement
    first = CommercialTerms.objects.get(engagement=engagement)
    assert (first.state, first.effective_from, first.monthly_fee, first.at_risk_pct) == (
        "agreed",
        date(2024, 6, 1),
        Decimal("50000.00"),
        Decimal("7"),
    )
    assert first.is_initial
    other = CommercialTerms.objects.get(engagement=other_engagement)
    assert other.effective_from == other_engagement.created_at.date().replace(day=1)
