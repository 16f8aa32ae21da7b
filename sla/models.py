"""SLA clauses, their evaluation, breaches and warnings (the data contract's SLA section).

Clauses arrive as a schedule (an uploaded SLA annex, or a form for one clause) that one party
proposes and the other agrees to as a whole; only clauses of an agreed schedule are in force
and evaluated. Each clause has one outcome per period, updated in place by every evaluation;
a `breach` outcome opens one Breach per clause and period, which then lives its own life
(acknowledged, remediated, resolved, waived, excused) and keeps a timeline of BreachEvents.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from engagements import agreement
from engagements.models import Engagement
from kpis.models import DIMENSION_CHOICES, Grain
from kpis.registry import ALL, KPI_BY_KEY, KPI_CHOICES
from rpo_portal.text_rules import OneLineCharField


class ClauseKind(models.TextChoices):
    CREDIT = "credit", "Credit"
    BONUS = "bonus", "Bonus"


class Outcome(models.TextChoices):
    MET = "met", "Met"
    BREACH = "breach", "Breach"
    BONUS = "bonus", "Bonus"
    WARNING = "warning", "Warning"
    OPEN = "open", "Open"
    NO_DATA = "no_data", "No data"
    SUPPRESSED = "suppressed", "Suppressed"
    SMALL_SAMPLE = "small_sample", "Small sample"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REMEDIATION_PLANNED = "remediation_planned", "Remediation planned"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"
    EXCUSED = "excused", "Excused"


# Breaches that carry no credit, get no earn-back and are no previous breach for a repeat.
FORGONE_STATUSES = (BreachStatus.WAIVED, BreachStatus.EXCUSED)


@pghistory.track(
    model_name="SlaScheduleHistory", obj_field=pghistory.ObjForeignKey(related_name="history")
)
class SlaSchedule(agreement.Proposal):
    """A set of clauses proposed together (an uploaded SLA annex or one clause from a form).

    Agreeing once agrees every clause in it; a counter-proposal is a new schedule.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    source_name = OneLineCharField(
        max_length=255, blank=True, help_text="The uploaded file's name; blank for the form."
    )

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        return f"SLA schedule #{self.pk} ({self.get_state_display().lower()})"


