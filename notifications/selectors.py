"""Reads of notifications: always for one person (or one engagement's leads)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from accounts.models import Role
from engagements.access import engagements_for
from engagements.models import Engagement
from notifications.models import Delivery, Notification, NotificationPreference

User = get_user_model()


def leads_of(*, engagement: Engagement) -> list:
    """Each lead of both parties: the engagement's program manager and account lead, and the
    HR leads and account managers of the client and of the provider. Active people only."""
    named = [pk for pk in (engagement.program_manager_id, engagement.account_lead_id) if pk]
    party_leads = Q(
        memberships__organization_id__in=(engagement.client_id, engagement.provider_id),
        memberships__role__in=(Role.HR_LEAD, Role.ACCOUNT_MANAGER),
    )
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=named) | party_leads)
        .distinct()
        .order_by("email")
    )


def members_among(*, engagement: Engagement, user_ids) -> set[int]:
    """Which of `user_ids` are still active members of either party of the engagement."""
    return set(
        User.objects.filter(
            pk__in=user_ids,
            is_active=True,
            memberships__organization_id__in=(engagement.client_id, engagement.provider_id),
        ).values_list("pk", flat=True)
    )


def notifications_for(*, user) -> QuerySet[Notification]:
    """The person's notifications, of the engagements they may still see."""
    return Notification.objects.filter(
        recipient=user, engagement__in=engagements_for(user)
    ).select_related("engagement")


def unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def delivery_of(*, user) -> str:
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.delivery if preference else Delivery.IMMEDIATE
