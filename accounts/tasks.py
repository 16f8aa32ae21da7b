from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=540)
def clear_expired_sessions() -> None:
    call_command("clearsessions")
