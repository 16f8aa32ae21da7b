"""A breach's life: every transition by the right party, in the right order, on the record."""

import re
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from engagements.models import NOT_A_MEMBER
from notifications.models import Notification
from reviews.models import ActionItem, ActionItemStatus
from sla.breaches import services
from sla.breaches.services import CorrectiveActionInput
from sla.models import BreachEvent, BreachStatus, ReliefStatus
from sla.selectors import ledger
from tests.sla.breach_helpers import agreed_clause, make_breach, requisition

pytestmark = pytest.mark.django_db
Action = BreachEvent.Action


@pytest.fixture
def breach(engagement, account_manager):
    return make_breach(engagement, agreed_clause(engagement, account_manager))


def _plan(breach, actor, owner, **kwargs):
    return services.breach_plan_remediation(
        actor=actor,
        breach=breach,
        root_cause="Two recruiters left in June.",
        actions=[CorrectiveActionInput("Hire two recruiters", owner, date(2025, 9, 1))],
        **kwargs,
    )


def _finish_actions(breach, actor):
    for link in breach.corrective_actions.all():
        services.corrective_action_set_status(
            actor=actor, corrective_action=link, status=ActionItemStatus.DONE
        )


def test_the_whole_path_is_on_the_timeline(breach, account_manager, hr_lead):
    services.breach_acknowledge(actor=account_manager, breach=breach, note="Looking into it.")
    _plan(breach, account_manager, account_manager)
    _finish_actions(breach, account_manager)
    services.breach_resolve(actor=account_manager, breach=breach, note="Team complete.")
    services.breach_reopen(actor=hr_lead, breach=breach, reason="August is as slow.")

    breach.refresh_from_db()
    assert breach.status == BreachStatus.REMEDIATION_PLANNED
    events = list(breach.events.values_list("action", "actor", "party", "note"))
    assert events == [
        (Action.ACKNOWLEDGED, account_manager.pk, "provider", "Looking into it."),
        (
            Action.REMEDIATION_PLANNED,
            account_manager.pk,
            "provider",
            "Two recruiters left in June.",
        ),
        (Action.RESOLVED, account_manager.pk, "provider", "Team complete."),
        (Action.REOPENED, hr_lead.pk, "client", "August is as slow."),
    ]
    assert breach.events.get(action=Action.RESOLVED).data == {
        "from": "remediation_planned",
        "to": "resolved",
    }


def test_a_corrective_action_is_an_action_item(breach, account_manager, recruiter):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    _plan(breach, account_manager, recruiter)

    item = ActionItem.objects.get(corrective_action__breach=breach)
    assert (item.title, item.owner, item.party, item.due_date, item.status) == (
        "Hire two recruiters",
        recruiter,
        "provider",
        date(2025, 9, 1),
        ActionItemStatus.OPEN,
    )
    assert item.engagement == breach.engagement
    assert item.kpi == "time_to_fill"
    assert breach.remediation_plan.root_cause == "Two recruiters left in June."


def test_an_outsider_cannot_own_a_corrective_action(breach, account_manager, outsider):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    with pytest.raises(ValidationError, match=re.escape(NOT_A_MEMBER)):
        _plan(breach, account_manager, outsider)


def test_a_plan_needs_a_root_cause_and_an_action(breach, account_manager):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    with pytest.raises(ValidationError, match="at least one corrective action"):
        services.breach_plan_remediation(
            actor=account_manager, breach=breach, root_cause="x", actions=[]
        )
    with pytest.raises(ValidationError, match="root cause"):
        services.breach_plan_remediation(
            actor=account_manager,
            breach=breach,
            root_cause="  ",
            actions=[CorrectiveActionInput("t", account_manager, date(2025, 9, 1))],
        )


def test_resolving_an_open_breach_is_refused(breach, account_manager):
    with pytest.raises(ValidationError, match="A breach that is open cannot be resolved"):
        services.breach_resolve(actor=account_manager, breach=breach)


