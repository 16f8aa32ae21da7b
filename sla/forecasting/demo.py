"""Demo: a clause whose open period is met so far but heading for a breach (a forecast
warning the evaluation does not raise), then every demo engagement's forecast."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from kpis.drilldown import engagement_tables
from sla import evaluation as ev
from sla.demo import NEGOTIATORS
from sla.forecasting.projection import ClauseSpec, project
from sla.forecasting.services import breach_forecasts_compute
from sla.models import SlaClause
from sla.services import engagements_with_clauses, schedule_agree, schedule_propose

KEY = "SLA-AGE-FORECAST"
KPI = "open_requisition_age"


def _threshold(engagement: Engagement) -> Decimal | None:
    """A whole number of days the open requisitions' median age meets today but most likely
    passes by the month's end (they grow older faster than they close)."""
    today = timezone.localdate()
    period = ev.period_containing(today, "month")
    tables = engagement_tables(engagement, today)
    probe = ClauseSpec(KEY, KPI, "all", "all", 0.0)
    forecast = project(
        tables,
        probe,
        engagement_id=engagement.pk,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
    )
    if forecast.current is None or forecast.projected is None:
        return None
    threshold = math.ceil(forecast.current)
    if forecast.projected <= threshold + 1:
        return None
    spec = ClauseSpec(KEY, KPI, "all", "all", float(threshold))
    likely = project(
        tables,
        spec,
        engagement_id=engagement.pk,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
    ).likely
    return Decimal(threshold) if likely else None


def seed_breach_forecasts(log: Callable[[str], None]) -> None:
    slug = "acme-talentbridge"
    engagement = Engagement.objects.filter(slug=slug).first()
    if (
        engagement is not None
        and not SlaClause.objects.filter(engagement=engagement, key=KEY).exists()
    ):
        threshold = _threshold(engagement)
        if threshold is None:
            log(f"{slug}: no open period to forecast a breach in")
        else:
            client_email, provider_email = NEGOTIATORS[slug]
            today = timezone.localdate()
            schedule = schedule_propose(
                actor=User.objects.get(email=provider_email),
                engagement=engagement,
                clauses=[
                    {
                        "key": KEY,
                        "kpi": KPI,
                        "grain": "month",
                        "threshold": threshold,
                        "effective_from": today.replace(day=1),
                        "pct": Decimal("1"),
                    }
                ],
                source_name="",
                note="Open requisitions' median age, from this month.",
            )
            schedule_agree(
                actor=User.objects.get(email=client_email), schedule=schedule, note="Agreed."
            )
    for engagement in Engagement.objects.filter(pk__in=engagements_with_clauses()):
        result = breach_forecasts_compute(engagement=engagement)
        log(
            f"{engagement.slug}: breach forecast of {result['forecasts']} open periods, "
            f"{result['likely']} likely to breach"
        )
