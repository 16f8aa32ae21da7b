from celery import shared_task
from django.db import OperationalError

from reviews import services

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def schedule_reviews() -> None:
    services.reviews_schedule()


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def send_reminders() -> None:
    services.reminders_send()
