from datetime import date

from celery import shared_task
from django.db import OperationalError

from kpis import progress, services
from rpo_portal import tenant_db
from rpo_portal.jobs import REPEATABLE

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY, **REPEATABLE)
def recompute_engagement_metrics(engagement_id: int) -> None:
    with tenant_db.job_engagements([engagement_id]):
        progress.metrics_recompute_task_run(engagement_id=engagement_id)


@shared_task(
    ignore_result=True, time_limit=4 * 3600, soft_time_limit=4 * 3600 - 300, **RETRY, **REPEATABLE
)
def recompute_stale_metrics() -> None:
    with tenant_db.scheduler_tenant():
        services.metrics_recompute_stale()


@shared_task(
    ignore_result=False, time_limit=4 * 3600, soft_time_limit=4 * 3600 - 300, **RETRY, **REPEATABLE
)
def recompute_metrics_batch(engagement_ids: list[int], as_of: str) -> list[int]:
    with tenant_db.job_engagements(engagement_ids):
        return services.metrics_recompute_batch(
            engagement_ids=engagement_ids, as_of=date.fromisoformat(as_of)
        )
