"""Reads of the transition plan, always given the engagement."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from engagements.models import Engagement
from reviews.models.transition import Milestone, MilestoneStatus, TransitionPlan

ALERT_STATUSES = (MilestoneStatus.LATE, MilestoneStatus.AT_RISK)


def plan_of(*, engagement: Engagement) -> TransitionPlan | None:
    return TransitionPlan.objects.filter(engagement=engagement).first()


def milestones_of(*, engagement: Engagement) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(engagement=engagement)
        .select_related("responsible_person")
        .prefetch_related("depends_on")
    )


def milestone_get(*, engagement: Engagement, milestone_id: int) -> Milestone:
    return Milestone.objects.select_related("engagement", "responsible_person").get(
        pk=milestone_id, engagement=engagement
    )


def milestones_needing_attention(*, engagement_id: int, today: date) -> list[Milestone]:
    """Late (planned date passed undone) and slipping (forecast after planned) milestones,
    the earliest planned first: what the next tactical review goes through."""
    candidates = (
        Milestone.objects.filter(engagement_id=engagement_id, actual_on__isnull=True)
        .select_related("responsible_person")
        .order_by("planned_on", "position", "id")
    )
    return [m for m in candidates if m.status_on(today) in ALERT_STATUSES]
