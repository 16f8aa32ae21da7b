from celery import shared_task
from django.db import OperationalError

from reviews.qbr import services

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY)
def generate_qbr_pack(pack_id: int) -> None:
    services.qbr_pack_generate(pack_id=pack_id)


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY)
def expire_qbr_packs() -> None:
    services.qbr_packs_expire()


@shared_task(ignore_result=True, time_limit=3600, soft_time_limit=3500, **RETRY)
def deliver_qbr_packs() -> None:
    services.qbr_packs_deliver()
