from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications import services
from rpo_portal import tenant_db

RETRY = {"autoretry_for": (OperationalError, OSError), "max_retries": 5, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540, **RETRY)
def send_notification_emails() -> None:
    with tenant_db.scheduler_tenant():
        services.notification_emails_send()


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def send_notification_digests() -> None:
    with tenant_db.scheduler_tenant():
        services.notification_digests_send(day=timezone.localdate())
