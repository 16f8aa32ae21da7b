"""The records the parties keep between meetings: risks, action items (with comments) and
decisions."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from engagements.action_items import OPEN_STATUSES, ActionItemStatus
from engagements.models import Engagement
from kpis.models import Party
from kpis.registry import KPI_CHOICES
from reviews.models.meetings import Meeting
from reviews.models.validation import validate_member, validate_same_engagement
from rpo_portal.text_rules import OneLineCharField


class RiskCategory(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    COMPLIANCE = "compliance", "Compliance"
    DATA_SECURITY = "data_security", "Data security"
    DEPENDENCY = "dependency", "Dependency"
    CAPACITY = "capacity", "Capacity"


class Treatment(models.TextChoices):
    ACCEPT = "accept", "Accept"
    MITIGATE = "mitigate", "Mitigate"
    TRANSFER = "transfer", "Transfer"
    AVOID = "avoid", "Avoid"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    CLOSED = "closed", "Closed"


SCALE = [MinValueValidator(1), MaxValueValidator(5)]


@pghistory.track()
class Risk(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = OneLineCharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=15, choices=RiskCategory.choices)
    likelihood = models.PositiveSmallIntegerField(validators=SCALE, help_text="1 (rare) to 5")
    impact = models.PositiveSmallIntegerField(validators=SCALE, help_text="1 (minor) to 5")
    # Stored (and checked) so the register sorts and filters by it in the database.
    score = models.PositiveSmallIntegerField(editable=False, blank=True)
    treatment = models.CharField(max_length=10, choices=Treatment.choices)
    mitigation = models.TextField(blank=True)
    contingency = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    next_review_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "next_review_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                name="risk_scale_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(score=F("likelihood") * F("impact")), name="risk_score_is_product"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "status", "next_review_on"])]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.score = (self.likelihood or 0) * (self.impact or 0)
        super().save(*args, **kwargs)

    def is_due_for_review(self, today) -> bool:
        return self.status != RiskStatus.CLOSED and self.next_review_on <= today

    def clean(self) -> None:
        self.score = (self.likelihood or 0) * (self.impact or 0)
        if self.owner_id and self.engagement_id:
            validate_member(self.engagement, self.owner, "owner")


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


@pghistory.track()
class ActionItem(models.Model):
    """Who does what by when, for either party of an engagement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = OneLineCharField(max_length=200)
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
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    risk = models.ForeignKey(
        Risk, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
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

    @property
    def status_choices(self) -> list[tuple[str, str]]:
        return ActionItemStatus.choices

    def clean(self) -> None:
        if self.owner_id and self.engagement_id:
            validate_member(self.engagement, self.owner, "owner")
        if self.engagement_id:
            validate_same_engagement(self.engagement_id, self.meeting, "meeting")
            validate_same_engagement(self.engagement_id, self.risk, "risk")


@pghistory.track()
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


@pghistory.track()
class Decision(models.Model):
    """What was decided, why, by whom (either party) and when, with the records it concerns."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = OneLineCharField(max_length=200, help_text="What was decided.")
    rationale = models.TextField(blank=True, help_text="Why.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    party = models.CharField(max_length=10, choices=Party.choices)
    decided_on = models.DateField()
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions"
    )
    action_items = models.ManyToManyField(ActionItem, blank=True, related_name="decisions")
    risks = models.ManyToManyField(Risk, blank=True, related_name="decisions")
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["engagement", "decided_on"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.decided_by_id and self.engagement_id:
            validate_member(self.engagement, self.decided_by, "decided_by")
        if self.engagement_id:
            validate_same_engagement(self.engagement_id, self.meeting, "meeting")
