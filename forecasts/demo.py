"""Demo hiring forecasts: the demo's plan carried into the coming quarters (each department's
hires per month over the last year), with a product launch that doubles Acme's Engineering
plan for the next quarter, which the pipeline cannot meet (a forecast gap); then every demo
engagement's forecast."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Count
from django.utils import timezone

from engagements.models import Engagement
from forecasts import selectors
from forecasts.hiring import add_months, horizon_months, month_start
from forecasts.services import forecasts_recompute
from recruiting.models import Application
from recruiting.services import records_import
from rpo_portal import formats

LAUNCH = ("acme-talentbridge", "Engineering", 2)  # engagement, department, plan factor


def _monthly_hires(engagement: Engagement, today: date) -> dict[str, float]:
    """Each department's hires per month over the twelve months before this one."""
    this_month = month_start(today)
    counts = (
        Application.objects.filter(
            engagement=engagement,
            started_on__gte=add_months(this_month, -12),
            started_on__lt=this_month,
        )
        .values_list("requisition__department")
        .annotate(hires=Count("id"))
    )
    return {department: hires / 12 for department, hires in counts if department}


def _plan_ahead(engagement: Engagement, today: date, log) -> None:
    """Plan rows from this month to three months past the horizon (the plan the openings of
    the horizon's last months follow), upserted: the same data gives the same rows."""
    launch_slug, launch_department, factor = LAUNCH
    launch_months = set(horizon_months(today)[3:6])
    months = [add_months(month_start(today), i) for i in range(12)]
    rows = []
    for department, hires in sorted(_monthly_hires(engagement, today).items()):
        for month in months:
            planned = round(hires)
            if engagement.slug == launch_slug and department == launch_department:
                planned *= factor if month in launch_months else 1
            rows.append(
                {"month": f"{month:%Y-%m}", "department": department, "planned_hires": planned}
            )
    if not rows:
        return
    result = records_import(actor=None, engagement=engagement, kind="hiring_plan", rows=rows)
    if result.ok and (result.created or result.updated):
        log(f"{engagement.slug}: hiring plan of the next 12 months ({len(rows)} rows)")


def seed_hiring_forecast(log: Callable[[str], None]) -> None:
    today = timezone.localdate()
    engagements = list(Engagement.objects.order_by("pk"))
    for engagement in engagements:
        _plan_ahead(engagement, today, log)
    forecasts_recompute(engagement_ids=[e.pk for e in engagements])
    for engagement in engagements:
        forecast = selectors.hiring_forecast(engagement=engagement)
        for quarter in forecast.quarters()[1:2]:
            plan = "no plan" if quarter.plan is None else f"plan {formats.number(quarter.plan)}"
            log(
                f"{engagement.slug}: {formats.number(quarter.expected, 1)} hires expected in "
                f"{formats.period(quarter.label)} ({plan})"
            )