@pghistory.track(model_name="ScheduleStepHistory")
class ScheduleStep(agreement.AgreementStep):
    """Every step of a schedule's negotiation: who did what, when, and what changed."""

    schedule = models.ForeignKey(SlaSchedule, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass


@pghistory.track(
    model_name="SlaClauseHistory", obj_field=pghistory.ObjForeignKey(related_name="history")
)
class SlaClause(models.Model):
    """One clause of the SLA annex: a KPI's threshold for closed periods and its credit.

    `in_force` is set when its schedule is agreed; a later agreed clause with the same key
    supersedes it and takes over its outcomes, breaches and warnings.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    schedule = models.ForeignKey(SlaSchedule, on_delete=models.CASCADE, related_name="clauses")
    key = OneLineCharField("clause", max_length=100)
    kpi = models.CharField(max_length=40, choices=KPI_CHOICES)
    grain = models.CharField(max_length=10, choices=Grain.choices)
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES, default=ALL)
    segment = OneLineCharField(max_length=200, default=ALL)
    kind = models.CharField(max_length=10, choices=ClauseKind.choices, default=ClauseKind.CREDIT)
    threshold = models.DecimalField(max_digits=18, decimal_places=6)
    min_n = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    grace_days = models.PositiveIntegerField(default=0)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    pct = models.DecimalField(max_digits=9, decimal_places=4)
    repeat_pct = models.DecimalField(
        max_digits=9, decimal_places=4, null=True, blank=True, help_text="Blank: as pct."
    )
    cap_pct = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True)
    earn_back = models.PositiveIntegerField(null=True, blank=True)
    in_force = models.BooleanField(default=False)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "key"],
                condition=Q(in_force=True),
                name="sla_clause_key_unique_in_force",
            ),
            models.UniqueConstraint(fields=["schedule", "key"], name="sla_clause_key_per_schedule"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="sla_clause_effective_in_order",
            ),
            models.CheckConstraint(
                condition=Q(pct__gt=0) & Q(pct__lte=100), name="sla_clause_pct_range"
            ),
            models.CheckConstraint(
                condition=Q(repeat_pct__isnull=True) | Q(repeat_pct__gte=models.F("pct")),
                name="sla_clause_repeat_not_below_pct",
            ),
            models.CheckConstraint(
                condition=Q(cap_pct__isnull=True) | Q(cap_pct__gt=0),
                name="sla_clause_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(kind=ClauseKind.CREDIT)
                | (Q(earn_back__isnull=True) & Q(repeat_pct__isnull=True)),
                name="sla_clause_bonus_no_repeat_or_earn_back",
            ),
            models.CheckConstraint(
                condition=Q(earn_back__isnull=True) | Q(earn_back__gte=1),
                name="sla_clause_earn_back_positive",
            ),
            models.CheckConstraint(condition=Q(min_n__gte=1), name="sla_clause_min_n_positive"),
        ]
        indexes = [models.Index(fields=["engagement", "in_force"])]

    def __str__(self) -> str:
        return self.key

    @property
    def definition(self):
        return KPI_BY_KEY[self.kpi]

    @property
    def rate_on_repeat(self) -> Decimal:
        return self.repeat_pct if self.repeat_pct is not None else self.pct

    def clean(self) -> None:
        errors = clause_term_errors(
            kpi=self.kpi,
            dimension=self.dimension,
            segment=self.segment,
            kind=self.kind,
            pct=self.pct,
            repeat_pct=self.repeat_pct,
            earn_back=self.earn_back,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
        )
        if errors:
            raise ValidationError(errors)


PRIORITY_SEGMENTS = ("low", "normal", "high", "critical")


def clause_term_errors(
    *, kpi, dimension, segment, kind, pct, repeat_pct, earn_back, effective_from, effective_to
) -> dict[str, str]:
    """The rules between a clause's terms, {field: reason}; one place for form and upload."""
    errors = {}
    definition = KPI_BY_KEY.get(kpi)
    if definition is None:
        errors["kpi"] = f"{kpi!r} is not a KPI."
    elif dimension != ALL and dimension not in definition.dimensions:
        errors["dimension"] = f"{definition.name} is not computed by {dimension}."
    if dimension == ALL and segment.lower() != ALL:
        errors["segment"] = "Give a segment only with a dimension."
    if dimension == "priority" and segment not in PRIORITY_SEGMENTS:
        errors["segment"] = f"A priority is one of {', '.join(PRIORITY_SEGMENTS)}."
    if dimension != ALL and not segment:
        errors["segment"] = "Give the segment of the dimension."
    if kind == ClauseKind.BONUS and repeat_pct is not None:
        errors["repeat_pct"] = "A bonus has no repeat rate."
    elif repeat_pct is not None and pct is not None and repeat_pct < pct:
        errors["repeat_pct"] = "The repeat rate cannot be below pct."
    if kind == ClauseKind.BONUS and earn_back is not None:
        errors["earn_back"] = "A bonus cannot be earned back."
    if effective_to and effective_from and effective_to < effective_from:
        errors["effective_to"] = "The clause cannot end before it starts."
    return errors


class SlaOutcome(models.Model):
    """A clause's outcome for one period, as of the last evaluation (updated in place)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # No index of its own: sla_outcome_unique starts with the clause.
    clause = models.ForeignKey(
        SlaClause, on_delete=models.CASCADE, related_name="outcomes", db_index=False
    )
    period = models.CharField(max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    closed = models.BooleanField()
    value = models.FloatField(null=True, blank=True, help_text="Exact, as stored.")
    shown_value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, help_text="As compared."
    )
    n = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    metric_value = models.ForeignKey(
        "kpis.MetricValue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField()
    evaluated_at = models.DateTimeField()

    class Meta:
        ordering = ["clause__key", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "period"], name="sla_outcome_unique"),
        ]
        indexes = [models.Index(fields=["engagement", "period_end"])]

    def __str__(self) -> str:
        return f"{self.clause_id} {self.period}: {self.outcome}"


@pghistory.track(
    model_name="BreachHistory", obj_field=pghistory.ObjForeignKey(related_name="history")
)
class Breach(models.Model):
    """A closed period past a credit clause's threshold: once recorded, it stays."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    clause = models.ForeignKey(SlaClause, on_delete=models.PROTECT, related_name="breaches")
    period = models.CharField(max_length=10)
    period_end = models.DateField()
    value = models.FloatField(help_text="The value that breached, exact as stored.")
    n = models.PositiveIntegerField()
    threshold = models.DecimalField(max_digits=18, decimal_places=6)
    status = models.CharField(
        max_length=20, choices=BreachStatus.choices, default=BreachStatus.OPEN
    )
    opened_at = models.DateTimeField()
    # A later recomputation that changes the period's value is noted here (the record stays).
    value_changed_at = models.DateTimeField(null=True, blank=True)
    changed_old_value = models.FloatField(null=True, blank=True)
    changed_new_value = models.FloatField(null=True, blank=True)
    still_breaches = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_end", "clause__key"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "period"], name="sla_breach_unique"),
            models.CheckConstraint(
                condition=Q(status__in=BreachStatus.values), name="sla_breach_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["engagement", "status", "period_end"])]

    def __str__(self) -> str:
        return f"{self.clause.key} {self.period}"

    @property
    def forgone(self) -> bool:
        return self.status in FORGONE_STATUSES

    @property
    def value_changed(self) -> bool:
        return self.value_changed_at is not None


@pghistory.track(model_name="BreachEventHistory")
class BreachEvent(models.Model):
    """The breach's timeline: every step with who (blank: the system), party, when and why."""

    class Action(models.TextChoices):
        OPENED = "opened", "Opened"
        VALUE_CHANGED = "value_changed", "Value changed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        REMEDIATION_PLANNED = "remediation_planned", "Remediation planned"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        WAIVED = "waived", "Waived"
        RELIEF_CLAIMED = "relief_claimed", "Relief claimed"
        RELIEF_ACCEPTED = "relief_accepted", "Relief accepted"
        RELIEF_REJECTED = "relief_rejected", "Relief rejected"
        COMMENTED = "commented", "Commented"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    party = models.CharField(max_length=10, choices=agreement.Party.choices, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        who = self.actor or "system"
        return f"{self.get_action_display()} by {who} at {self.at:%Y-%m-%d %H:%M}"


class Warning(models.Model):  # noqa: A001 - the domain's word
    """The open period heading for a breach; clears when the value recovers or it closes."""

    class Cleared(models.TextChoices):
        RECOVERED = "recovered", "Value recovered"
        CLOSED = "closed", "Period closed"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    clause = models.ForeignKey(SlaClause, on_delete=models.CASCADE, related_name="warnings")
    period = models.CharField(max_length=10)
    period_end = models.DateField()
    value = models.FloatField()
    n = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_because = models.CharField(max_length=10, choices=Cleared.choices, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clause", "period"],
                condition=Q(cleared_at__isnull=True),
                name="sla_warning_one_raised",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.clause.key} {self.period} warning"

    @property
    def is_raised(self) -> bool:
        return self.cleared_at is None


class SlaEvaluationRun(models.Model):
    """One evaluation of an engagement's clauses: as of which date, and what it changed."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcomes = models.PositiveIntegerField()
    outcomes_changed = models.PositiveIntegerField()
    breaches_opened = models.PositiveIntegerField()
    breaches_changed = models.PositiveIntegerField()
    warnings_raised = models.PositiveIntegerField()
    warnings_cleared = models.PositiveIntegerField()
    # What the outcomes were worked out from (sla.batch.fingerprints): the next evaluation
    # with the same fingerprint has nothing to change and skips the engagement.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["engagement", "-started_at"])]

    def __str__(self) -> str:
        return f"SLA evaluation of {self.engagement_id} as of {self.as_of}"


# --- Breach lifecycle: remediation plans, corrective actions, relief claims ----------------


@pghistory.track()
class RemediationPlan(models.Model):
    """The provider's plan for a breach: the root cause; its corrective actions are linked."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    breach = models.OneToOneField(Breach, on_delete=models.CASCADE, related_name="remediation_plan")
    root_cause = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Remediation plan of {self.breach_id}"


@pghistory.track()
class CorrectiveAction(models.Model):
    """Links an action item of the shared governance log to the breach it remedies."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="corrective_actions")
    action_item = models.OneToOneField(
        "reviews.ActionItem", on_delete=models.CASCADE, related_name="corrective_action"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action_item__due_date", "id"]

    def __str__(self) -> str:
        return f"Corrective action {self.action_item_id} of breach {self.breach_id}"


def action_item_model():
    """The action item model of the shared governance log (`reviews.ActionItem`), reached
    through the corrective action's own relation: sla's code depends on the relation its
    schema declares, not on the reviews app above it."""
    return CorrectiveAction._meta.get_field("action_item").related_model


class ReliefReason(models.TextChoices):
    FEEDBACK_LATE = "feedback_late", "Hiring-manager feedback late"
    REQUISITION_CHANGED = "requisition_changed", "Requisition changed or put on hold"
    NO_INTERVIEW_SLOTS = "no_interview_slots", "Interview slots not given"
    OFFER_APPROVAL_LATE = "offer_approval_late", "Offer approval late"
    OTHER = "other", "Other"


class ReliefStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


@pghistory.track()
class ReliefClaim(models.Model):
    """The provider's claim that a client-side cause made the breach.

    Accepted by the client's HR lead, the breach is excused (no credit, no repeat after it);
    rejected, with a reason, the breach goes on as before.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="relief_claims")
    reason = models.CharField(max_length=30, choices=ReliefReason.choices)
    explanation = models.TextField()
    requisitions = models.ManyToManyField(
        "recruiting.Requisition",
        blank=True,
        related_name="+",
        help_text="The requisitions of the engagement that the cause held up.",
    )
    days_lost = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10, choices=ReliefStatus.choices, default=ReliefStatus.PENDING
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["breach"],
                condition=Q(status="pending"),
                name="sla_relief_one_pending_per_breach",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReliefStatus.values), name="sla_relief_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReliefReason.values), name="sla_relief_reason_valid"
            ),
            models.CheckConstraint(condition=Q(days_lost__gte=1), name="sla_relief_days_lost"),
        ]
        indexes = [models.Index(fields=["engagement", "status"])]

    def __str__(self) -> str:
        return f"Relief claim on breach {self.breach_id} ({self.get_status_display().lower()})"


