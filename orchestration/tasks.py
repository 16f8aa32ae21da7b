from celery import shared_task
from django.db import OperationalError

from orchestration import pipeline
from rpo_portal import tenant_db

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


# Named as before the pipeline moved here: the beat schedule and queued messages use the name.
@shared_task(
    name="sla.tasks.nightly_pipeline",
    ignore_result=True,
    time_limit=600,
    soft_time_limit=540,
    **RETRY,
)
def nightly_pipeline(full: bool = False) -> None:
    with tenant_db.scheduler_tenant():
        pipeline.nightly_pipeline_start(full=full)
