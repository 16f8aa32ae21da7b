"""QBR packs: frozen quarterly numbers and their files, the subscriptions and the deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from engagements.models import Engagement


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
