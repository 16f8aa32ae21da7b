"""The shared governance log: cadences, meetings and their agendas, decisions, action items
and risks, for both parties of an engagement.

Action items are logged from meetings, breaches (as corrective actions), KPIs and risks; the
link to a breach is added by the SLA app, which owns breaches.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Deferrable, F, Q

from engagements.models import Engagement
from kpis.models import Party
from kpis.registry import KPI_CHOICES


class Tier(models.TextChoices):
    OPERATIONAL = "operational", "Operational"
    TACTICAL = "tactical", "Tactical"
    STRATEGIC = "strategic", "Strategic (QBR)"


TIER_ORDER = (Tier.OPERATIONAL, Tier.TACTICAL, Tier.STRATEGIC)


def tier_above(tier: str) -> str | None:
    index = TIER_ORDER.index(tier)
    return TIER_ORDER[index + 1] if index + 1 < len(TIER_ORDER) else None


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


DEFAULT_FREQUENCY = {
    Tier.OPERATIONAL: Frequency.WEEKLY,
    Tier.TACTICAL: Frequency.MONTHLY,
    Tier.STRATEGIC: Frequency.QUARTERLY,
}


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


def validate_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name or "")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{name!r} is not a known time zone (e.g. Europe/Berlin).") from None


@pghistory.track()
class Cadence(models.Model):
    """One tier of an engagement's review rhythm; meetings are generated ahead from it.

    Weekly cadences meet on `weekday`; monthly ones on `day_of_month`; quarterly ones on
    `day_of_month` of the first month of each quarter (the QBR looks back at the quarter that
    just closed). Days are capped at 28 so every month has the day.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    tier = models.CharField(max_length=12, choices=Tier.choices)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.TUESDAY)
    day_of_month = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    time = models.TimeField(help_text="Local time in the cadence's time zone.")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    duration_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    stalled_after_days = models.PositiveIntegerField(
        default=14,
        validators=[MinValueValidator(1)],
        help_text="Candidates without a stage change for this many days count as stalled.",
    )
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["engagement", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "tier"], name="cadence_one_per_tier"),
            models.CheckConstraint(
                condition=Q(day_of_month__gte=1, day_of_month__lte=28),
                name="cadence_day_of_month_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} review ({self.get_frequency_display().lower()})"

    @property
    def tier_rank(self) -> int:
        return TIER_ORDER.index(self.tier)


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track()
class Meeting(models.Model):
    """One review meeting: generated from a cadence, or created by hand (ad hoc).

    When it is held, the agenda built from live data is frozen into `frozen_agenda`, so the
    minutes keep the numbers that were discussed after any recompute.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    cadence = models.ForeignKey(
        Cadence, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings"
    )
    tier = models.CharField(max_length=12, choices=Tier.choices)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    location = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    generated = models.BooleanField(default=False, editable=False)
    # The cadence's slot a generated meeting fills (its start), blank once cancelled or for
    # an ad-hoc meeting: unique per cadence, so a slot is never generated twice.
    slot = models.DateTimeField(null=True, blank=True, editable=False)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    minutes = models.TextField(blank=True)
    frozen_agenda = models.JSONField(null=True, blank=True, editable=False)
    held_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            # Deferred: a cadence change moves its meetings one by one, and two may swap slots.
            models.UniqueConstraint(
                fields=["cadence", "slot"],
                name="meeting_generated_once",
                deferrable=Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "tier", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} on {self.starts_at:%Y-%m-%d}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def local_start(self):
        return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.timezone))

    @property
    def is_locked(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    def clean(self) -> None:
        if self.engagement_id:
            validate_same_engagement(self.engagement_id, self.cadence, "cadence")


@pghistory.track()
class MinutesVersion(models.Model):
    """The minutes as they stood each time the organiser closed the meeting."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    minutes = models.TextField(blank=True)
    outcomes = models.JSONField(default=list, blank=True)
    attendees = models.JSONField(default=list, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_version_unique")
        ]

    def __str__(self) -> str:
        return f"Minutes v{self.number} of {self.meeting}"


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


def validate_member(engagement: Engagement, user, field: str) -> None:
    party_ids = {engagement.client_id, engagement.provider_id}
    if not user.memberships.filter(organization_id__in=party_ids).exists():
        raise ValidationError({field: f"{user} is not a member of the client or the provider."})


def validate_same_engagement(engagement_id: int, record, field: str) -> None:
    if record is not None and record.engagement_id != engagement_id:
        raise ValidationError({field: "That record belongs to another engagement."})


@pghistory.track()
class Risk(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
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
    title = models.CharField(max_length=200)
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


@pghistory.track()
class Decision(models.Model):
    """What was decided, why, by whom (either party) and when, with the records it concerns."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200, help_text="What was decided.")
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
