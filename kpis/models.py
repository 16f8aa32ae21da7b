"""Computed KPI values and the targets both parties agree to (data-contract.md sections 2-4)."""

from __future__ import annotations

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from engagements import agreement
from engagements.models import Engagement
from kpis.registry import DIMENSIONS, KPI_BY_KEY, KPI_CHOICES, SOURCE
from rpo_portal import formats
from rpo_portal.text_rules import OneLineCharField


class Grain(models.TextChoices):
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


class Status(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"
    SUPPRESSED = "suppressed", "Suppressed"


# The parties and the agreement states are the shared two-party agreement's.
Party = agreement.Party
TargetState = agreement.AgreementState


DIMENSION_CHOICES = [("all", "All"), *[(d, d.replace("_", " ").capitalize()) for d in DIMENSIONS]]
DIMENSION_CHOICES.append((SOURCE, "Source"))


class MetricValue(models.Model):
    """One KPI value: engagement x KPI x definition version x grain x period x segment.

    `value` is exact (shown rounded); it is blank only for a suppressed value. `n` is the count
    the value is computed over; ratios keep their numerator and denominator.
    """

    # No index of its own: metric_value_unique starts with the engagement.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    version = models.PositiveSmallIntegerField()
    grain = models.CharField(max_length=10, choices=Grain.choices)
    period = models.CharField(max_length=10, help_text="2026-03 or 2026-Q1")
    period_start = models.DateField()
    period_end = models.DateField()
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES)
    segment = models.CharField(max_length=200)
    value = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField()
    numerator = models.FloatField(null=True, blank=True)
    denominator = models.FloatField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    target = models.ForeignKey(
        "KpiTarget",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # indexed below where set: most values have no target
    )
    computed_at = models.DateTimeField()
    # Hash of the stored fields (kpis.storage.STORED_COLUMNS), written with them: a recompute
    # finds its unchanged values by this alone, without reading them back.
    row_hash = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            # Segment before period: one KPI's series for a segment (what an SLA clause, a
            # trend or a window of periods reads) is one contiguous range of the index, and
            # the SLA evaluation reads it from the index alone (migration 0009).
            models.UniqueConstraint(
                fields=["engagement", "kpi", "version", "grain", "dimension", "segment", "period"],
                include=["id", "value", "n", "suppressed"],
                name="metric_value_unique",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(suppressed=True),
                name="metric_value_blank_only_when_suppressed",
            ),
        ]
        indexes = [
            models.Index(fields=["engagement", "grain", "kpi", "period"]),
            models.Index(
                fields=["target"], condition=Q(target__isnull=False), name="metric_value_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period} {self.dimension}={self.segment}"

    @property
    def definition(self):
        return KPI_BY_KEY[self.kpi]


@pghistory.track()
class KpiTarget(agreement.Proposal):
    """A goal for a KPI that one party proposes and the other agrees to, rejects or counters.

    Thresholds are read in the KPI's direction: for a lower-is-better KPI the value meets the
    target when it is at most `target_value` and is past the breach threshold when above it.
    A blank dimension applies the target to every segment without a target of its own.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    grain = models.CharField(max_length=10, choices=Grain.choices)
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES[1:], blank=True)
    segment = OneLineCharField(max_length=200, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    target_value = models.DecimalField(max_digits=14, decimal_places=4)
    at_risk_threshold = models.DecimalField(max_digits=14, decimal_places=4)
    breach_threshold = models.DecimalField(max_digits=14, decimal_places=4)
    min_sample_size = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["kpi", "grain", "dimension", "segment", "-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="kpi_target_effective_in_order",
            ),
            models.CheckConstraint(
                condition=(Q(dimension="") & Q(segment="")) | (~Q(dimension="") & ~Q(segment="")),
                name="kpi_target_dimension_with_segment",
            ),
            models.CheckConstraint(
                condition=Q(min_sample_size__gte=1), name="kpi_target_min_sample_positive"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        segmented = self.dimension and self.dimension != "all"
        where = f", {formats.label(self.dimension)}: {self.segment}" if segmented else ""
        since = formats.day(self.effective_from)
        return f"{self.get_kpi_display()} ({self.grain}{where}) from {since}"

    @property
    def definition(self):
        return KPI_BY_KEY[self.kpi]

    def clean(self) -> None:
        errors = {}
        if bool(self.dimension) != bool(self.segment):
            errors["segment"] = "Give a dimension and a segment together, or neither."
        kpi = KPI_BY_KEY.get(self.kpi)
        if kpi and self.dimension and self.dimension not in kpi.dimensions:
            errors["dimension"] = f"{kpi.name} is not segmented by {self.dimension}."
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = "The target cannot end before it starts."
        errors |= self._threshold_errors(kpi)
        if errors:
            raise ValidationError(errors)

    def _threshold_errors(self, kpi) -> dict[str, str]:
        """The thresholds in the KPI's direction, each refusal on the field that is out of
        order and in plain words: the at-risk threshold no better than the target, the breach
        threshold no better than either."""
        if kpi is None or None in (
            self.target_value,
            self.at_risk_threshold,
            self.breach_threshold,
        ):
            return {}
        higher = kpi.direction == "higher"
        name = kpi.name if kpi.name[1:2].isupper() else kpi.name[:1].lower() + kpi.name[1:]
        said = f"For {name}, {'higher' if higher else 'lower'} is better"
        side = "at or below" if higher else "at or above"

        def better(a, b) -> bool:
            return a > b if higher else a < b

        if better(self.at_risk_threshold, self.target_value):
            return {
                "at_risk_threshold": f"{said}: the at-risk threshold must be {side} the target."
            }
        for other, words in (
            (self.target_value, "the target"),
            (self.at_risk_threshold, "the at-risk threshold"),
        ):
            if better(self.breach_threshold, other):
                return {"breach_threshold": f"{said}: the breach threshold must be {side} {words}."}
        return {}


@pghistory.track(model_name="TargetStepHistory")
class TargetEvent(agreement.AgreementStep):
    """Every step of a target's negotiation: who did what, when, and what changed."""

    target = models.ForeignKey(KpiTarget, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass


class MetricRun(models.Model):
    """One recompute of an engagement: as of which date, when, and what it wrote.

    The drill-down reads the latest run's `as_of` to show exactly the records it counted.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    value_count = models.PositiveIntegerField()
    inserted = models.PositiveIntegerField()
    updated = models.PositiveIntegerField()
    deleted = models.PositiveIntegerField()
    # Hash of the values as written (order-independent) and their count: a run whose values
    # hash the same writes nothing.
    fingerprint = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["engagement", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.engagement_id} as of {self.as_of} at {self.started_at:%Y-%m-%d %H:%M}"


class EngagementMetricsState(models.Model):
    """When an engagement's recruiting data last changed and when its KPIs were last computed.

    The KPI engine's bookkeeping, kept off the audited `Engagement` so that the contract's
    history records contract changes only (every import and recompute touches these).
    """

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="metrics_state"
    )
    # Set by every change to recruiting data (and agreed targets); the recompute compares it
    # with metrics_computed_at to find engagements whose values are stale.
    data_changed_at = models.DateTimeField(null=True, blank=True)
    metrics_computed_at = models.DateTimeField(null=True, blank=True)
    # How many applications the last computation read: the nightly run cuts its batches from
    # these while the data has not changed since, instead of counting a million rows first.
    applications = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.engagement_id}: data {self.data_changed_at}, KPIs {self.metrics_computed_at}"


# --- stepped targets (glidepaths; docs/data-contract.md, "Stepped targets") --------------------


@pghistory.track()
class Glidepath(agreement.Proposal):
    """A target's path proposed in one go: successive effective-dated targets (its steps,
    `GlidepathTarget`) that the other party agrees to, or rejects, together. Each step is an
    ordinary `KpiTarget`, so the KPI engine reads the step in force in each period."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    grain = models.CharField(max_length=10, choices=Grain.choices)
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES[1:], blank=True)
    segment = OneLineCharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        return f"Glidepath of {self.get_kpi_display()} ({self.grain})"

    @property
    def definition(self):
        return KPI_BY_KEY[self.kpi]


@pghistory.track(model_name="GlidepathStepHistory")
class GlidepathStep(agreement.AgreementStep):
    """Every step of a glidepath's negotiation: who proposed, agreed or rejected it, when."""

    glidepath = models.ForeignKey(Glidepath, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass


@pghistory.track()
class GlidepathTarget(models.Model):
    """One step of a glidepath: the target it proposes, in the path's order."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    glidepath = models.ForeignKey(Glidepath, on_delete=models.CASCADE, related_name="links")
    target = models.OneToOneField(
        KpiTarget, on_delete=models.CASCADE, related_name="glidepath_link"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["glidepath", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["glidepath", "position"], name="glidepath_target_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Step {self.position} of glidepath {self.glidepath_id}"
