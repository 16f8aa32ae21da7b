"""Baselines both parties agree to: a proposal holds one or more KPIs' baselines (a computed
window gives every KPI at once, an entered one a single KPI and segment), and the agreement
(`engagements.agreement`) keeps who proposed and who agreed, with every step."""

from __future__ import annotations

import pghistory
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from engagements import agreement
from engagements.models import Engagement
from kpis.models import DIMENSION_CHOICES
from kpis.registry import KPI_BY_KEY, KPI_CHOICES
from rpo_portal.text_rules import OneLineCharField

# Under this many records a window's value is "insufficient data", unless an agreed target of
# the KPI asks for more (kpis.baselines.services.min_sample_sizes).
DEFAULT_MIN_SAMPLE = 5


class BaselineKind(models.TextChoices):
    COMPUTED = "computed", "Computed from imported history"
    ENTERED = "entered", "Entered"


class BaselineSource(models.TextChoices):
    COMPUTED = "computed", "Computed from imported history"
    EARLIER_REPORT = "earlier_report", "An earlier report"
    BENCHMARK = "benchmark", "A benchmark"
    OTHER = "other", "Other"


@pghistory.track()
class BaselineProposal(agreement.Proposal):
    """One version of baselines, proposed by one party; in force once the other agrees."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=BaselineKind.choices)
    # A computed proposal's window: the first days of its first and last months.
    window_from = models.DateField(null=True, blank=True)
    window_to = models.DateField(null=True, blank=True)
    as_of = models.DateField(
        null=True, blank=True, help_text="The day a computed window's records were read."
    )
    go_live_date = models.DateField(help_text="The go-live date in force when proposed.")

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["engagement", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="computed", window_from__isnull=False, window_to__isnull=False)
                    & Q(window_from__lte=models.F("window_to"))
                )
                | Q(kind="entered", window_from__isnull=True, window_to__isnull=True),
                name="baseline_window_of_computed_only",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == BaselineKind.COMPUTED:
            return f"Baselines {self.window_from:%Y-%m} to {self.window_to:%Y-%m}"
        return "Entered baseline"

    def clean(self) -> None:
        errors = {}
        for field in ("window_from", "window_to"):
            day = getattr(self, field)
            if day and day.day != 1:
                errors[field] = "A baseline window is made of whole months."
        if self.window_from and self.window_to and self.window_to < self.window_from:
            errors["window_to"] = "The window's last month is before its first month."
        if (
            self.window_to
            and self.go_live_date
            and self.window_to > last_month_before(self.go_live_date)
        ):
            errors["window_to"] = (
                f"A baseline window ends before go-live ({self.go_live_date:%-d %B %Y}): its "
                f"last month can be {last_month_before(self.go_live_date):%B %Y} at the latest."
            )
        if errors:
            raise ValidationError(errors)


def last_month_before(day):
    """The month before the month of `day`: the last whole month before a go-live on `day`
    (a month in which go-live falls is partly after it)."""
    first = day.replace(day=1)
    return first.replace(year=first.year - (first.month == 1), month=first.month - 1 or 12)


@pghistory.track()
class Baseline(models.Model):
    """One KPI's pre-outsourcing value in one segment (`all`/`all` for the whole engagement).

    `value` blank: the window had too few records (insufficient data, with its `n`)."""

    proposal = models.ForeignKey(
        BaselineProposal, on_delete=models.CASCADE, related_name="baselines"
    )
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES, default="all")
    segment = OneLineCharField(max_length=200, default="all")
    value = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    n = models.PositiveIntegerField(null=True, blank=True)
    numerator = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    denominator = models.DecimalField(max_digits=18, decimal_places=6, null=True, blank=True)
    min_sample_size = models.PositiveIntegerField(
        default=DEFAULT_MIN_SAMPLE, validators=[MinValueValidator(1)]
    )
    source = models.CharField(max_length=20, choices=BaselineSource.choices)
    source_detail = OneLineCharField(
        max_length=200, blank=True, help_text="Which report or benchmark, and of when."
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["kpi", "dimension", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "kpi", "dimension", "segment"], name="baseline_unique"
            ),
            models.CheckConstraint(
                condition=Q(source="computed") | Q(value__isnull=False),
                name="baseline_entered_has_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.dimension}={self.segment}: {self.value}"

    @property
    def definition(self):
        return KPI_BY_KEY[self.kpi]

    @property
    def insufficient(self) -> bool:
        return self.value is None

    def clean(self) -> None:
        errors = {}
        kpi = KPI_BY_KEY.get(self.kpi)
        if self.kpi and kpi is None:
            errors["kpi"] = f"{self.kpi!r} is not a KPI of the catalogue."
        if kpi and self.dimension != "all" and self.dimension not in kpi.dimensions:
            errors["dimension"] = f"{kpi.name} is not segmented by {self.dimension}."
        if (self.dimension == "all") != (self.segment == "all"):
            errors["segment"] = "Segment all goes with dimension all, and only with it."
        if self.source != BaselineSource.COMPUTED and self.value is None:
            errors["value"] = "Give the baseline's value."
        if kpi and self.value is not None and self.value < 0:
            errors["value"] = f"{kpi.name} cannot be negative."
        if (
            kpi
            and kpi.unit == "percent"
            and self.value is not None
            and self.value > 100
            and kpi.key != "plan_attainment"
        ):
            errors["value"] = f"{kpi.name} is a percentage: at most 100."
        if errors:
            raise ValidationError(errors)


@pghistory.track(model_name="BaselineStepHistory")
class BaselineStep(agreement.AgreementStep):
    """Every step of a negotiation of baselines."""

    proposal = models.ForeignKey(BaselineProposal, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass
