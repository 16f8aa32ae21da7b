"""Demo hiring forecasts: a product launch raises Acme's Engineering plan for the next quarter,
which the pipeline cannot meet (a forecast gap); then every demo engagement's forecast."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from engagements.models import Engagement
from forecasts import selectors
from forecasts.hiring import add_months, horizon_months
from forecasts.services import forecasts_recompute
from recruiting.models import HiringPlanLine
from recruiting.services import records_import
from rpo_portal import formats

LAUNCH = ("acme-talentbridge", "Engineering", 2.0)  # engagement, department, plan factor


def _raise_plan(engagement: Engagement, department: str, factor: float, log) -> None:
    """The launch's plan: the department's planned hires of the next quarter, doubled (once)."""
    today = timezone.localdate()
    months = horizon_months(today)[3:6]
    lines = HiringPlanLine.objects.filter(
        engagement=engagement, month__in=months, department=department, location="", job_family=""
    )
    planned = {line.month: line.planned_hires for line in lines}
    if not planned or _already(engagement, department, months):
        return
    rows = [
        {
            "month": f"{month:%Y-%m}",
            "department": department,
            "planned_hires": max(1, round(planned.get(month, 0) * factor)),
        }
        for month in months
    ]
    result = records_import(actor=None, engagement=engagement, kind="hiring_plan", rows=rows)
    if result.ok:
        log(
            f"{engagement.slug}: {department} plan of {formats.period(f'{months[0]:%Y-%m}')} "
            f"to {formats.period(f'{months[-1]:%Y-%m}')} raised for a product launch"
        )


def _already(engagement: Engagement, department: str, months) -> bool:
    """The launch was planned before (the plan of the month after the quarter is far lower)."""
    after = add_months(months[-1], 1)
    line = HiringPlanLine.objects.filter(
        engagement=engagement, month=after, department=department, location="", job_family=""
    ).first()
    peak = HiringPlanLine.objects.filter(
        engagement=engagement, month=months[0], department=department, location="", job_family=""
    ).first()
    return bool(line and peak and peak.planned_hires >= 1.6 * max(line.planned_hires, 1))


def seed_hiring_forecast(log: Callable[[str], None]) -> None:
    slug, department, factor = LAUNCH
    engagement = Engagement.objects.filter(slug=slug).first()
    if engagement is not None:
        _raise_plan(engagement, department, factor, log)
    engagements = list(Engagement.objects.order_by("pk"))
    forecasts_recompute(engagement_ids=[e.pk for e in engagements])
    for engagement in engagements:
        forecast = selectors.hiring_forecast(engagement=engagement)
        quarter = forecast.quarter(forecast.open_quarter)
        if quarter is not None:
            plan = "no plan" if quarter.plan is None else f"plan {formats.number(quarter.plan)}"
            log(
                f"{engagement.slug}: {formats.number(quarter.expected, 1)} hires expected in "
                f"{formats.period(quarter.label)} ({plan})"
            )
