from datetime import date

from celery import shared_task
from django.db import OperationalError

from forecasts import services
from rpo_portal import tenant_db
from rpo_portal.jobs import REPEATABLE

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540, **RETRY, **REPEATABLE)
def recompute_engagement_forecast(engagement_id: int) -> None:
    """After one engagement's KPI recompute (an import, the button)."""
    with tenant_db.job_engagements([engagement_id]):
        services.forecasts_recompute(engagement_ids=[engagement_id])


@shared_task(ignore_result=False, time_limit=3600, soft_time_limit=3500, **RETRY, **REPEATABLE)
def recompute_forecast_batch(engagement_ids: list[int], as_of: str) -> list:
    """One batch of the nightly run; returns nothing the evaluation's summary counts."""
    with tenant_db.job_engagements(engagement_ids):
        services.forecasts_recompute_batch(
            engagement_ids=engagement_ids, as_of=date.fromisoformat(as_of)
        )
    return []
