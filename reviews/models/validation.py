"""Checks the governance log's models share: a time zone's name, a member of either party,
a linked record of the same engagement."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError

from engagements.models import NOT_A_MEMBER, Engagement


def validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not a known time zone (e.g. Europe/Berlin).") from None


def validate_member(engagement: Engagement, user, field: str) -> None:
    party_ids = {engagement.client_id, engagement.provider_id}
    if not user.memberships.filter(organization_id__in=party_ids).exists():
        raise ValidationError({field: NOT_A_MEMBER})


def validate_same_engagement(engagement_id: int, record, field: str) -> None:
    if record is not None and record.engagement_id != engagement_id:
        raise ValidationError({field: "That record belongs to another engagement."})
