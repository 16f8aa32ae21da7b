"""The transition plan: an engagement's implementation milestones, from contract signature to
steady state, made from its engagement model's template and then edited milestone by
milestone (docs/data-contract.md, "Transition milestones").

A milestone's status is derived from its dates (`milestone_status`), never stored, so it
cannot drift from them as the days pass.
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from engagements.agreement import Party
from engagements.models import NOT_A_MEMBER, Engagement, EngagementModel
from rpo_portal.text_rules import OneLineCharField


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    LATE = "late", "Late"
    DONE = "done", "Done"


def milestone_status(
    *, planned_on: date, forecast_on: date | None, actual_on: date | None, today: date
) -> str:
    """The status rule, first match wins (docs/data-contract.md, "Transition milestones"):
    an actual date: done; the planned date passed: late; a forecast after the planned date:
    at risk (slipping); a forecast on or before it: on track; no forecast yet: not started."""
    if actual_on is not None:
        return MilestoneStatus.DONE
    if planned_on < today:
        return MilestoneStatus.LATE
    if forecast_on is not None and forecast_on > planned_on:
        return MilestoneStatus.AT_RISK
    if forecast_on is not None:
        return MilestoneStatus.ON_TRACK
    return MilestoneStatus.NOT_STARTED


class TransitionTemplate(models.Model):
    """The phases and milestones a plan starts from, one template per engagement model.
    Platform staff edit them in the admin; a plan copies its template once, when made."""

    engagement_model = models.CharField(max_length=20, choices=EngagementModel.choices, unique=True)
    name = OneLineCharField(max_length=200)

    class Meta:
        ordering = ["engagement_model"]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(models.Model):
    template = models.ForeignKey(
        TransitionTemplate, on_delete=models.CASCADE, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField(help_text="Order in the plan, 1 first.")
    phase = OneLineCharField(max_length=100)
    title = OneLineCharField(max_length=200)
    responsible_party = models.CharField(max_length=10, choices=Party.choices)
    offset_days = models.PositiveIntegerField(
        validators=[MaxValueValidator(3650)],
        help_text="Planned this many days after the plan's start.",
    )
    depends_on = models.CharField(
        max_length=100,
        blank=True,
        help_text="Positions of earlier milestones it depends on, comma-separated (e.g. 2,3).",
    )

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "position"], name="template_milestone_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"

    def dependency_positions(self) -> list[int]:
        return [int(p) for p in self.depends_on.replace(" ", "").split(",") if p]

    def clean(self) -> None:
        try:
            positions = self.dependency_positions()
        except ValueError:
            raise ValidationError({"depends_on": "Give positions as numbers: 2,3."}) from None
        if any(p >= (self.position or 0) or p < 1 for p in positions):
            raise ValidationError(
                {"depends_on": "A milestone depends only on milestones before it."}
            )


@pghistory.track()
class TransitionPlan(models.Model):
    """One engagement's plan of its transition; its milestones carry the dates."""

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, related_name="transition_plan"
    )
    template_name = OneLineCharField(max_length=200, help_text="The template it was made from.")
    starts_on = models.DateField(help_text="Day 0 of the template's offsets.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Transition plan of {self.engagement_id}"


@pghistory.track()
class Milestone(models.Model):
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(TransitionPlan, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    phase = OneLineCharField(max_length=100)
    title = OneLineCharField(max_length=200)
    responsible_party = models.CharField(max_length=10, choices=Party.choices)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="A member of the responsible party.",
    )
    planned_on = models.DateField("planned date")
    forecast_on = models.DateField(
        "forecast date", null=True, blank=True, help_text="When it is now expected."
    )
    actual_on = models.DateField("actual date", null=True, blank=True, help_text="When it was met.")
    depends_on = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="dependents"
    )
    evidence_url = models.URLField("evidence link", max_length=500, blank=True)
    evidence_note = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "planned_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible_party__in=Party.values),
                name="milestone_party_valid",
            )
        ]
        indexes = [models.Index(fields=["engagement", "planned_on"])]

    def __str__(self) -> str:
        return self.title

    def status_on(self, today: date) -> str:
        return milestone_status(
            planned_on=self.planned_on,
            forecast_on=self.forecast_on,
            actual_on=self.actual_on,
            today=today,
        )

    @property
    def expected_on(self) -> date:
        """When it happens or is expected: actual, else forecast, else planned."""
        return self.actual_on or self.forecast_on or self.planned_on

    def clean(self) -> None:
        errors = {}
        if self.plan_id and self.engagement_id and self.plan.engagement_id != self.engagement_id:
            errors["plan"] = "That plan belongs to another engagement."
        if self.responsible_person_id and self.engagement_id and self.responsible_party:
            org_id = (
                self.engagement.client_id
                if self.responsible_party == Party.CLIENT
                else self.engagement.provider_id
            )
            orgs = set(
                self.responsible_person.memberships.filter(
                    organization_id__in=(self.engagement.client_id, self.engagement.provider_id)
                ).values_list("organization_id", flat=True)
            )
            if not orgs:  # the engagements' rule: the same words for anyone outside
                errors["responsible_person"] = NOT_A_MEMBER
            elif org_id not in orgs:
                errors["responsible_person"] = (
                    f"Choose a member of the responsible party (the {self.responsible_party})."
                )
        if errors:
            raise ValidationError(errors)
