"""The records behind one KPI value, so either party can check the number.

The selection mirrors `kpis.compute` rule for rule (event dates, as-of cut-off, segment links),
as queries over the engagement's records. Suppressed values reveal no records.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q

from kpis.models import MetricRun, MetricValue
from kpis.registry import NONE_SEGMENT
from recruiting.models import Application, Cost, HiringPlanLine, QualityReview, Requisition, Survey

ROW_LIMIT = 2000


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Drilldown:
    as_of: date | None
    sections: list[Section] = field(default_factory=list)
    median_inputs: list[float] = field(default_factory=list)
    suppressed: bool = False


def _requisition_q(prefix: str, dimension: str, segment: str) -> Q:
    """Records whose requisition (reached through `prefix`) is in the segment."""
    if dimension in ("all", "source"):
        return Q()
    if dimension == "priority" and segment == "normal":
        return Q(**{f"{prefix}priority__in": ["normal", ""]})
    return Q(**{f"{prefix}{dimension}": "" if segment == NONE_SEGMENT else segment})


def _application_q(prefix: str, dimension: str, segment: str) -> Q:
    if dimension == "source":
        return Q(**{f"{prefix}source": segment})
    return _requisition_q(f"{prefix}requisition__", dimension, segment)


def _survey_q(dimension: str, segment: str) -> Q:
    """The application link wins; a requisition link has no source; no link is `all` only."""
    if dimension == "all":
        return Q()
    via_application = Q(application__isnull=False) & _application_q(
        "application__", dimension, segment
    )
    if dimension == "source":
        return via_application
    via_requisition = (
        Q(application__isnull=True)
        & Q(requisition__isnull=False)
        & _requisition_q("requisition__", dimension, segment)
    )
    return via_application | via_requisition


def _section(title: str, columns: list[str], queryset, fields: list[str]) -> Section:
    rows = list(queryset.values_list(*fields)[:ROW_LIMIT])
    total = len(rows) if len(rows) < ROW_LIMIT else queryset.count()
    return Section(title, columns, rows, total)


def _diversity_counts(hires) -> Section:
    """Counts only: which hire answered what is never shown, even to either party."""
    counts = hires.aggregate(
        n_answered=Count("pk", filter=Q(diverse__isnull=False)),
        n_diverse=Count("pk", filter=Q(diverse=True)),
        n_unanswered=Count("pk", filter=Q(diverse__isnull=True)),
    )
    rows = [
        ("hires who answered (the denominator)", counts["n_answered"]),
        ("of whom self-identified as diverse (the numerator)", counts["n_diverse"]),
        ("hires who gave no answer (not counted)", counts["n_unanswered"]),
    ]
    return Section("Hires in the period, counted (never listed)", ["hires", "count"], rows, 3)


def _days(a, b) -> int | None:
    return (b - a).days if a and b else None


def value_drilldown(*, value: MetricValue) -> Drilldown:
    run = MetricRun.objects.filter(engagement_id=value.engagement_id).first()
    as_of = run.as_of if run else value.period_end
    result = Drilldown(as_of=as_of)
    if value.suppressed:
        result.suppressed = True
        return result
    start, end = value.period_start, min(value.period_end, as_of)
    dim, seg = value.dimension, value.segment
    engagement_id = value.engagement_id
    in_period = {"range": (start, end)}

    requisitions = Requisition.objects.filter(engagement_id=engagement_id, opened_on__lte=as_of)
    applications = Application.objects.filter(
        engagement_id=engagement_id, applied_on__lte=as_of
    ).select_related("requisition")
    hires = applications.filter(started_on__range=in_period["range"]).filter(
        _application_q("", dim, seg)
    )
    # Self-identified diversity is never shown per person (the data contract): no column here.
    hire_fields = ["external_id", "requisition__external_id", "source", "started_on"]
    hire_columns = ["application", "requisition", "source", "started on"]
    kpi = value.kpi

    if kpi in ("time_to_fill", "requisitions_filled"):
        filled = requisitions.filter(filled_on__range=in_period["range"]).filter(
            _requisition_q("", dim, seg)
        )
        rows = list(
            filled.order_by("filled_on", "external_id").values_list(
                "external_id", "title", "opened_on", "filled_on", "on_hold_days"
            )
        )
        exclude = value.engagement.exclude_on_hold
        table = [(*r, _days(r[2], r[3]) - (r[4] if exclude else 0)) for r in rows]
        section = Section(
            "Requisitions filled in the period",
            ["requisition", "title", "opened on", "filled on", "on-hold days", "days to fill"],
            table,
            len(table),
        )
        result.sections.append(section)
        if kpi == "time_to_fill":
            result.median_inputs = sorted(r[-1] for r in table)
    elif kpi in ("time_to_hire", "offer_acceptance_rate"):
        decided = applications.filter(
            offer_decided_on__range=in_period["range"], offer_outcome__in=["accepted", "declined"]
        ).filter(_application_q("", dim, seg))
        if kpi == "time_to_hire":
            decided = decided.filter(offer_outcome="accepted")
        rows = list(
            decided.order_by("offer_decided_on", "external_id").values_list(
                "external_id",
                "requisition__external_id",
                "source",
                "applied_on",
                "offer_decided_on",
                "offer_outcome",
            )
        )
        table = [(*r, _days(r[3], r[4])) for r in rows]
        result.sections.append(
            Section(
                "Offers decided in the period",
                ["application", "requisition", "source", "applied on", "decided on", "outcome"]
                + ["days"],
                table,
                len(table),
            )
        )
        if kpi == "time_to_hire":
            result.median_inputs = sorted(r[-1] for r in table)
    elif kpi == "diversity_hire_rate":
        result.sections.append(_diversity_counts(hires))
    elif kpi in ("hires", "cost_per_hire"):
        result.sections.append(
            _section(
                "Hires (started) in the period",
                hire_columns,
                hires.order_by("started_on", "external_id"),
                hire_fields,
            )
        )
        if kpi == "cost_per_hire":
            costs = Cost.objects.filter(
                engagement_id=engagement_id, month__range=in_period["range"]
            ).order_by("month", "external_id")
            result.sections.insert(
                0,
                _section(
                    "Costs of the period",
                    ["cost", "month", "category", "amount"],
                    costs,
                    ["external_id", "month", "category", "amount"],
                ),
            )
    elif kpi in ("quality_of_hire", "retention_90d"):
        reviews = QualityReview.objects.filter(
            engagement_id=engagement_id, reviewed_on__range=in_period["range"]
        ).filter(_application_q("application__", dim, seg))
        if kpi == "retention_90d":
            reviews = reviews.filter(retained_90d__isnull=False)
        result.sections.append(
            _section(
                "Quality-of-hire reviews in the period",
                ["review", "application", "reviewed on", "meets expectations", "retained 90 days"],
                reviews.order_by("reviewed_on", "external_id"),
                [
                    "external_id",
                    "application__external_id",
                    "reviewed_on",
                    "meets_expectations",
                    "retained_90d",
                ],
            )
        )
    elif kpi in ("candidate_nps", "hiring_manager_satisfaction"):
        respondent = "candidate" if kpi == "candidate_nps" else "hiring_manager"
        surveys = Survey.objects.filter(
            engagement_id=engagement_id,
            respondent=respondent,
            responded_on__range=in_period["range"],
        ).filter(_survey_q(dim, seg))
        result.sections.append(
            _section(
                "Survey responses in the period",
                ["response", "application", "requisition", "responded on", "score"],
                surveys.order_by("responded_on", "external_id"),
                [
                    "external_id",
                    "application__external_id",
                    "requisition__external_id",
                    "responded_on",
                    "score",
                ],
            )
        )
    elif kpi == "interview_to_offer_rate":
        interviewed = applications.filter(interviewed_on__range=in_period["range"]).filter(
            _application_q("", dim, seg)
        )
        rows = list(
            interviewed.order_by("interviewed_on", "external_id").values_list(
                "external_id", "requisition__external_id", "source", "interviewed_on", "offered_on"
            )
        )
        table = [(*r[:4], r[4] if r[4] and r[4] <= as_of else None) for r in rows]
        result.sections.append(
            Section(
                "Applications interviewed in the period (offered on, if by the as-of date)",
                ["application", "requisition", "source", "interviewed on", "offered on"],
                table,
                len(table),
            )
        )
    elif kpi == "open_requisition_age":
        at = end
        still_open = (
            requisitions.filter(opened_on__lte=at)
            .exclude(filled_on__lte=at)
            .exclude(cancelled_on__lte=at)
            .filter(_requisition_q("", dim, seg))
            .order_by("opened_on", "external_id")
        )
        rows = list(still_open.values_list("external_id", "title", "opened_on"))
        table = [(*r, (at - r[2]).days) for r in rows]
        result.sections.append(
            Section(
                f"Requisitions open on {at}",
                ["requisition", "title", "opened on", "age (days)"],
                table,
                len(table),
            )
        )
        result.median_inputs = sorted(r[-1] for r in table)
    elif kpi == "plan_attainment":
        plan = HiringPlanLine.objects.filter(
            engagement_id=engagement_id, month__range=in_period["range"]
        )
        if dim != "all":
            plan = plan.filter(**{dim: seg})
        result.sections.append(
            _section(
                "Hiring plan lines of the period",
                ["month", "department", "location", "job family", "planned hires"],
                plan.order_by("month", "department", "location", "job_family"),
                ["month", "department", "location", "job_family", "planned_hires"],
            )
        )
        result.sections.append(
            _section(
                "Hires (started) in the period",
                hire_columns,
                hires.order_by("started_on", "external_id"),
                hire_fields,
            )
        )
    return result


def median_check(values: list[float]) -> float | None:
    """The median as the definition states it (even count: mean of the two middle values)."""
    return statistics.median(values) if values else None
