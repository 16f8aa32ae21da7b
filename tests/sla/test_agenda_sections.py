"""SLA sections of review agendas, breach escalation to the tier above, and freezing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reviews import services
from reviews.agenda import SECTIONS, agenda_build
from reviews.models import AgendaItem, Tier
from sla.models import BreachEvent, ReliefClaim, SlaOutcome, Warning
from tests.sla.breach_helpers import agreed_clause, make_breach

pytestmark = pytest.mark.django_db


def _meeting(engagement, actor, tier, when):
    return services.meeting_create(
        actor=actor, engagement=engagement, tier=tier, title=f"{tier} review", starts_at=when
    )


def _section(agenda, key):
    return next(s for s in agenda["sections"] if s["key"] == key)


@pytest.fixture
def breach(engagement, account_manager):
    clause = agreed_clause(engagement, account_manager)
    found = make_breach(engagement, clause, period="2025-08")
    SlaOutcome.objects.create(
        engagement=engagement,
        clause=clause,
        period="2025-08",
        period_start=date(2025, 8, 1),
        period_end=date(2025, 8, 31),
        closed=True,
        value=41.0,
        shown_value=41,
        n=12,
        outcome="breach",
        as_of=date(2025, 9, 30),
        evaluated_at=timezone.now(),
    )
    BreachEvent.objects.create(
        engagement=engagement, breach=found, action="opened", at=found.opened_at
    )
    return found


def test_sla_sections_are_registered_for_their_tiers():
    tactical = [key for key, _, _ in SECTIONS[Tier.TACTICAL]]
    strategic = [key for key, _, _ in SECTIONS[Tier.STRATEGIC]]
    assert {"sla_warnings_breaches", "sla_escalated_breaches"} <= set(tactical)
    assert {"sla_outcomes", "sla_ledger_net", "sla_disputed_relief"} <= set(strategic)


def test_tactical_agenda_lists_warnings_and_breaches(engagement, hr_lead, breach):
    Warning.objects.create(
        engagement=engagement,
        clause=breach.clause,
        period="2025-09",
        period_end=date(2025, 9, 30),
        value=33.0,
        n=5,
        raised_at=timezone.now(),
    )
    meeting = _meeting(engagement, hr_lead, Tier.TACTICAL, timezone.now() + timedelta(days=2))
    rows = _section(agenda_build(meeting=meeting), "sla_warnings_breaches")["rows"]
    assert rows == [
        ["Warning", "ttf-month", "2025-09", "33", "35.000000", "Raised"],
        ["Breach", "ttf-month", "2025-08", "41", "35.000000", "Open"],
    ]


def test_qbr_agenda_has_outcomes_ledger_net_and_disputed_claims(
    engagement, hr_lead, account_manager, breach
):
    for status in ("pending", "rejected"):
        ReliefClaim.objects.create(
            engagement=engagement,
            breach=breach,
            reason="feedback_late",
            explanation="Late feedback.",
            days_lost=4,
            status=status,
            claimed_by=account_manager,
            claimed_at=timezone.now(),
            answered_at=timezone.now() if status == "rejected" else None,
            answered_by=hr_lead if status == "rejected" else None,
            answer_note="Not late." if status == "rejected" else "",
        )
    qbr = _meeting(engagement, hr_lead, Tier.STRATEGIC, datetime(2025, 10, 15, 10, tzinfo=UTC))
    agenda = agenda_build(meeting=qbr, today=date(2025, 10, 1))
    assert _section(agenda, "sla_outcomes")["rows"] == [
        ["ttf-month", "2025-08", "41.00", "12", "Breach"]
    ]
    fee = engagement.monthly_fee
    credit = f"{fee * 5 / 100:.2f} {engagement.currency}"
    assert _section(agenda, "sla_ledger_net")["rows"][0] == ["Credits owed", credit]
    assert _section(agenda, "sla_ledger_net")["rows"][2] == ["Net", f"-{credit}"]
    statuses = [row[5] for row in _section(agenda, "sla_disputed_relief")["rows"]]
    assert statuses == ["Pending", "Rejected"]


def test_frozen_qbr_keeps_the_sla_numbers_after_reevaluation(engagement, hr_lead, breach):
    qbr = _meeting(engagement, hr_lead, Tier.STRATEGIC, datetime(2025, 10, 15, 10, tzinfo=UTC))
    services.meeting_hold(actor=hr_lead, meeting=qbr, today=date(2025, 10, 1))
    qbr.refresh_from_db()
    frozen = dict(qbr.frozen_agenda)
    # A re-evaluation finds the month met after all and the breach is waived.
    SlaOutcome.objects.filter(clause=breach.clause).update(
        value=30.0, shown_value=30, outcome="met"
    )
    breach.status = "waived"
    breach.save()
    qbr.refresh_from_db()
    assert qbr.frozen_agenda == frozen
    kept = _section(qbr.frozen_agenda, "sla_ledger_net")["rows"][0][1]
    assert kept.startswith(f"{engagement.monthly_fee * 5 / 100:.2f}")
    live = agenda_build(meeting=qbr, today=date(2025, 10, 1))
    assert _section(live, "sla_ledger_net")["rows"][0][1].startswith("0.00")


def test_a_breach_escalates_to_the_tier_above_with_its_history(login, engagement, hr_lead, breach):
    soon = timezone.now() + timedelta(days=1)
    tactical = _meeting(engagement, hr_lead, Tier.TACTICAL, soon)
    qbr = _meeting(engagement, hr_lead, Tier.STRATEGIC, soon + timedelta(days=20))
    url = reverse("breaches:escalate", args=[engagement.pk, breach.pk])
    response = login(hr_lead).post(url, {"tier": "tactical"})
    assert response.status_code == 302
    item = AgendaItem.objects.get(meeting=tactical, breach=breach)
    history = _section(agenda_build(meeting=tactical), "sla_escalated_breaches")["rows"]
    assert [row[0] for row in history] == ["ttf-month, 2025-08"]
    assert history[0][2] == "Opened"
    # Twice to the same meeting is refused; the meeting page links the breach.
    login(hr_lead).post(url, {"tier": "tactical"})
    assert AgendaItem.objects.filter(breach=breach).count() == 1
    page = login(hr_lead).get(reverse("reviews:meeting", args=[engagement.pk, tactical.pk]))
    assert reverse("breaches:detail", args=[engagement.pk, breach.pk]) in page.content.decode()
    # Marked "escalate" at the tactical review, it climbs to the QBR when the minutes close.
    services.agenda_item_update(actor=hr_lead, item=item, escalate=True)
    with time_machine.travel(tactical.starts_at + timedelta(hours=1)):  # once it has met
        services.meeting_close(actor=hr_lead, meeting=tactical)
    climbed = AgendaItem.objects.get(meeting=qbr, breach=breach)
    assert climbed.escalated_from == item
    qbr_history = _section(agenda_build(meeting=qbr), "sla_escalated_breaches")["rows"]
    assert qbr_history[0][0] == "ttf-month, 2025-08"
