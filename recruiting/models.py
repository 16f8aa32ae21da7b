"""Recruiting records imported from the ATS, in the format of docs/data-contract.md section 1.

Every record belongs to one engagement and is keyed by its `external_id` within it (the
hiring plan by its month and segment columns). The contract's rules are database
constraints where a row alone can decide them; rules that need other rows (references in the
same engagement, a quality review's application being a hire) are checked by the importer.
"""

import pghistory
import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now

from engagements.models import Engagement


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Source(models.TextChoices):
    JOB_BOARD = "job_board", "Job board"
    CAREER_SITE = "career_site", "Career site"
    REFERRAL = "referral", "Referral"
    SOURCED = "sourced", "Sourced"
    AGENCY = "agency", "Agency"
    INTERNAL = "internal", "Internal"
    OTHER = "other", "Other"


class OfferOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Respondent(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    HIRING_MANAGER = "hiring_manager", "Hiring manager"


EXTERNAL_COST_CATEGORIES = (
    "advertising",
    "agency_fees",
    "rpo_fees",
    "assessment",
    "background_checks",
    "travel",
    "relocation",
    "signing_bonus",
    "referral_bonus",
)
INTERNAL_COST_CATEGORIES = (
    "recruiter_compensation",
    "recruiting_tools",
    "hiring_manager_time",
    "overhead",
)


class CostCategory(models.TextChoices):
    ADVERTISING = "advertising", "Advertising"
    AGENCY_FEES = "agency_fees", "Agency fees"
    RPO_FEES = "rpo_fees", "RPO fees"
    ASSESSMENT = "assessment", "Assessment"
    BACKGROUND_CHECKS = "background_checks", "Background checks"
    TRAVEL = "travel", "Travel"
    RELOCATION = "relocation", "Relocation"
    SIGNING_BONUS = "signing_bonus", "Signing bonus"
    REFERRAL_BONUS = "referral_bonus", "Referral bonus"
    RECRUITER_COMPENSATION = "recruiter_compensation", "Recruiter compensation"
    RECRUITING_TOOLS = "recruiting_tools", "Recruiting tools"
    HIRING_MANAGER_TIME = "hiring_manager_time", "Hiring manager time"
    OVERHEAD = "overhead", "Overhead"


def _choice_check(field: str, choices: type[models.TextChoices], name: str):
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def _external_id() -> models.CharField:
    # Compared byte by byte: the key of every import's unique index, where a collation that
    # is not "C" (C.UTF-8 included) calls strcoll for each comparison, about 5% of a COPY of
    # a million applications. It sorts as C.UTF-8 does (by code point); only a database with
    # a linguistic collation would sort ids differently (upper case before lower case).
    return models.CharField(max_length=100, db_collation="C")


class EngagementRecord(models.Model):
    """Fields every imported record has."""

    # No index of its own: every record's unique key starts with the engagement, and one index
    # fewer to maintain matters when a million rows are imported at once.
    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The database's own default too, so a bulk COPY can leave both out (now() of its
    # transaction, as an INSERT ... now() would give).
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        abstract = True


# An application's requisition must be one of its own engagement. The database checks it once
# per statement over all the rows the statement wrote (the triggers below), not with a foreign
# key per column: a foreign key is checked row by row at commit, which costs an import of a
# million applications about 8 seconds for the two keys, against 1.2 s for COPY to load the
# rows (docs/benchmarks.md). The check locks the requisitions it finds (FOR KEY SHARE, as a
# foreign key does), so a requisition cannot be deleted under an import either.
# The pairs are found once (a DISTINCT over a million rows is a fifth of the check's cost).
_APPLICATION_REQUISITION_CHECK = """
    WITH pair AS MATERIALIZED (SELECT DISTINCT requisition_id, engagement_id FROM new_rows),
         found AS (
             SELECT r.id FROM recruiting_requisition r
             JOIN pair ON r.id = pair.requisition_id AND r.engagement_id = pair.engagement_id
             FOR KEY SHARE OF r)
    SELECT (SELECT count(*) FROM pair), (SELECT count(*) FROM found) INTO pairs, locked;
    IF pairs <> locked
    THEN
        RAISE EXCEPTION 'an application must point at a requisition of its own engagement'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""
# A requisition that is deleted, or moved to another id or engagement, leaves none of its
# applications behind (Django deletes them first: on_delete=CASCADE is Django's).
_REQUISITION_KEEPS_APPLICATIONS = """
    IF EXISTS (
        SELECT 1 FROM recruiting_application a
        JOIN (SELECT o.id FROM old_rows o {moved}) gone ON a.requisition_id = gone.id
        WHERE NOT EXISTS (
            SELECT 1 FROM recruiting_requisition r
            WHERE r.id = a.requisition_id AND r.engagement_id = a.engagement_id))
    THEN
        RAISE EXCEPTION 'a requisition still has applications'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""


# A requisition's engagement is checked the same way (its foreign key cost about 0.4 s at
# commit for 100,000 requisitions, as long as their COPY), and the engagements' trigger
# below refuses to delete one, or change its id, while requisitions point at it.
# The engagements are found in one pass over the new rows (hashed; a count(DISTINCT ...) would
# sort them, and a second pass would read them again).
_REQUISITION_ENGAGEMENT_CHECK = """
    WITH engagement AS MATERIALIZED (SELECT DISTINCT engagement_id FROM new_rows),
         found AS (
             SELECT e.id FROM engagements_engagement e
             JOIN engagement ON e.id = engagement.engagement_id
             FOR KEY SHARE OF e)
    SELECT (SELECT count(*) FROM engagement), (SELECT count(*) FROM found)
    INTO engagements, locked;
    IF engagements <> locked
    THEN
        RAISE EXCEPTION 'a requisition must belong to an existing engagement'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""
# Per engagement the statement deleted or updated, one look-up by primary key, and only for
# one that is gone (deleted, or its id changed) one in the requisitions' unique index: the
# frequent updates of an engagement's other columns cost next to nothing.
_ENGAGEMENT_KEEPS_REQUISITIONS = """
    IF EXISTS (
        SELECT 1 FROM old_rows o
        WHERE NOT EXISTS (SELECT 1 FROM engagements_engagement e WHERE e.id = o.id)
          AND EXISTS (SELECT 1 FROM recruiting_requisition r WHERE r.engagement_id = o.id))
    THEN
        RAISE EXCEPTION 'an engagement still has requisitions'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
"""


def _statement_trigger(
    name: str, operation, referencing, func: str, declare=None
) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.After,
        operation=operation,
        referencing=referencing,
        func=func,
        declare=declare,
    )


def _statement_triggers(prefix: str, operations, referencing, func: str, declare=None) -> list:
    """The same statement trigger for each operation, named `<prefix>_<operation>`."""
    return [
        _statement_trigger(
            f"{prefix}_{operation.name.lower()}", operation, referencing, func, declare
        )
        for operation in operations
    ]


def _engagement_checked_by_triggers() -> models.ForeignKey:
    """The engagement key without a foreign-key constraint: statement triggers check it."""
    return models.ForeignKey(
        Engagement,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class Requisition(EngagementRecord):
    # Checked by the statement triggers in Meta, not by a foreign-key constraint (see
    # _REQUISITION_ENGAGEMENT_CHECK).
    engagement = _engagement_checked_by_triggers()
    external_id = _external_id()
    title = models.CharField(max_length=300)
    department = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    job_family = models.CharField(max_length=200, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    openings = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    opened_on = models.DateField()
    on_hold_days = models.PositiveIntegerField(default=0)
    filled_on = models.DateField(null=True, blank=True)
    cancelled_on = models.DateField(null=True, blank=True)
    hiring_manager = models.EmailField(blank=True)
    recruiter = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "external_id"], name="requisition_external_id_unique"
            ),
            _choice_check("priority", Priority, "requisition_priority_valid"),
            models.CheckConstraint(condition=Q(openings__gte=1), name="requisition_openings_min"),
            models.CheckConstraint(
                condition=Q(filled_on__isnull=True) | Q(filled_on__gte=F("opened_on")),
                name="requisition_filled_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(cancelled_on__gte=F("opened_on")),
                name="requisition_cancelled_after_opened",
            ),
            models.CheckConstraint(
                condition=Q(filled_on__isnull=True) | Q(cancelled_on__isnull=True),
                name="requisition_not_filled_and_cancelled",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "opened_on"])]
        triggers = [
            *_statement_triggers(
                "requisition_engagement",
                (pgtrigger.Insert, pgtrigger.Update),
                pgtrigger.Referencing(new="new_rows"),
                _REQUISITION_ENGAGEMENT_CHECK,
                declare=[("engagements", "bigint"), ("locked", "bigint")],
            ),
            _statement_trigger(
                "requisition_applications_delete",
                pgtrigger.Delete,
                pgtrigger.Referencing(old="old_rows"),
                _REQUISITION_KEEPS_APPLICATIONS.format(moved=""),
            ),
            _statement_trigger(
                "requisition_applications_update",
                pgtrigger.Update,
                pgtrigger.Referencing(old="old_rows", new="new_rows"),
                _REQUISITION_KEEPS_APPLICATIONS.format(
                    moved="LEFT JOIN new_rows n ON n.id = o.id "
                    "AND n.engagement_id = o.engagement_id WHERE n.id IS NULL"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.title}"

    @property
    def status(self) -> str:
        if self.filled_on:
            return "filled"
        if self.cancelled_on:
            return "cancelled"
        return "open"


# On the engagements' table, next to the requisitions' own checks it completes.
pgtrigger.register(
    *_statement_triggers(
        "engagement_requisitions",
        (pgtrigger.Delete, pgtrigger.Update),
        pgtrigger.Referencing(old="old_rows"),
        _ENGAGEMENT_KEEPS_REQUISITIONS,
    )
)(Engagement)


class Application(EngagementRecord):
    # Both keys are checked by the statement triggers in Meta, not by foreign-key constraints
    # (see _APPLICATION_REQUISITION_CHECK); the engagement follows from the requisition's.
    engagement = _engagement_checked_by_triggers()
    external_id = _external_id()
    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="applications", db_constraint=False
    )
    candidate_id = models.CharField(max_length=100)
    source = models.CharField(max_length=20, choices=Source.choices)
    applied_on = models.DateField()
    screened_on = models.DateField(null=True, blank=True)
    interviewed_on = models.DateField(null=True, blank=True)
    offered_on = models.DateField(null=True, blank=True)
    offer_outcome = models.CharField(max_length=10, choices=OfferOutcome.choices, blank=True)
    offer_decided_on = models.DateField(null=True, blank=True)
    started_on = models.DateField(null=True, blank=True)
    rejected_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    diverse = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "external_id"], name="application_external_id_unique"
            ),
            _choice_check("source", Source, "application_source_valid"),
            models.CheckConstraint(
                condition=Q(offer_outcome="") | Q(offer_outcome__in=OfferOutcome.values),
                name="application_offer_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(screened_on__isnull=True) | Q(screened_on__gte=F("applied_on")),
                name="application_screened_in_order",
            ),
            models.CheckConstraint(
                condition=Q(interviewed_on__isnull=True)
                | Q(interviewed_on__gte=Coalesce("screened_on", "applied_on")),
                name="application_interviewed_in_order",
            ),
            models.CheckConstraint(
                condition=Q(offered_on__isnull=True)
                | Q(offered_on__gte=Coalesce("interviewed_on", "screened_on", "applied_on")),
                name="application_offered_in_order",
            ),
            models.CheckConstraint(
                condition=Q(offer_outcome="") | Q(offered_on__isnull=False),
                name="application_outcome_needs_offer",
            ),
            models.CheckConstraint(
                condition=(Q(offer_outcome="") & Q(offer_decided_on__isnull=True))
                | (~Q(offer_outcome="") & Q(offer_decided_on__gte=F("offered_on"))),
                name="application_decision_date_with_outcome",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | (
                    Q(offer_outcome=OfferOutcome.ACCEPTED)
                    & Q(started_on__gte=F("offer_decided_on"))
                ),
                name="application_start_needs_accepted_offer",
            ),
            models.CheckConstraint(
                condition=Q(rejected_on__isnull=True) | Q(rejected_on__gte=F("applied_on")),
                name="application_rejected_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("applied_on")),
                name="application_withdrawn_after_applied",
            ),
        ]
        triggers = _statement_triggers(
            "application_requisition",
            (pgtrigger.Insert, pgtrigger.Update),
            pgtrigger.Referencing(new="new_rows"),
            _APPLICATION_REQUISITION_CHECK,
            declare=[("pairs", "bigint"), ("locked", "bigint")],
        )

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_hire(self) -> bool:
        return self.started_on is not None


class Survey(EngagementRecord):
    external_id = _external_id()
    respondent = models.CharField(max_length=20, choices=Respondent.choices)
    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, null=True, blank=True, related_name="surveys"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="surveys"
    )
    responded_on = models.DateField()
    score = models.SmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "external_id"], name="survey_external_id_unique"
            ),
            _choice_check("respondent", Respondent, "survey_respondent_valid"),
            models.CheckConstraint(
                condition=(Q(respondent=Respondent.CANDIDATE) & Q(score__gte=0) & Q(score__lte=10))
                | (Q(respondent=Respondent.HIRING_MANAGER) & Q(score__gte=1) & Q(score__lte=5)),
                name="survey_score_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class QualityReview(EngagementRecord):
    external_id = _external_id()
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="quality_reviews"
    )
    reviewed_on = models.DateField()
    meets_expectations = models.BooleanField()
    rating = models.SmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    retained_90d = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "external_id"], name="quality_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__gte=1) & Q(rating__lte=5)),
                name="quality_rating_in_scale",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id


class Cost(EngagementRecord):
    external_id = _external_id()
    month = models.DateField(help_text="The first day of the month the cost belongs to.")
    category = models.CharField(max_length=30, choices=CostCategory.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "external_id"], name="cost_external_id_unique"
            ),
            _choice_check("category", CostCategory, "cost_category_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_amount_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="cost_month_first_day"),
        ]

    def __str__(self) -> str:
        return self.external_id

    @property
    def is_external(self) -> bool:
        return self.category in EXTERNAL_COST_CATEGORIES


class HiringPlanLine(EngagementRecord):
    """Planned hires for a month, optionally for one slice (department, location, job family).

    Blank means "not split by that dimension"; rows are keyed by month and the three columns.
    """

    month = models.DateField(help_text="The first day of the planned month.")
    department = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    job_family = models.CharField(max_length=200, blank=True)
    planned_hires = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "month", "department", "location", "job_family"],
                name="hiring_plan_key_unique",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="hiring_plan_month_first_day"),
        ]

    def __str__(self) -> str:
        segment = "/".join(v or "*" for v in (self.department, self.location, self.job_family))
        return f"{self.month:%Y-%m} {segment}"


class MarketMetric(models.TextChoices):
    SALARY_MEDIAN = "salary_median", "Median salary"
    TIME_TO_FILL_DAYS = "time_to_fill_days", "Time to fill"
    OFFER_ACCEPTANCE_RATE = "offer_acceptance_rate", "Offer acceptance rate"
    APPLICANTS_PER_OPENING = "applicants_per_opening", "Applicants per opening"


# The metric whose value is an amount of money: the only one with a currency.
MONEY_METRICS = (MarketMetric.SALARY_MEDIAN,)
# `YYYY-MM` or `YYYY-Qn`.
MARKET_PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2]|Q[1-4])$"


class MarketBenchmarkFields(models.Model):
    """A market figure for a period and a slice of the market (docs/data-contract.md,
    "Market benchmarks"); a blank job family or location means the whole market."""

    period = models.CharField(max_length=7, help_text="`YYYY-MM` or `YYYY-Qn`.")
    job_family = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=200, blank=True)
    metric = models.CharField(max_length=30, choices=MarketMetric.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=200)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        segment = "/".join(v or "*" for v in (self.job_family, self.location))
        return f"{self.period} {segment} {self.metric}"

    @staticmethod
    def checks(prefix: str) -> list:
        return [
            _choice_check("metric", MarketMetric, f"{prefix}_metric_valid"),
            models.CheckConstraint(
                condition=Q(period__regex=MARKET_PERIOD_PATTERN), name=f"{prefix}_period_valid"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name=f"{prefix}_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(metric=MarketMetric.OFFER_ACCEPTANCE_RATE) | Q(value__lte=100),
                name=f"{prefix}_rate_at_most_100",
            ),
            # A currency on the money metric and on nothing else.
            models.CheckConstraint(
                condition=(Q(metric__in=MONEY_METRICS) & ~Q(currency=""))
                | (~Q(metric__in=MONEY_METRICS) & Q(currency="")),
                name=f"{prefix}_currency_on_money_only",
            ),
        ]


class MarketBenchmark(MarketBenchmarkFields, EngagementRecord):
    """A benchmark kept for one engagement (imported into it like the ATS data)."""

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["engagement", "period", "job_family", "location", "metric"],
                name="market_benchmark_key_unique",
            ),
            *MarketBenchmarkFields.checks("market_benchmark"),
        ]


class ProviderMarketBenchmark(MarketBenchmarkFields):
    """A benchmark a provider shares with every engagement it is the provider of.

    Owned by the provider organization, not by an engagement: its row-level security policy
    (migration `market_benchmarks`) shows a row to the provider's members and to the parties
    of the provider's engagements, and lets only the provider's context write it."""

    provider = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "period", "job_family", "location", "metric"],
                name="provider_market_benchmark_key_unique",
            ),
            *MarketBenchmarkFields.checks("provider_market_benchmark"),
        ]


class ImportKind(models.TextChoices):
    REQUISITIONS = "requisitions", "Requisitions"
    APPLICATIONS = "applications", "Applications"
    SURVEYS = "surveys", "Surveys"
    QUALITY = "quality", "Quality reviews"
    COSTS = "costs", "Costs"
    HIRING_PLAN = "hiring_plan", "Hiring plan"
    MARKET_BENCHMARKS = "market_benchmarks", "Market benchmarks"


class ImportSource(models.TextChoices):
    WEB = "web", "Web upload"
    API = "api", "API"
    COMMAND = "command", "Command line"


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", "Awaiting confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    FAILED = "failed", "Rejected"


# Who loaded data into the engagement (a person or an API key) and how it ended is on the audit
# trail; the progress bar, the preview and the held file are not changes worth recording.
@pghistory.track(exclude=["progress", "preview", "errors", "stored_file", "duration"])
class ImportRun(models.Model):
    """One import of one file (or one API batch) into an engagement: the import history.

    A web upload is held under MEDIA_ROOT (`stored_file`) between its preview and its
    confirmation; the run binds it to the engagement and the user who uploaded it.
    """

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=300, help_text="Who imported: e-mail or API key.")
    kind = models.CharField(max_length=20, choices=ImportKind.choices, blank=True)
    source = models.CharField(max_length=10, choices=ImportSource.choices)
    file_name = models.CharField(max_length=255, blank=True)
    stored_file = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    checked_only = models.BooleanField(
        default=False,
        help_text="A check of an upload not confirmed (its preview, or one rejected at the "
        "check): it imported nothing and is no import.",
    )
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first errors, in order.")
    preview = models.JSONField(default=dict, blank=True, help_text="Header and first rows.")
    progress = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.DurationField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["engagement", "-started_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="import_run_progress_pct")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name or self.source} {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
