"""Reads of the governance log and of what the reviews show; always given the engagement."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from engagements.models import Engagement
from recruiting.models import Application, HiringPlanLine
from reviews.models import OPEN_STATUSES, ActionItem
from reviews.qbr.quarters import quarter_end, quarter_of_period

ALL_DEPARTMENTS = "All departments"


@dataclass(frozen=True)
class PlanActual:
    """Planned hires against hires of one month and one department (or all departments)."""

    month: str
    department: str
    planned: int
    hired: int

    @property
    def attainment(self) -> float | None:
        """100 x hires / planned, as the plan_attainment KPI; none when nothing is planned."""
        return 100.0 * self.hired / self.planned if self.planned else None

    @property
    def variance(self) -> int:
        return self.hired - self.planned


def plan_vs_actual(*, engagement: Engagement, months: list[str], as_of: date) -> list[PlanActual]:
    """Per month: all departments, then each department the plan names or that hired.

    A hire is an application with a start date (on or before `as_of`, like the KPI engine);
    a plan row with no department counts only in the all-departments line, as the data
    contract's plan slices do. Two queries.
    """
    first = date.fromisoformat(months[0] + "-01")
    last_plan_month = min(date.fromisoformat(months[-1] + "-01"), as_of)
    last_start = min(quarter_end(quarter_of_period(months[-1])), as_of)
    planned: dict[tuple[str, str], int] = defaultdict(int)
    plan = (
        HiringPlanLine.objects.filter(
            engagement=engagement, month__gte=first, month__lte=last_plan_month
        )
        .values("month", "department")
        .annotate(total=Sum("planned_hires"))
    )
    for row in plan:
        month = row["month"].strftime("%Y-%m")
        planned[(month, ALL_DEPARTMENTS)] += row["total"]
        if row["department"]:
            planned[(month, row["department"])] += row["total"]
    hired: dict[tuple[str, str], int] = defaultdict(int)
    hires = (
        Application.objects.filter(
            engagement=engagement, started_on__gte=first, started_on__lte=last_start
        )
        .annotate(month=TruncMonth("started_on"), department=F("requisition__department"))
        .values("month", "department")
        .annotate(total=Count("id"))
    )
    for row in hires:
        month = row["month"].strftime("%Y-%m")
        hired[(month, ALL_DEPARTMENTS)] += row["total"]
        hired[(month, row["department"] or "(none)")] += row["total"]
    rows = []
    for month in months:
        departments = {d for (m, d) in (*planned, *hired) if m == month} - {ALL_DEPARTMENTS}
        for department in [ALL_DEPARTMENTS, *sorted(departments)]:
            rows.append(
                PlanActual(
                    month,
                    department,
                    planned.get((month, department), 0),
                    hired.get((month, department), 0),
                )
            )
    return rows


def open_action_items(*, engagement: Engagement):
    """Open and in-progress items, soonest due first, with their owners."""
    return (
        ActionItem.objects.filter(engagement=engagement, status__in=OPEN_STATUSES)
        .select_related("owner")
        .order_by("due_date", "id")
    )
