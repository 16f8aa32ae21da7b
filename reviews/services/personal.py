"""What the portal sends a person: reminder e-mails of their action items, and the key of their
calendar feeds."""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from engagements.access import engagements_for
from engagements.models import Engagement
from reviews.models import OPEN_STATUSES, ActionItem, CalendarToken, ReminderSent
from rpo_portal import fanout, formats
from rpo_portal.mail import portal_email
from rpo_portal.site import site_url

# --- reminders -----------------------------------------------------------------------------

REMINDER_HORIZON_DAYS = 7


def _reminder_items(today: date) -> dict[int, list[ActionItem]]:
    """Open items due within a week or overdue, by owner (active people only)."""
    items = (
        ActionItem.objects.filter(
            status__in=OPEN_STATUSES,
            due_date__lte=today + timedelta(days=REMINDER_HORIZON_DAYS),
            owner__is_active=True,
        )
        .select_related("engagement", "owner")
        .order_by("owner_id", "due_date", "id")
    )
    by_owner: dict[int, list[ActionItem]] = defaultdict(list)
    for item in items:
        by_owner[item.owner_id].append(item)
    return by_owner


def _still_visible(owner: User, items: list[ActionItem]) -> list[ActionItem]:
    """The items of engagements the owner may still see, asked when the e-mail is sent (the
    tenancy gate's `engagements_for`): someone who left a party hears nothing more of its
    action items, even those still in their name."""
    visible = set(
        engagements_for(owner)
        .filter(pk__in={item.engagement_id for item in items})
        .values_list("pk", flat=True)
    )
    return [item for item in items if item.engagement_id in visible]


def reminders_send(*, today: date | None = None) -> int:
    """One e-mail per owner per day listing their due and overdue items; returns how many.

    The sent-record is written in the same transaction as the e-mail is handed over, so a
    second run the same day (or a concurrent one, held by the unique key) sends nothing. One
    owner's reminder that fails is logged and left for the next run; the others go.
    """
    today = today or timezone.localdate()
    sent = 0
    for owner_id, listed in _reminder_items(today).items():
        engagements = {item.engagement_id for item in listed}
        with fanout.item("Reminder", engagement=engagements, user=owner_id, day=today):
            owner = User.objects.filter(pk=owner_id, is_active=True).first()
            items = _still_visible(owner, listed) if owner else []
            if not items:
                continue
            try:
                with transaction.atomic():
                    record, created = ReminderSent.objects.get_or_create(
                        owner=owner, day=today, defaults={"item_count": len(items)}
                    )
                    if not created:
                        continue
                    _send_reminder(owner, items, today)
            except IntegrityError:
                continue
            sent += 1
    return sent


def _send_reminder(owner: User, items: list[ActionItem], today: date) -> None:
    base = site_url()
    overdue = sum(1 for item in items if item.is_overdue(today))
    context = {
        "owner": owner,
        "items": [
            {
                "item": item,
                "overdue": item.is_overdue(today),
                "url": base + reverse("reviews:action_item", args=[item.engagement_id, item.pk]),
            }
            for item in items
        ],
        "today": today,
        "mine_url": base + reverse("reviews:my_action_items"),
    }
    subject = f"{formats.counted(len(items), 'action item')} due"
    if overdue:
        subject += f", {formats.number(overdue)} overdue"
    portal_email(
        subject=subject,
        body=render_to_string("reviews/email/reminder.txt", context),
        to=[owner.email],
    ).send()


# --- calendar tokens -----------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_regenerate(*, user: User, engagement: Engagement) -> str:
    """A new secret for the user's feeds of this engagement; the old one stops working."""
    token = secrets.token_urlsafe(32)
    CalendarToken.objects.update_or_create(
        engagement=engagement, user=user, defaults={"token_hash": token_hash(token)}
    )
    return token
