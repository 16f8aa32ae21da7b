from celery import shared_task
from django.db import OperationalError

from reviews import services
from reviews.qbr import services as qbr_services
from reviews.transition import services as transition_services
from rpo_portal import tenant_db
from rpo_portal.jobs import REPEATABLE

RETRY = {"autoretry_for": (OperationalError,), "max_retries": 3, "retry_backoff": 30}


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def schedule_reviews() -> None:
    with tenant_db.scheduler_tenant():
        services.reviews_schedule()


@shared_task(ignore_result=True, time_limit=1800, soft_time_limit=1700, **RETRY)
def send_reminders() -> None:
    with tenant_db.scheduler_tenant():
        services.reminders_send()


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY, **REPEATABLE)
def generate_qbr_pack(pack_id: int, engagement_id: int) -> None:
    with tenant_db.job_engagements([engagement_id]):
        qbr_services.qbr_pack_generate(pack_id=pack_id)


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY)
def expire_qbr_packs() -> None:
    with tenant_db.scheduler_tenant():
        qbr_services.qbr_packs_expire()


@shared_task(ignore_result=True, time_limit=3600, soft_time_limit=3500, **RETRY)
def deliver_qbr_packs() -> None:
    with tenant_db.scheduler_tenant():
        qbr_services.qbr_packs_deliver()


@shared_task(ignore_result=True, time_limit=600, soft_time_limit=570, **RETRY)
def alert_late_milestones() -> None:
    with tenant_db.scheduler_tenant():
        transition_services.milestones_alert_late()
