"""Stored hiring forecasts: the engine's result for each engagement, as of its last run; and
the agreed recruiter capacity: requisitions one recruiter works at once, per engagement,
proposed by one party and agreed by the other like every term both must sign off."""

from __future__ import annotations

import pghistory
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from engagements import agreement
from engagements.models import Engagement


class HiringForecast(models.Model):
    """The latest hiring forecast of one engagement (`forecasts.hiring.MonthForecast` rows).

    Written by the recompute that follows the KPIs' (the nightly run, an import, the button);
    the pages, the API, the agendas and the QBR pack read it. One row per engagement, replaced
    by each run: a forecast is a view of the future, not a record to keep.
    """

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    rows = models.JSONField(default=list, blank=True)
    # A digest of as_of and rows: a run that would write the same skips the write.
    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"hiring forecast of engagement {self.engagement_id} as of {self.as_of}"


MAX_CAPACITY = 200


@pghistory.track()
class CapacityTerms(agreement.Proposal):
    """A proposed (or agreed) capacity; the latest agreed one is in force."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    requisitions_per_recruiter = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text="Requisitions one recruiter works at once.",
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["engagement", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requisitions_per_recruiter__gte=1)
                & models.Q(requisitions_per_recruiter__lte=MAX_CAPACITY),
                name="forecasts_capacity_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requisitions_per_recruiter} requisitions per recruiter"


@pghistory.track(model_name="CapacityStepHistory")
class CapacityStep(agreement.AgreementStep):
    """Every step of a capacity's negotiation: who did what, when, and what changed."""

    proposal = models.ForeignKey(CapacityTerms, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass
