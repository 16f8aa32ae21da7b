import os

from celery import Celery

# Tasks record their name on every change they make (the audit trail).
from rpo_portal import jobs  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpo_portal.settings")

app = Celery("rpo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
