"""Reads of QBR packs and subscriptions; always given the engagement."""

from __future__ import annotations

from django.db.models import QuerySet

from engagements.models import Engagement
from reviews.models import QbrPack, QbrSubscription

PACKS_SHOWN = 50


def packs_of(*, engagement: Engagement) -> QuerySet[QbrPack]:
    """The latest packs, newest first, without their (large) frozen content."""
    return (
        QbrPack.objects.filter(engagement=engagement)
        .defer("content")
        .order_by("-created_at", "-id")[:PACKS_SHOWN]
    )


def subscription_of(*, engagement: Engagement, user) -> QbrSubscription | None:
    return QbrSubscription.objects.filter(engagement=engagement, user=user).first()
