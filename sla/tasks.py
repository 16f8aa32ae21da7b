from datetime import date

from celery import shared_task
from django.db import OperationalError

from rpo_portal import tenant_db
from rpo_portal.jobs import REPEATABLE
from sla import services

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY, **REPEATABLE)
def evaluate_engagement_slas(engagement_id: int) -> None:
    with tenant_db.job_engagements([engagement_id]):
        services.engagement_evaluation_run(engagement_id=engagement_id)


@shared_task(ignore_result=False, time_limit=3600, soft_time_limit=3500, **RETRY, **REPEATABLE)
def evaluate_slas_batch(engagement_ids: list[int], as_of: str) -> list[dict]:
    with tenant_db.job_engagements(engagement_ids):
        return services.evaluation_batch_run(engagement_ids=engagement_ids, as_of=as_of)


@shared_task(ignore_result=False, time_limit=3600, soft_time_limit=3500, **RETRY, **REPEATABLE)
def evaluate_recomputed_batch(changed_ids: list[int], engagement_ids: list[int], as_of: str):
    """After a recompute batch (its changed engagements come first, from the chain)."""
    with tenant_db.job_engagements(engagement_ids):
        return services.evaluation_batch_run(
            engagement_ids=engagement_ids, as_of=as_of, changed_ids=changed_ids
        )


@shared_task(ignore_result=False, time_limit=600, soft_time_limit=540, **RETRY)
def after_evaluation(results: list, as_of: str | None = None) -> dict:
    results = services.flatten(results)
    with tenant_db.job_engagements(result["engagement_id"] for result in results):
        return services.after_evaluation(results=results)


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY, **REPEATABLE)
def forecast_engagement_breaches(engagement_id: int) -> None:
    """The breach forecast after one engagement's recompute."""
    from sla.forecasting.services import engagements_forecast

    with tenant_db.job_engagements([engagement_id]):
        engagements_forecast(engagement_ids=[engagement_id])


@shared_task(ignore_result=False, time_limit=3600, soft_time_limit=3500, **RETRY, **REPEATABLE)
def forecast_breaches_after_evaluation(events: dict, as_of: str) -> dict:
    """The nightly run's forecast of every engagement with clauses; passes on what the
    evaluation brought (the run's result)."""
    from sla.forecasting.services import engagements_forecast

    with tenant_db.scheduler_tenant():
        ids = services.engagements_with_clauses()
    with tenant_db.job_engagements(ids):
        engagements_forecast(engagement_ids=ids, as_of=date.fromisoformat(as_of))
    return events
