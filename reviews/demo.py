"""Demo reviews: cadences and meetings of every tier, held ones with minutes and decisions,
action items open, done and overdue, and risks spread over the heat map.

Idempotent: an engagement that already has decisions is left as it is.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from kpis.demo import NEGOTIATORS
from reviews import services
from reviews.models import Decision, Tier

# (title, category, likelihood, impact, treatment, review in days from today)
RISKS = [
    ("Recruiter attrition in the delivery team", "capacity", 4, 4, "mitigate", -5),
    ("ATS export fails silently", "dependency", 2, 5, "mitigate", 20),
    ("Candidate data kept past retention period", "data_security", 2, 4, "avoid", 40),
    ("Hiring freeze in Sales", "delivery", 3, 3, "accept", -1),
    ("Right-to-work checks missed", "compliance", 1, 5, "transfer", 60),
    ("Interview slots scarce in Q-end", "capacity", 5, 2, "mitigate", 10),
]


def _meeting_at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def _seed_engagement(engagement: Engagement, client: User, provider: User) -> None:
    services.cadences_ensure(engagement=engagement)
    # As the beat job does it, so that the audit trail shows a job's changes.
    call_command("schedule_reviews", engagement=engagement.slug, stdout=io.StringIO())
    today = timezone.localdate()
    risks = [
        services.risk_create(
            actor=client if i % 2 else provider,
            engagement=engagement,
            title=title,
            category=category,
            likelihood=likelihood,
            impact=impact,
            treatment=treatment,
            mitigation="Agreed in the tactical review; see the linked action items.",
            owner=client if i % 2 else provider,
            next_review_on=today + timedelta(days=days),
        )
        for i, (title, category, likelihood, impact, treatment, days) in enumerate(RISKS)
    ]
    held = {}
    for tier, days_ago, hour in [
        (Tier.OPERATIONAL, 6, 9),
        (Tier.TACTICAL, 24, 10),
        (Tier.STRATEGIC, 70, 14),
    ]:
        meeting = services.meeting_create(
            actor=provider,
            engagement=engagement,
            tier=tier,
            title=services.MEETING_TITLES[tier],
            starts_at=_meeting_at(today - timedelta(days=days_ago), hour),
            attendees=[client, provider],
        )
        services.meeting_hold(actor=provider, meeting=meeting)
        services.agenda_item_add(actor=provider, meeting=meeting, title="Pipeline for Engineering")
        point = services.agenda_item_add(
            actor=provider, meeting=meeting, title="Offer declines on salary"
        )
        services.agenda_item_update(
            actor=provider,
            item=point,
            outcome="Client to review the salary bands.",
            escalate=tier != Tier.STRATEGIC,
        )
        services.meeting_minutes_save(
            actor=provider,
            meeting=meeting,
            minutes="Walked through the agenda. Numbers as frozen above.",
        )
        held[tier] = meeting
    items = [
        ("Share the salary benchmark", client, -4, "open", held[Tier.OPERATIONAL]),
        ("Add a referral campaign for Engineering", provider, 5, "in_progress", None),
        ("Fix the ATS export schedule", provider, -10, "open", held[Tier.TACTICAL]),
        ("Agree interview slot quotas", client, 12, "open", held[Tier.OPERATIONAL]),
        ("Publish the Q-plan to hiring managers", client, -20, "done", held[Tier.STRATEGIC]),
    ]
    created = []
    for title, owner, days, status, meeting in items:
        item = services.action_item_create(
            actor=provider,
            engagement=engagement,
            title=title,
            owner=owner,
            due_date=today + timedelta(days=days),
            meeting=meeting,
            risk=risks[0] if "slot" in title else None,
        )
        if status != "open":
            services.action_item_update(actor=owner, item=item, status=status)
        created.append(item)
    services.decision_create(
        actor=client,
        engagement=engagement,
        title="Raise the Engineering salary band by 5%",
        rationale="Offer declines on salary doubled over two months.",
        decided_by=client,
        decided_on=held[Tier.TACTICAL].starts_at.date(),
        meeting=held[Tier.TACTICAL],
        action_items=[created[0]],
        kpi="offer_acceptance_rate",
    )
    services.decision_create(
        actor=provider,
        engagement=engagement,
        title="Move the weekly review to Tuesday mornings",
        rationale="Hiring managers are in planning meetings on Mondays.",
        decided_by=provider,
        decided_on=held[Tier.OPERATIONAL].starts_at.date(),
        meeting=held[Tier.OPERATIONAL],
    )
    for tier in (Tier.OPERATIONAL, Tier.STRATEGIC):
        services.meeting_close(actor=provider, meeting=held[tier])


def seed_reviews(log: Callable[[str], None]) -> None:
    seeded = 0
    for slug, (client_email, provider_email) in NEGOTIATORS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None or Decision.objects.filter(engagement=engagement).exists():
            continue
        client = User.objects.get(email=client_email)
        provider = User.objects.get(email=provider_email)
        _seed_engagement(engagement, client, provider)
        seeded += 1
    log(f"reviews seeded for {seeded} engagements")
