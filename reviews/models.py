"""The shared governance log: action items both parties work on.

Action items are logged from meetings, breaches (as corrective actions), KPIs and risks; the
links to those records are added by the apps that own them.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from engagements.models import Engagement
from kpis.models import Party
from kpis.registry import KPI_CHOICES


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (ActionItemStatus.OPEN, ActionItemStatus.IN_PROGRESS)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


@pghistory.track()
class ActionItem(models.Model):
    """Who does what by when, for either party of an engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="action_items",
        help_text="A member of the client or the provider.",
    )
    party = models.CharField(
        max_length=10, choices=Party.choices, help_text="The side that owns the work."
    )
    due_date = models.DateField()
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(
        max_length=12, choices=ActionItemStatus.choices, default=ActionItemStatus.OPEN
    )
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionItemStatus.values), name="action_item_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(party__in=Party.values), name="action_item_party_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "status", "due_date"]),
            models.Index(fields=["owner", "status", "due_date"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_date < today

    def clean(self) -> None:
        if self.owner_id and self.engagement_id:
            party_ids = {self.engagement.client_id, self.engagement.provider_id}
            if not self.owner.memberships.filter(organization_id__in=party_ids).exists():
                raise ValidationError(
                    {"owner": f"{self.owner} is not a member of the client or the provider."}
                )


class ActionItemComment(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.action_item}"
