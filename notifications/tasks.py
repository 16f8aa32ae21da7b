from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications import services

RETRY = {"autoretry_for": (OperationalError, OSError), "max_retries": 5, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540, **RETRY)
def send_notification_emails() -> None:
    services.notification_emails_send()


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def send_notification_digests() -> None:
    services.notification_digests_send(day=timezone.localdate())
