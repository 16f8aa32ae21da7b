"""The platform pieces: embedded engines, Celery wiring and deploy settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from rpo_portal.celery import app

ROOT = Path(__file__).resolve().parent.parent


def run_here(command: list[str], env: dict, *, check: bool) -> subprocess.CompletedProcess:
    """A command run from the project's root with its output captured."""
    return subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=check
    )


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, f"beat entry {name} names an unknown task"


@pytest.mark.django_db(transaction=True)
def test_celery_round_trip_through_redis():
    """A task sent through the real broker is picked up and run by a real worker."""
    import time

    from celery.contrib.testing.worker import start_worker
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from accounts import tasks

    Session.objects.create(
        session_key="expired", session_data="", expire_date=timezone.now() - timezone.timedelta(1)
    )
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        tasks.clear_expired_sessions.delay()
        deadline = time.monotonic() + 30
        while Session.objects.filter(session_key="expired").exists():
            assert time.monotonic() < deadline, "the worker never ran the task"
            time.sleep(0.1)


def test_embedded_engines_start_and_are_reused(tmp_path):
    """Without DATABASE_URL/REDIS_URL the project runs PostgreSQL and Redis from wheels."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["RPO_DATA_DIR"] = str(tmp_path / "data")
    run = [sys.executable, "-m", "rpo_portal.embedded"]
    try:
        first = run_here([*run, "start"], env, check=True)
        assert "database rpo_portal" in first.stdout
        assert (tmp_path / "data" / "pg" / "PG_VERSION").exists()
        probe = (
            "import django; django.setup();"
            "from django.db import connection;"
            "c = connection.cursor(); c.execute('select version()'); print(c.fetchone()[0]);"
            "from django.core.cache import cache; cache.set('k', 'v'); print(cache.get('k'))"
        )
        second = run_here(
            [sys.executable, "-c", probe],
            {**env, "DJANGO_SETTINGS_MODULE": "rpo_portal.settings", "DJANGO_DEBUG": "true"},
            check=True,
        )
        lines = second.stdout.splitlines()
        assert lines[0].startswith("PostgreSQL")
        assert lines[-1] == "v"
    finally:
        subprocess.run([*run, "stop"], env=env, cwd=ROOT, timeout=120, check=False)


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_DEBUG="false", DJANGO_SETTINGS_MODULE="rpo_portal.settings")
    result = run_here([sys.executable, "-c", "import django; django.setup()"], env, check=False)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(("chosen", "backend"), [(None, "jemalloc"), ("mimalloc", "mimalloc")])
def test_arrow_allocates_with_jemalloc_unless_the_environment_names_a_pool(chosen, backend):
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    env.update(DJANGO_DEBUG="true", DJANGO_SETTINGS_MODULE="rpo_portal.settings")
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    probe = (
        "import django; django.setup();"
        "import pyarrow; print(pyarrow.default_memory_pool().backend_name)"
    )
    result = run_here([sys.executable, "-c", probe], env, check=True)
    assert result.stdout.split() == [backend]


def test_a_task_is_handed_out_again_only_after_the_longest_time_limit():
    """Acks are late: a task a worker took is handed out again after the broker's visibility
    timeout, which must exceed every task's time limit, or a long task would run twice."""
    app.loader.import_default_modules()
    tasks = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    limits = [task.time_limit or app.conf.task_time_limit for task in tasks.values()]
    assert len(tasks) > 10 and all(limits)
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > max(limits)
    # The tasks put back when their worker child dies are among those safe to run again.
    assert tasks["kpis.tasks.recompute_engagement_metrics"].reject_on_worker_lost
    assert not tasks["notifications.tasks.send_notification_emails"].reject_on_worker_lost
