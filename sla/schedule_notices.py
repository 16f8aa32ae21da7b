"""Who hears of each step of an SLA schedule's negotiation, like a KPI target's.

A proposal (or a counter-proposal) reaches the leads of both parties except the person who made
it: the other party must answer it. An answer (agreed, rejected) reaches the leads and the
person who proposed the schedule, except the person who answered.
"""

from __future__ import annotations

from django.urls import reverse

from notifications.selectors import leads_of
from notifications.services import notify
from rpo_portal import formats
from sla.models import SlaSchedule

NOTICES = {
    "proposed": (
        "SLA schedule proposed",
        "{actor} proposed an SLA schedule: {what}. The other party agrees, rejects or "
        "counters it; until then none of its clauses is in force.",
    ),
    "countered": (
        "SLA schedule countered",
        "{actor} answered a proposed SLA schedule with other clauses: {what}. "
        "The first party agrees, rejects or counters in turn.",
    ),
    "agreed": (
        "SLA schedule agreed",
        "{actor} agreed to the SLA schedule: {what}. Its clauses are in force from now on.",
    ),
    "rejected": (
        "SLA schedule rejected",
        "{actor} rejected the proposed SLA schedule: {what}.",
    ),
}


def schedule_words(schedule: SlaSchedule) -> str:
    keys = list(schedule.clauses.order_by("key").values_list("key", flat=True))
    clauses = formats.counted(len(keys), "clause")
    source = f" from {schedule.source_name}" if schedule.source_name else ""
    return f"{clauses} ({', '.join(keys)}){source}" if keys else f"{clauses}{source}"


def schedule_notify(schedule: SlaSchedule, *, event: str, actor) -> None:
    """Tell the people concerned of one step of the negotiation, never the one who took it."""
    title, body = NOTICES[event]
    what = schedule_words(schedule)
    recipients = {lead.pk for lead in leads_of(engagement=schedule.engagement)}
    if event in ("agreed", "rejected"):
        recipients.add(schedule.proposed_by_id)
    recipients.discard(actor.pk)
    note = schedule.note if event in ("proposed", "countered") else ""
    notify(
        engagement=schedule.engagement,
        event_key=f"sla-schedule:{schedule.pk}:{event}",
        kind=f"sla_schedule_{event}",
        subject=f"{title}: {what}",
        body=body.format(actor=actor, what=what) + (f"\nNote: {note}" if note else ""),
        url=reverse("sla:schedule_detail", args=[schedule.engagement_id, schedule.pk]),
        recipients=recipients,
    )