# --- The breach forecast (sla/forecasting/) ----------------------------------------------


class BreachForecast(models.Model):
    """Where an open period is heading: the value projected at period end and the likelihood
    of a breach. A likelihood of LIKELY or more is a forecast warning (never a breach, and not
    the evaluation's warning, which looks at the value so far)."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    clause = models.ForeignKey(
        SlaClause, on_delete=models.CASCADE, related_name="forecasts", db_index=False
    )
    period = models.CharField(max_length=10)
    period_end = models.DateField()
    as_of = models.DateField(help_text="The day whose knowledge the forecast uses.")
    current_value = models.FloatField(null=True, blank=True)
    current_n = models.PositiveIntegerField(default=0)
    projected_value = models.FloatField(null=True, blank=True)
    low = models.FloatField(null=True, blank=True, help_text="10th percentile.")
    high = models.FloatField(null=True, blank=True, help_text="90th percentile.")
    likelihood = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    expected_n = models.FloatField(default=0)
    likely = models.BooleanField(default=False)
    reason = models.TextField()
    computed_at = models.DateTimeField()
    warned_at = models.DateTimeField(
        null=True, blank=True, help_text="When both leads were told of the forecast warning."
    )

    class Meta:
        ordering = ["clause__key", "period_end"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "period"], name="sla_forecast_unique"),
            models.CheckConstraint(
                condition=Q(likelihood__gte=0) & Q(likelihood__lte=1),
                name="sla_forecast_likelihood_range",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "likely"])]

    def __str__(self) -> str:
        return f"Forecast of {self.clause_id} {self.period}: {self.likelihood:.0%}"

    @property
    def likelihood_pct(self) -> float:
        return self.likelihood * 100
