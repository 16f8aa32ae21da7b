"""Faults survived, with the real services. None of them touches the shared PostgreSQL or
Redis servers: each test starts its own throwaway server (a private redis-server, a private
PostgreSQL cluster from the pgserver wheel) or its own worker process, and breaks that.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import api_key_create
from kpis.models import MetricRun, MetricValue
from kpis.progress import recompute_progress
from kpis.services import engagement_metrics_recompute
from rpo_portal.celery import app as celery_app
from tests.operations.servers import database_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own, on a free port, that the test may stop and start."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is needed for the Redis fault test"
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_timeout=0.5)
        wait_for(lambda: self._pings(client), 10, "the private Redis")

    @staticmethod
    def _pings(client) -> bool:
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path, settings):
    """Django's cache and the Celery broker on a private Redis, for this test only."""
    server = PrivateRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": server.url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    # Fresh pools for the private broker; the process's own are set aside and put back after.
    saved_conf = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options))
    saved_pools = (celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = server.url
    celery_app.conf.broker_transport_options = {"socket_connect_timeout": 1, "socket_timeout": 1}
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield server
    server.stop()
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved_conf
    celery_app._pool, celery_app.amqp._producer_pool = saved_pools


@pytest.mark.django_db
def test_redis_stopped_pages_and_api_answer_and_jobs_say_not_queued(
    private_redis, login, engagement, account_manager
):
    browser = login(account_manager)
    _, key = api_key_create(actor=None, organization=engagement.provider, name="ATS")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    recompute = reverse("kpis:recompute", args=[engagement.pk])
    pages = [
        reverse(name, args=[engagement.pk])
        for name in ("engagements:detail", "kpis:overview", "kpis:targets", "recruiting:data")
    ]

    started = browser.post(recompute, follow=True).content.decode()
    assert "Recompute started" in started  # queued while Redis runs

    private_redis.stop()
    for url in pages:
        assert browser.get(url).status_code == 200, url
    assert api.get(reverse("api:engagement-list")).status_code == 200
    assert api.get(f"/api/v1/engagements/{engagement.pk}/requisitions/").status_code == 200
    before = time.monotonic()
    refused = browser.post(recompute, follow=True).content.decode()
    waited = time.monotonic() - before
    assert "could not be queued" in refused
    # Not a benchmark: the bound says the request is answered, not left hanging on Redis.
    assert waited < 10, waited

    private_redis.start()  # back on the same port: work is queued again
    assert "Recompute started" in browser.post(recompute, follow=True).content.decode()


# --- A worker killed in the middle of a recompute ---------------------------------------------


def worker_process(queue: str) -> subprocess.Popen:
    """A real Celery worker in its own process, on the test database and this test's queue."""
    config = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": database_url(config, config["NAME"]),
        "DJANGO_SETTINGS_MODULE": "rpo_portal.settings_test",
        # A task the killed worker had taken is handed out again at once, not hours later.
        "CELERY_VISIBILITY_TIMEOUT_SECONDS": "1",
    }
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "rpo_portal", "worker", "--pool=solo"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        + ["--loglevel=WARNING", "-Q", queue],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stored_values(engagement) -> list[tuple]:
    return list(
        MetricValue.objects.filter(engagement=engagement)
        .order_by("kpi", "grain", "period", "dimension", "segment")
        .values_list("kpi", "grain", "period", "dimension", "segment", "value", "n", "status")
    )


