"""Reads of the go-live date's negotiation."""

from __future__ import annotations

from django.db.models import QuerySet

from engagements.go_live import GoLiveDate
from engagements.models import Engagement


def go_live_proposals(*, engagement: Engagement) -> QuerySet[GoLiveDate]:
    """Every go-live date of the engagement (agreed, open, answered), newest first."""
    return (
        GoLiveDate.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by")
        .prefetch_related("steps__actor")
        .order_by("-proposed_at", "-id")
    )


def go_live_get(*, engagement: Engagement, proposal_id: int) -> GoLiveDate:
    """One go-live proposal of this engagement (DoesNotExist otherwise)."""
    return go_live_proposals(engagement=engagement).get(pk=proposal_id)
