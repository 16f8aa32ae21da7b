from celery import shared_task
from django.db import OperationalError

from recruiting import services
from rpo_portal import tenant_db
from rpo_portal.jobs import REPEATABLE


@shared_task(
    ignore_result=True,
    time_limit=60 * 60,
    soft_time_limit=55 * 60,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    **REPEATABLE,
)
def import_run_execute_task(run_id: int, engagement_id: int) -> None:
    with tenant_db.job_engagements([engagement_id]):
        services.import_run_execute(run_id=run_id)