def recompute_locks(engagement) -> int:
    """Advisory locks on the engagement's recompute, in this database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [engagement.pk],
        )
        return cursor.fetchone()[0]


def wait_for_recompute_under_way(engagement) -> None:
    """Until a worker's recompute of the engagement is computing or saving (holding its lock)."""
    wait_for(
        lambda: (
            (recompute_progress(engagement_id=engagement.pk) or {}).get("message")
            in ("Computing KPI values", "Saving KPI values")
        ),
        120,
        "the recompute to be under way",
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_recompute_leaves_the_old_values_and_the_rerun_equals_a_clean_run(
    engagement,
):
    from django.core.management import call_command

    from kpis.tasks import recompute_engagement_metrics

    call_command("generate_data", "--engagement", engagement.slug, "--requisitions", "3000")
    engagement_metrics_recompute(engagement=engagement)
    call_command(
        "generate_data", "--engagement", engagement.slug, "--requisitions", "3000", "--seed", "2"
    )
    old_values = stored_values(engagement)
    runs = MetricRun.objects.filter(engagement=engagement).count()
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    # The imports queued their debounced recompute; this test sends its own, alone.
    redis.Redis.from_url(django_settings.REDIS_URL).delete(queue)

    worker = worker_process(queue)
    try:
        recompute_engagement_metrics.apply_async(args=[engagement.pk], queue=queue)
        wait_for_recompute_under_way(engagement)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()

    # The killed run's transaction is gone with its connection: old values, no run, no lock.
    wait_for(lambda: recompute_locks(engagement) == 0, 30, "the dead worker's lock to go")
    assert MetricRun.objects.filter(engagement=engagement).count() == runs
    assert stored_values(engagement) == old_values

    restarted = worker_process(queue)
    try:
        wait_for(
            lambda: MetricRun.objects.filter(engagement=engagement).count() == runs + 1,
            180,
            "the restarted worker to run the task it was handed again",
        )
        time.sleep(3)  # long enough for a second delivery, which must not come
    finally:
        restarted.terminate()
        restarted.wait(30)
    assert MetricRun.objects.filter(engagement=engagement).count() == runs + 1
    assert stored_values(engagement) != old_values

    # A clean run now finds every stored value already right: nothing to insert, change or
    # remove, and exactly as many values as it computes.
    clean = engagement_metrics_recompute(engagement=engagement)
    assert (clean.inserted, clean.updated, clean.deleted) == (0, 0, 0)
    assert MetricValue.objects.filter(engagement=engagement).count() == clean.value_count


# --- PostgreSQL restarted ---------------------------------------------------------------------


@pytest.fixture
def private_postgres(tmp_path_factory):
    """A PostgreSQL cluster of this test's own (the pgserver wheel), migrated."""
    import pgserver

    directory = tmp_path_factory.mktemp("pg")
    server = pgserver.get_server(directory, cleanup_mode="delete")
    server.psql("CREATE DATABASE rpo_fault;")
    yield server
    server.cleanup()


def restart(server) -> None:
    """Fast shutdown (every connection is cut), then start again on the same socket."""
    pid = server.get_pid()
    os.kill(pid, signal.SIGINT)
    wait_for(lambda: not _alive(pid), 30, "PostgreSQL to stop")
    server._postmaster_info = None
    server.ensure_postgres_running()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_after_postgresql_restarts_the_next_request_succeeds(private_postgres, tmp_path):
    socket_dir = private_postgres.get_postmaster_info().socket_dir
    env = {
        **os.environ,
        "DATABASE_URL": database_url({"USER": "postgres", "HOST": str(socket_dir)}, "rpo_fault"),
        "DJANGO_SETTINGS_MODULE": "rpo_portal.settings",
        "DJANGO_SECRET_KEY": "fault-test-secret-key-long-enough-for-the-checks-here",
        "DJANGO_SECURE": "false",
        "DATABASE_CONN_MAX_AGE": "600",
    }
    manage = [sys.executable, "manage.py"]
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True, "timeout": 600}
    migrated = subprocess.run([*manage, "migrate", "--noinput"], check=False, **run)  # noqa: S603
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    subprocess.run(  # noqa: S603
        [*manage, "create_engagement", "--client", "Acme", "--provider", "TB", "--slug", "e"],
        check=True,
        **run,
    )
    make_key = (
        "import django; django.setup();"
        "from accounts.models import Organization; from accounts.services import api_key_create;"
        "print(api_key_create(actor=None, organization=Organization.objects.get(name='TB'),"
        " name='probe')[1])"
    )
    key = subprocess.run(  # noqa: S603
        [sys.executable, "-c", make_key], check=True, **run
    ).stdout.split()[-1]
    port = free_port()
    web = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "rpo_portal.wsgi", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import urllib.request

        def get() -> int:
            request = urllib.request.Request(  # noqa: S310 - our own local server
                f"http://127.0.0.1:{port}/api/v1/engagements/",
                headers={"Authorization": f"Api-Key {key}", "Host": "localhost"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status

        wait_for(lambda: _answers(get), 60, "the web server")
        assert get() == 200  # the worker now holds a persistent connection

        restart(private_postgres)
        # The held connection died with the restart; the health check replaces it.
        assert get() == 200
        assert get() == 200
    finally:
        web.terminate()
        web.wait(30)


def _answers(get) -> bool:
    try:
        return get() == 200
    except OSError:
        return False


# --- Two beat schedulers ------------------------------------------------------------------------


NIGHTLY = "nightly-pipeline"


@pytest.mark.django_db(transaction=True)
def test_two_beat_schedulers_send_each_nightly_job_once(
    tmp_path, time_machine, monkeypatch, engagement
):
    import threading

    from operations.models import ScheduledRun
    from operations.schedule import OncePerSlotScheduler
    from tests.kpis.sample import import_sample

    import_sample(engagement)  # stale: the nightly recompute has work to do
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    # The nightly job alone: other entries due at 02:00 (e-mail catch-up) are not under test.
    schedule = {
        name: {**entry, "options": {"queue": queue}}
        for name, entry in django_settings.CELERY_BEAT_SCHEDULE.items()
        if name == NIGHTLY
    }
    monkeypatch.setitem(celery_app.conf, "beat_schedule", schedule)
    time_machine.move_to(datetime(2026, 3, 2, 1, 59, 30, tzinfo=UTC), tick=False)
    beats = [
        OncePerSlotScheduler(
            app=celery_app, schedule_filename=str(tmp_path / f"beat-{i}"), lazy=False
        )
        for i in range(2)
    ]
    broker = redis.Redis.from_url(django_settings.REDIS_URL)
    broker.delete(queue)

    time_machine.move_to(datetime(2026, 3, 2, 2, 0, 1, tzinfo=UTC), tick=False)
    threads = [threading.Thread(target=beat.tick) for beat in beats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for beat in beats:
        beat.tick()  # a later tick of either sends nothing more for the same slot

    assert list(ScheduledRun.objects.values_list("job", "slot")) == [
        (NIGHTLY, datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    ]
    messages = broker.llen(queue)
    assert messages == 1, messages
    for beat in beats:
        beat.close()

    # The one message runs in a real worker: the nightly recompute runs once.
    from celery.contrib.testing.worker import start_worker

    time_machine.move_to(datetime(2026, 3, 2, 2, 0, 2, tzinfo=UTC), tick=True)
    with start_worker(celery_app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        wait_for(
            lambda: MetricRun.objects.filter(engagement=engagement).exists(),
            60,
            "the nightly recompute",
        )
        wait_for(lambda: broker.llen(queue) == 0, 10, "the queue to drain")
    assert MetricRun.objects.filter(engagement=engagement).count() == 1
    assert django_settings.CELERY_BEAT_SCHEDULE[NIGHTLY]["task"] == ScheduledRun.objects.get().task


def test_the_slot_is_when_the_job_was_due():
    from datetime import timedelta

    from celery.schedules import crontab, schedule

    from operations.schedule import last_due

    nightly = crontab(hour=2, minute=0)
    at = datetime(2026, 3, 2, 2, 0, 59, tzinfo=UTC)
    assert last_due(nightly, at) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    assert last_due(nightly, at - timedelta(minutes=5)) == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    weekly = crontab(hour=7, minute=30, day_of_week="mon")  # 2026-03-02 is a Monday
    assert last_due(weekly, datetime(2026, 3, 8, 23, 0, tzinfo=UTC)) == datetime(
        2026, 3, 2, 7, 30, tzinfo=UTC
    )
    every_ten = schedule(run_every=timedelta(minutes=10))
    assert last_due(every_ten, datetime(2026, 3, 2, 2, 17, 5, tzinfo=UTC)) == datetime(
        2026, 3, 2, 2, 10, tzinfo=UTC
    )
