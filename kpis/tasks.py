from celery import shared_task

from kpis import services


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, max_retries=3)
def recompute_engagement_metrics(engagement_id: int) -> None:
    services.metrics_recompute_task_run(engagement_id=engagement_id)


@shared_task(ignore_result=True, time_limit=3 * 3600, soft_time_limit=3 * 3600 - 300)
def recompute_stale_metrics() -> None:
    services.metrics_recompute_stale()
