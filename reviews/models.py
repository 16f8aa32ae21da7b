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


# --- QBR packs ---------------------------------------------------------------------------------


class QbrFormat(models.TextChoices):
    XLSX = "xlsx", "Excel (.xlsx)"
    PDF = "pdf", "PDF"
    CSV = "csv", "CSV files (.zip)"


QBR_CONTENT_TYPES = {
    QbrFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    QbrFormat.PDF: "application/pdf",
    QbrFormat.CSV: "application/zip",
}
QBR_EXTENSIONS = {QbrFormat.XLSX: "xlsx", QbrFormat.PDF: "pdf", QbrFormat.CSV: "zip"}


class QbrPackStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Generating"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class QbrPack(models.Model):
    """A frozen QBR pack: the numbers as the dashboard showed them for a quarter when it was
    generated (`content`), the file drawn from them, and what they were computed from."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    quarter = models.CharField(max_length=7, help_text="2026-Q1")
    format = models.CharField(max_length=4, choices=QbrFormat.choices)
    status = models.CharField(
        max_length=10, choices=QbrPackStatus.choices, default=QbrPackStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    as_of = models.DateField(null=True, blank=True, help_text="The data's as-of date.")
    last_import = models.DateTimeField(null=True, blank=True)
    last_recompute = models.DateTimeField(null=True, blank=True)
    definition_versions = models.JSONField(default=dict, blank=True)
    filters = models.CharField(max_length=200, blank=True)
    content = models.JSONField(default=dict, blank=True, editable=False)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Blank for the scheduled delivery.",
    )
    generated_by_label = models.CharField(max_length=300)
    scheduled = models.BooleanField(default=False, help_text="Made for the subscribers.")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    file = models.FileField(upload_to="qbr-packs/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=QbrFormat.values), name="qbr_pack_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=QbrPackStatus.values), name="qbr_pack_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(quarter__regex=r"^\d{4}-Q[1-4]$"), name="qbr_pack_quarter_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "-created_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"QBR pack {self.quarter} ({self.format}) of {self.engagement_id}"

    @property
    def content_type(self) -> str:
        return QBR_CONTENT_TYPES[self.format]

    @property
    def is_finished(self) -> bool:
        return self.status in (QbrPackStatus.READY, QbrPackStatus.FAILED, QbrPackStatus.EXPIRED)

    def is_expired(self, now) -> bool:
        return self.status == QbrPackStatus.EXPIRED or self.expires_at <= now

    def is_downloadable(self, now) -> bool:
        return self.status == QbrPackStatus.READY and not self.is_expired(now) and bool(self.file)


class QbrSubscription(models.Model):
    """A member who wants each closed quarter's pack by e-mail, in the format of their choice."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="qbr_subscriptions"
    )
    format = models.CharField(max_length=4, choices=QbrFormat.choices, default=QbrFormat.PDF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "user"], name="qbr_subscription_once"),
            models.CheckConstraint(
                condition=Q(format__in=QbrFormat.values), name="qbr_subscription_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} subscribes to {self.engagement_id} ({self.format})"


class QbrDelivery(models.Model):
    """One e-mail of one closed quarter's pack to one subscriber: never twice."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    quarter = models.CharField(max_length=7)
    pack = models.ForeignKey(QbrPack, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "user", "quarter"], name="qbr_delivery_once_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter} pack to {self.user}"
