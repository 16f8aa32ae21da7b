"""Action items, decisions, risks and reminders: validation, audit, idempotence."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from reviews import selectors, services
from reviews.models import ActionItem, Decision, ReminderSent, Risk
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


def test_a_likelihood_of_6_is_refused_naming_the_field(engagement, hr_lead):
    with pytest.raises(ValidationError) as error:
        services.risk_create(
            actor=hr_lead,
            engagement=engagement,
            title="x",
            category="delivery",
            likelihood=6,
            impact=2,
            treatment="accept",
            owner=hr_lead,
            next_review_on=date(2026, 5, 1),
        )
    assert "likelihood" in error.value.message_dict
    assert not Risk.objects.exists()


def test_an_owner_outside_both_parties_is_refused(engagement, hr_lead, outsider):
    with pytest.raises(ValidationError) as error:
        services.action_item_create(
            actor=hr_lead,
            engagement=engagement,
            title="x",
            owner=outsider,
            due_date=date(2026, 5, 1),
        )
    assert "owner" in error.value.message_dict
    assert not ActionItem.objects.exists()


def test_a_link_to_another_engagements_record_is_refused(engagement, other_engagement, hr_lead):
    other_lead = member(other_engagement.client, Role.HR_LEAD)
    foreign = services.risk_create(
        actor=other_lead,
        engagement=other_engagement,
        title="theirs",
        category="capacity",
        likelihood=2,
        impact=2,
        treatment="accept",
        owner=other_lead,
        next_review_on=date(2026, 5, 1),
    )
    with pytest.raises(ValidationError) as error:
        services.action_item_create(
            actor=hr_lead,
            engagement=engagement,
            title="x",
            owner=hr_lead,
            due_date=date(2026, 5, 1),
            risk=foreign,
        )
    assert "risk" in error.value.message_dict
    assert not ActionItem.objects.filter(engagement=engagement).exists()


def test_party_follows_the_owner_and_changes_are_on_record(engagement, hr_lead, make_item):
    (item,) = make_item(owner=hr_lead)
    assert item.party == "client"
    services.action_item_update(actor=hr_lead, item=item, status="done")
    history = selectors.record_history(record=item)
    assert history[0]["who"] == hr_lead
    assert ("status", "Open", "Done") in history[0]["changes"]  # by label, never the key
    assert history[-1]["created"]
    assert item.completed_at is not None


def test_decision_search_uses_full_text_and_filters(engagement, hr_lead, account_manager):
    for who, title, why in [
        (hr_lead, "Add a sourcing channel for nurses", "Shortage of applicants in nursing"),
        (account_manager, "Move the QBR to Thursdays", "Executives travel on Tuesdays"),
    ]:
        services.decision_create(
            actor=who,
            engagement=engagement,
            title=title,
            rationale=why,
            decided_by=who,
            decided_on=date(2026, 2, 1),
        )
    found = selectors.decisions_search(engagement=engagement, text="applicant shortages")
    assert [d.title for d in found] == ["Add a sourcing channel for nurses"]
    by_party = selectors.decisions_search(engagement=engagement, party="provider")
    assert [d.party for d in by_party] == ["provider"]
    assert Decision.objects.count() == 2


def test_reminders_go_once_per_owner_and_day(engagement, hr_lead, account_manager, make_item):
    today = timezone.localdate()
    make_item(2, owner=hr_lead, due=today - timedelta(days=2))
    make_item(1, owner=account_manager, due=today + timedelta(days=2))
    make_item(1, owner=account_manager, due=today + timedelta(days=30))
    call_command("send_reminders")
    call_command("send_reminders")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([hr_lead.email, account_manager.email])
    hr_mail = next(m for m in mail.outbox if m.to == [hr_lead.email])
    assert hr_mail.subject == "2 action items due, 2 overdue"
    assert hr_mail.body.count("OVERDUE") == 2
    assert ReminderSent.objects.count() == 2
    services.reminders_send(today=today + timedelta(days=1))
    assert len(mail.outbox) == 4


def test_my_action_items_span_engagements_but_not_left_ones(
    engagement, other_engagement, hr_lead, make_item
):
    make_item(owner=hr_lead)
    person = UserFactory()
    for org in (engagement.client, other_engagement.client):
        from accounts.models import Membership

        Membership.objects.create(user=person, organization=org, role=Role.HR_LEAD)
    make_item(owner=person)
    services.action_item_create(
        actor=person,
        engagement=other_engagement,
        title="elsewhere",
        owner=person,
        due_date=date(2026, 5, 1),
    )
    assert selectors.my_action_items(user=person).count() == 2
    person.memberships.filter(organization=other_engagement.client).delete()
    person._org_roles = None
    assert selectors.my_action_items(user=person).count() == 1


def test_heat_map_counts_open_risks_per_cell(engagement, make_risk):
    make_risk(2, likelihood=4, impact=5)
    make_risk(1, likelihood=1, impact=1)
    make_risk(1, likelihood=2, impact=2, status="closed")
    grid = selectors.heat_map(engagement=engagement)
    assert grid[4][3] == 2 and grid[0][0] == 1 and grid[1][1] == 0
    assert Risk.objects.get(likelihood=4, impact=5, title="Risk 0").score == 20
