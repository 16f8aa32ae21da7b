"""Agenda items: the points on a meeting's agenda besides its live-data sections."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from engagements.models import Engagement
from reviews.models.meetings import Meeting
from reviews.models.records import ActionItem, Risk
from reviews.models.validation import validate_same_engagement
from rpo_portal.text_rules import OneLineCharField


class AgendaItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


@pghistory.track()
class AgendaItem(models.Model):
    """A point on a meeting's agenda besides its live-data sections.

    Items not closed carry over to the next meeting of the same cadence (`carried_from`); an
    item marked `escalate` goes to the next meeting of the tier above (`escalated_from`). Both
    links keep the chain, so an item shows its history wherever it lands.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = OneLineCharField(max_length=200)
    notes = models.TextField(blank=True)
    outcome = models.TextField(blank=True)
    status = models.CharField(
        max_length=8, choices=AgendaItemStatus.choices, default=AgendaItemStatus.OPEN
    )
    escalate = models.BooleanField(
        default=False, help_text="Put this on the next meeting of the tier above."
    )
    action_item = models.ForeignKey(
        ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    risk = models.ForeignKey(
        Risk, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    breach = models.ForeignKey(
        "sla.Breach", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    carried_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="carried_to"
    )
    escalated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="escalated_to"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "carried_from"],
                condition=Q(carried_from__isnull=False),
                name="agenda_item_carried_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "escalated_from"],
                condition=Q(escalated_from__isnull=False),
                name="agenda_item_escalated_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "action_item"],
                condition=Q(action_item__isnull=False),
                name="agenda_item_action_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "risk"],
                condition=Q(risk__isnull=False),
                name="agenda_item_risk_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "breach"],
                condition=Q(breach__isnull=False),
                name="agenda_item_breach_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.engagement_id:
            for field in ("meeting", "action_item", "risk", "breach"):
                validate_same_engagement(self.engagement_id, getattr(self, field), field)
