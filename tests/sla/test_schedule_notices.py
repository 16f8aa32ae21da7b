"""Each step of an SLA schedule's negotiation tells the people concerned, never the actor."""

from notifications.models import Notification
from sla.schedule import TERMS
from sla.services import schedule_agree, schedule_counter, schedule_reject
from tests.sla.conftest import propose_file


def kinds(person):
    return sorted(Notification.objects.filter(recipient=person).values_list("kind", flat=True))


def test_a_proposal_reaches_the_other_party_and_the_answer_the_proposer(
    engagement, hr_lead, account_manager, client_viewer, recruiter
):
    schedule = propose_file(engagement, account_manager)
    # The HR lead answers for the client; the proposer is not told of their own proposal.
    assert kinds(hr_lead) == ["sla_schedule_proposed"]
    assert kinds(account_manager) == []
    told = Notification.objects.get(recipient=hr_lead)
    assert told.subject.startswith("SLA schedule proposed: ")
    assert "clauses (" in told.subject and "sla_schedule.csv" in told.subject
    assert told.url.endswith(f"/sla/schedules/{schedule.pk}/")
    assert str(account_manager) in told.body

    schedule_agree(actor=hr_lead, schedule=schedule)
    assert kinds(account_manager) == ["sla_schedule_agreed"]
    assert kinds(hr_lead) == ["sla_schedule_proposed"]
    # Viewers and recruiters are not among the people concerned.
    assert kinds(client_viewer) == [] and kinds(recruiter) == []


def test_a_counter_and_a_rejection_reach_the_other_side_once(engagement, hr_lead, account_manager):
    first = propose_file(engagement, hr_lead)
    assert kinds(account_manager) == ["sla_schedule_proposed"]
    assert kinds(hr_lead) == []
    clauses = [{k: getattr(c, k) for k in ("key", *TERMS)} for c in first.clauses.all()]
    counter = schedule_counter(actor=account_manager, schedule=first, clauses=clauses)
    assert kinds(hr_lead) == ["sla_schedule_countered"]
    assert "sla_schedule_countered" not in kinds(account_manager)
    schedule_reject(actor=hr_lead, schedule=counter, note="no")
    assert kinds(account_manager) == ["sla_schedule_proposed", "sla_schedule_rejected"]
    assert "sla_schedule_rejected" not in kinds(hr_lead)
    # The same step never tells anyone twice.
    assert Notification.objects.filter(event_key=f"sla-schedule:{counter.pk}:rejected").count() == 1