def test_resolving_needs_the_corrective_actions_done(breach, account_manager):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    _plan(breach, account_manager, account_manager)
    with pytest.raises(ValidationError, match="still open: Hire two recruiters"):
        services.breach_resolve(actor=account_manager, breach=breach)
    _finish_actions(breach, account_manager)
    assert services.breach_resolve(actor=account_manager, breach=breach).status == "resolved"


def test_acknowledging_twice_is_refused(breach, account_manager):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    with pytest.raises(ValidationError, match="acknowledged cannot be acknowledged"):
        services.breach_acknowledge(actor=account_manager, breach=breach)


@pytest.mark.parametrize("role", ["hr_lead", "client_viewer", "recruiter", "client_admin"])
def test_only_the_providers_account_manager_responds(breach, role, request):
    with pytest.raises(PermissionDenied):
        services.breach_acknowledge(actor=request.getfixturevalue(role), breach=breach)


def test_waiving_by_the_hr_lead(breach, hr_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.breach_waive(actor=hr_lead, breach=breach, reason="Holiday season.")
    breach.refresh_from_db()
    assert breach.status == BreachStatus.WAIVED
    assert len(callbacks) == 1  # the engagement is evaluated again once this commits
    event = breach.events.get()
    assert (event.action, event.actor, event.note) == (Action.WAIVED, hr_lead, "Holiday season.")


def test_waiving_needs_a_reason_and_the_hr_lead(breach, hr_lead, account_manager, client_admin):
    with pytest.raises(ValidationError, match="reason"):
        services.breach_waive(actor=hr_lead, breach=breach, reason=" ")
    for actor in (account_manager, client_admin):
        with pytest.raises(PermissionDenied, match="Only the client's HR lead may waive"):
            services.breach_waive(actor=actor, breach=breach, reason="r")


def test_waiving_a_resolved_breach_is_refused(engagement, account_manager, hr_lead):
    resolved = make_breach(
        engagement, agreed_clause(engagement, account_manager), status="resolved"
    )
    with pytest.raises(ValidationError, match="A breach that is resolved cannot be waived"):
        services.breach_waive(actor=hr_lead, breach=resolved, reason="r")


def test_reopening_a_waiver_goes_back_to_where_it_was(breach, account_manager, hr_lead):
    services.breach_acknowledge(actor=account_manager, breach=breach)
    services.breach_waive(actor=hr_lead, breach=breach, reason="r")
    services.breach_reopen(actor=hr_lead, breach=breach, reason="Agreed in error.")
    breach.refresh_from_db()
    assert breach.status == BreachStatus.ACKNOWLEDGED


def test_reopening_an_open_breach_is_refused(breach, hr_lead):
    with pytest.raises(ValidationError, match="open cannot be reopened"):
        services.breach_reopen(actor=hr_lead, breach=breach, reason="r")


def _claim(breach, actor, requisitions=("REQ-1",)):
    return services.relief_claim(
        actor=actor,
        breach=breach,
        reason="feedback_late",
        explanation="Hiring managers took three weeks to review shortlists.",
        requisitions=list(requisitions),
        days_lost=12,
    )


def test_relief_accepted_excuses_the_breach(engagement, breach, account_manager, hr_lead):
    requisition(engagement, "REQ-1")
    claim = _claim(breach, account_manager)
    assert [r.external_id for r in claim.requisitions.all()] == ["REQ-1"]

    services.relief_accept(actor=hr_lead, claim=claim, note="Fair.")

    breach.refresh_from_db()
    claim.refresh_from_db()
    assert breach.status == BreachStatus.EXCUSED
    assert (claim.status, claim.answered_by, claim.answer_note) == ("accepted", hr_lead, "Fair.")
    assert list(breach.events.values_list("action", flat=True)) == [
        Action.RELIEF_CLAIMED,
        Action.RELIEF_ACCEPTED,
    ]


def test_a_provider_cannot_accept_its_own_relief_claim(
    engagement, breach, account_manager, provider_admin
):
    requisition(engagement, "REQ-1")
    claim = _claim(breach, account_manager)
    for actor in (account_manager, provider_admin):
        with pytest.raises(PermissionDenied, match="provider cannot answer its own relief claim"):
            services.relief_accept(actor=actor, claim=claim)
    claim.refresh_from_db()
    assert claim.status == ReliefStatus.PENDING


def test_relief_rejected_needs_a_reason_and_leaves_the_breach(
    engagement, breach, account_manager, hr_lead
):
    requisition(engagement, "REQ-1")
    claim = _claim(breach, account_manager)
    with pytest.raises(ValidationError, match="reason"):
        services.relief_reject(actor=hr_lead, claim=claim, reason="")
    services.relief_reject(actor=hr_lead, claim=claim, reason="Feedback was on time.")
    breach.refresh_from_db()
    assert breach.status == BreachStatus.OPEN
    with pytest.raises(ValidationError, match="already rejected"):
        services.relief_accept(actor=hr_lead, claim=claim)
    # The provider may claim again, with better evidence.
    assert _claim(breach, account_manager).status == ReliefStatus.PENDING


def test_one_pending_claim_at_a_time_and_no_waiver_meanwhile(
    engagement, breach, account_manager, hr_lead
):
    requisition(engagement, "REQ-1")
    _claim(breach, account_manager)
    with pytest.raises(ValidationError, match="already waiting"):
        _claim(breach, account_manager)
    with pytest.raises(ValidationError, match="Answer the pending relief claim"):
        services.breach_waive(actor=hr_lead, breach=breach, reason="r")


def test_requisitions_of_another_engagement_are_refused(breach, other_engagement, account_manager):
    requisition(other_engagement, "REQ-9")
    with pytest.raises(ValidationError) as error:
        _claim(breach, account_manager, requisitions=["REQ-9"])
    assert error.value.message_dict == {
        "requisitions": ["Not requisitions of this engagement: REQ-9."]
    }


def test_relief_on_a_waived_breach_is_refused(breach, account_manager, hr_lead):
    services.breach_waive(actor=hr_lead, breach=breach, reason="r")
    with pytest.raises(ValidationError, match="waived cannot be claimed relief for"):
        _claim(breach, account_manager, requisitions=[])


def test_relief_claim_and_answer_reach_the_other_lead_not_the_actor(
    engagement, breach, account_manager, hr_lead
):
    requisition(engagement, "REQ-1")
    claim = _claim(breach, account_manager)
    services.relief_accept(actor=hr_lead, claim=claim)

    told = Notification.objects.order_by("kind", "recipient__email")
    # The claimant and the one who answers already know what they did.
    assert sorted(told.values_list("kind", "recipient")) == sorted(
        [("relief_claimed", hr_lead.pk), ("relief_accepted", account_manager.pk)]
    )
    assert all(n.url.endswith(f"/sla/breaches/{breach.pk}/") for n in told)


def test_new_breaches_and_warnings_are_told_once(breach, account_manager, hr_lead, client_viewer):
    events = {"new_breach_ids": [breach.pk], "new_warning_ids": []}
    assert services.sla_events_notify(events=events) == 2
    assert services.sla_events_notify(events=events) == 0
    notification = Notification.objects.get(recipient=hr_lead)
    assert notification.subject == "SLA breach: ttf-month in 2025-07"
    assert "41.0 days" in notification.body


def test_waived_and_excused_breaches_carry_no_credit(sla_engagement, account_manager, hr_lead):
    from sla.models import Breach

    credited = [line for line in ledger(engagement=sla_engagement).lines if line.amount > 0]
    assert len(credited) >= 2
    first, second = credited[0], credited[1]
    waived = Breach.objects.get(
        engagement=sla_engagement, clause__key=first.clause, period=first.period.key
    )
    excused = Breach.objects.get(
        engagement=sla_engagement, clause__key=second.clause, period=second.period.key
    )

    services.breach_waive(actor=hr_lead, breach=waived, reason="Goodwill.")
    claim = services.relief_claim(
        actor=account_manager,
        breach=excused,
        reason="other",
        explanation="Freeze.",
        requisitions=[],
        days_lost=5,
    )
    services.relief_accept(actor=hr_lead, claim=claim)

    lines = {
        (line.clause, line.period.key): line for line in ledger(engagement=sla_engagement).lines
    }
    assert lines[(first.clause, first.period.key)].amount == 0
    assert lines[(second.clause, second.period.key)].amount == 0
