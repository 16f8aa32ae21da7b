"""What the portal keeps per person: the reminder e-mails sent and the calendar feeds' keys."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from engagements.models import Engagement


class ReminderSent(models.Model):
    """One reminder e-mail per owner and day: the record makes `send_reminders` idempotent."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    item_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "day"], name="reminder_once_per_day")
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.owner} on {self.day}"


class CalendarToken(models.Model):
    """A user's secret for the calendar feeds of one engagement; only its SHA-256 is kept.

    Calendar apps cannot sign in, so the token in the feed's URL is the credential. It is 256
    random bits, so a fast hash is enough; regenerating it replaces the hash and the old URL
    stops working.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="calendar_token_unique")
        ]

    def __str__(self) -> str:
        return f"Calendar token of {self.user} for {self.engagement_id}"
