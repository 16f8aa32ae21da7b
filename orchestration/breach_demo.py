"""Demo step: the breaches that evaluation opened, walked through every status of their life,
with relief claims pending, accepted and rejected, and notifications read and unread.

Runs after the SLA clauses are seeded and evaluated; an engagement whose breaches people have
already acted on is left alone, so `seed_demo` can run again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role, User
from engagements.models import Engagement
from notifications.models import Notification
from recruiting.models import Requisition
from reviews.models import ActionItemStatus, AgendaItem, Tier
from reviews.services import agenda_escalate
from sla.breaches import services
from sla.models import Breach, BreachEvent, BreachStatus


def _member(engagement: Engagement, organization_id: int, role: str) -> User | None:
    return (
        User.objects.filter(
            memberships__organization_id=organization_id, memberships__role=role, is_active=True
        )
        .order_by("email")
        .first()
    )


def _plan(breach: Breach, provider: User, *, done: bool) -> None:
    today = timezone.localdate()
    services.breach_acknowledge(actor=provider, breach=breach, note="We are on it.")
    services.breach_plan_remediation(
        actor=provider,
        breach=breach,
        root_cause="Two recruiters on the team left; the pipeline for senior roles ran dry.",
        actions=[
            services.CorrectiveActionInput(
                "Backfill two senior recruiters", provider, today + timedelta(days=21)
            ),
            services.CorrectiveActionInput(
                "Weekly pipeline review with hiring managers", provider, today + timedelta(days=7)
            ),
        ],
    )
    if done:
        for link in breach.corrective_actions.all():
            services.corrective_action_set_status(
                actor=provider, corrective_action=link, status=ActionItemStatus.DONE
            )


def _claim(breach: Breach, provider: User, reason: str, days: int) -> object:
    requisitions = list(
        Requisition.objects.filter(engagement_id=breach.engagement_id)
        .order_by("external_id")
        .values_list("external_id", flat=True)[:2]
    )
    return services.relief_claim(
        actor=provider,
        breach=breach,
        reason=reason,
        explanation="Shortlists waited on the client's feedback for most of the period.",
        requisitions=requisitions,
        days_lost=days,
    )


def breaches_walk(engagement: Engagement) -> int:
    """Take the engagement's open breaches (oldest first) through every status; returns how
    many breaches it moved. Nothing happens if people have acted on any breach already."""
    if BreachEvent.objects.filter(engagement=engagement, actor__isnull=False).exists():
        return 0
    provider = _member(engagement, engagement.provider_id, Role.ACCOUNT_MANAGER)
    client = _member(engagement, engagement.client_id, Role.HR_LEAD)
    if provider is None or client is None:
        return 0
    breaches = list(
        Breach.objects.filter(engagement=engagement, status=BreachStatus.OPEN)
        .select_related("engagement", "clause")
        .order_by("period_end", "clause__key")
    )
    steps: list[Callable[[Breach], None]] = [
        lambda b: (
            _plan(b, provider, done=True)
            or services.breach_resolve(actor=provider, breach=b, note="Both recruiters started.")
        ),
        lambda b: services.breach_waive(
            actor=client, breach=b, reason="Our hiring freeze made the month unrepresentative."
        ),
        lambda b: services.relief_accept(
            actor=client,
            claim=_claim(b, provider, "feedback_late", 12),
            note="Agreed: our managers were late.",
        ),
        lambda b: services.relief_reject(
            actor=client,
            claim=_claim(b, provider, "requisition_changed", 6),
            reason="The changes came after the shortlist was late already.",
        ),
        lambda b: _plan(b, provider, done=False),
        lambda b: services.breach_acknowledge(actor=provider, breach=b, note="Looking into it."),
        lambda b: _claim(b, provider, "no_interview_slots", 9),
    ]
    # The newest breach stays open, as a fresh one would be.
    for breach, step in zip(breaches[:-1], steps, strict=False):
        step(breach)
    return min(len(steps), max(len(breaches) - 1, 0))


def notifications_half_read(engagement: Engagement) -> None:
    """Older notifications read, the newest ones unread, as after a few days of use."""
    for recipient_id in (
        Notification.objects.filter(engagement=engagement)
        .values_list("recipient_id", flat=True)
        .distinct()
    ):
        mine = Notification.objects.filter(engagement=engagement, recipient_id=recipient_id)
        # The newest three stay unread, but never all of them: everyone has read something.
        unread = min(3, (mine.count() + 1) // 2)
        older = list(mine.order_by("-created_at", "-id").values_list("pk", flat=True)[unread:])
        Notification.objects.filter(pk__in=older, read_at__isnull=True).update(
            read_at=timezone.now()
        )


def breach_escalated(engagement: Engagement) -> bool:
    """The newest open breach put on the next tactical review (once), as an account lead
    would before the monthly meeting."""
    if AgendaItem.objects.filter(engagement=engagement, breach__isnull=False).exists():
        return False
    breach = (
        Breach.objects.filter(engagement=engagement, status=BreachStatus.OPEN)
        .select_related("clause")
        .order_by("-period_end")
        .first()
    )
    client = _member(engagement, engagement.client_id, Role.HR_LEAD)
    if breach is None or client is None:
        return False
    try:
        agenda_escalate(
            actor=client,
            engagement=engagement,
            tier=Tier.TACTICAL,
            title=f"Breach: {breach.clause.key}, {breach.period}",
            breach=breach,
        )
    except ValidationError:  # no upcoming tactical review
        return False
    return True


def seed_breach_lifecycle(log: Callable[[str], None]) -> None:
    moved = escalated = 0
    for engagement in Engagement.objects.order_by("slug"):
        moved += breaches_walk(engagement)
        escalated += breach_escalated(engagement)
        notifications_half_read(engagement)
    log(f"{moved} demo breaches taken through their lifecycle, {escalated} escalated")
