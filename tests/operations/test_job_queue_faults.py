"""The job queue out of reach or frozen, and a worker child lost mid-task, with real servers.

Each test breaks only what it started itself: a private redis-server (frozen with `CLIENT
PAUSE`), a closed port, or a prefork worker of its own whose child it kills.
"""

from __future__ import annotations

import time

import pytest
import redis
from django.db import connection
from django.urls import reverse

from rpo_portal import tenant_db
from rpo_portal.celery import app as celery_app
from tests.operations.test_faults import PrivateRedis, free_port
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
