from celery import shared_task
from django.db import OperationalError

from engagements import terms_services
from rpo_portal import tenant_db

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY)
def sync_commercial_terms() -> None:
    with tenant_db.scheduler_tenant():
        terms_services.engagements_terms_sync()
