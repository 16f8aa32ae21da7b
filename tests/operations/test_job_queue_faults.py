"""The job queue out of reach or frozen, and a worker child lost mid-task, with real servers.

Each test breaks only what it started itself: a private redis-server (frozen with `CLIENT
PAUSE`), a closed port, or a prefork worker of its own whose child it kills.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from kpis.models import MetricRun
from kpis.progress import PROGRESS_INTERRUPTED, recompute_progress
from rpo_portal import tenant_db
from rpo_portal.celery import app as celery_app
from tests.operations.servers import database_url
from tests.operations.test_faults import (
    ROOT,
    PrivateRedis,
    free_port,
    recompute_locks,
    wait_for,
    wait_for_recompute_under_way,
)
from tests.reviews.conftest import QUARTER

pytestmark = pytest.mark.slow

NOT_QUEUED = "The job queue cannot be reached"


@pytest.fixture
def application_role_process(settings, monkeypatch):
    """This process serves tenants as the application role from now on, as the web server
    does (`rpo_portal/wsgi.py`): after a request's transaction commits, its connection is
    still the application role, with no tenant context."""
    settings.RPO_PROCESS_APPLICATION_ROLE = True
    monkeypatch.setattr(tenant_db, "_process_role", False)
    tenant_db.use_application_role()
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.fixture(params=["refused", "frozen"])
def unreachable_broker(request, tmp_path):
    """The Celery broker on a closed port, or on a Redis that accepts connections and answers
    nothing (every client paused). The project's own broker timeouts stay in force."""
    server = None
    if request.param == "refused":
        url = f"redis://127.0.0.1:{free_port()}/0"
    else:
        server = PrivateRedis(tmp_path)
        server.start()
        redis.Redis(port=server.port).execute_command("CLIENT", "PAUSE", "120000", "ALL")
        url = server.url
    saved_url, saved_pools = (
        celery_app.conf.broker_url,
        (celery_app._pool, celery_app.amqp._producer_pool),
    )
    celery_app.conf.broker_url = url
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield request.param
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url = saved_url
    celery_app._pool, celery_app.amqp._producer_pool = saved_pools
    if server is not None:
        server.process.kill()
        server.process.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_pack_that_cannot_be_queued_says_so_at_once(
    login, engagement, hr_lead, application_role_process, unreachable_broker
):
    browser = login(hr_lead)
    url = reverse("qbr:start", args=[engagement.pk])
    started = time.monotonic()
    response = browser.post(url, {"quarter": QUARTER, "format": "csv"})
    # Not an assertion (timings are benchmarks): the figure for the record.
    print(f"POST with the broker {unreachable_broker}: {time.monotonic() - started:.2f} s")
    assert response.status_code == 302
    page = browser.get(response.url).content.decode()
    assert NOT_QUEUED in page
    assert "Waiting for a worker" not in page


# --- A prefork worker's child killed mid-recompute ------------------------------------------------


def prefork_worker(queue: str) -> subprocess.Popen:
    """A real Celery worker with one prefork child, on the test database and this test's
    queue, with the project's own acknowledgement settings (a lost task is not handed out
    again by the visibility timeout, which stays hours long)."""
    config = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": database_url(config, config["NAME"]),
        "DJANGO_SETTINGS_MODULE": "rpo_portal.settings_test",
    }
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "rpo_portal", "worker", "--pool=prefork"]
        + ["--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        + ["--loglevel=WARNING", "-Q", queue],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


@pytest.mark.django_db(transaction=True)
def test_a_recompute_whose_worker_child_is_killed_runs_again_and_its_status_recovers(
    engagement,
):
    from django.core.management import call_command

    from kpis.tasks import recompute_engagement_metrics

    call_command("generate_data", "--engagement", engagement.slug, "--requisitions", "3000")
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    # The import queued its debounced recompute; this test sends its own, alone.
    redis.Redis.from_url(django_settings.REDIS_URL).delete(queue)

    worker = prefork_worker(queue)
    try:
        child = wait_for(lambda: children(worker.pid), 60, "the worker's child")[0]
        recompute_engagement_metrics.apply_async(args=[engagement.pk], queue=queue)
        wait_for_recompute_under_way(engagement)
        os.kill(child, signal.SIGKILL)
        # The parent replaces its child and the task it was running is handed out again.
        wait_for(
            lambda: MetricRun.objects.filter(engagement=engagement).exists(),
            180,
            "the recompute to run again to completion",
        )
        wait_for(
            lambda: (recompute_progress(engagement_id=engagement.pk) or {}).get("state") == "done",
            30,
            "the status to say done",
        )
        assert worker.poll() is None  # the same worker, with a new child
        assert child not in children(worker.pid)
    finally:
        worker.terminate()
        worker.wait(30)
    assert MetricRun.objects.filter(engagement=engagement).count() == 1
    assert recompute_locks(engagement) == 0
    assert recompute_progress(engagement_id=engagement.pk) != PROGRESS_INTERRUPTED
