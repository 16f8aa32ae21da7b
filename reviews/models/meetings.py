"""Cadences (the review rhythm per tier), the meetings generated from them or made by hand,
and the versions of their minutes."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Deferrable, Q
from django.utils import timezone

from engagements.models import Engagement
from reviews.models.validation import validate_same_engagement, validate_timezone
from rpo_portal import formats
from rpo_portal.text_rules import OneLineCharField


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


# A meeting may be started (held) this long before its start, as people join a little early;
# never earlier, so a meeting days ahead cannot be marked held.
HOLD_EARLY = timedelta(minutes=15)


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
    title = OneLineCharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    location = OneLineCharField(max_length=200, blank=True)
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
    # Who cancelled it, when and why; cleared when it is reinstated (the history keeps them).
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(blank=True)
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
        return f"{self.title} on {formats.day(self.starts_at)}"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def local_start(self):
        try:
            return self.starts_at.astimezone(zoneinfo.ZoneInfo(self.timezone))
        except OverflowError:  # stored before dates were bounded: year 9999, ahead of UTC
            return self.starts_at

    @property
    def may_be_held_now(self) -> bool:
        return timezone.now() >= self.starts_at - HOLD_EARLY

    @property
    def is_locked(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    @property
    def withdrawn_by_schedule(self) -> bool:
        """Cancelled by the schedule when its cadence changed (its slot freed), not by hand."""
        return self.status == MeetingStatus.CANCELLED and self.generated and self.slot is None

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
