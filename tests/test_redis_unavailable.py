"""Redis out of reach: pages and the API still answer; queued work says it was not queued.

Redis is made unreachable for this process only (the cache and the Celery broker pointed at a
port that accepts connections and never answers, and at one that refuses them), so the shared
server stays up for everything else.
"""

import socket
import threading

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.services import api_key_create
from kpis.progress import PROGRESS_UNKNOWN
from rpo_portal.celery import app as celery_app


def _silent_server():
    """A TCP port that accepts connections and never says a word (a hung Redis)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.listen(64)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, held


def _refusing_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: connecting is refused


@pytest.fixture(params=["hung", "refused"])
def redis_unavailable(request, settings):
    server = held = None
    if request.param == "hung":
        server, held = _silent_server()
        port = server.getsockname()[1]
    else:
        port = _refusing_port()
    url = f"redis://127.0.0.1:{port}/0"
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # Fresh connection and producer pools for the unreachable broker; the process's own pools
    # are set aside untouched and put back afterwards.
    saved_conf = (celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options))
    saved_pools = (celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = url
    celery_app.conf.broker_transport_options = {
        "socket_connect_timeout": 0.5,
        "socket_timeout": 0.5,
    }
    celery_app._pool = celery_app.amqp._producer_pool = None
    yield request.param
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url, celery_app.conf.broker_transport_options = saved_conf
    celery_app._pool, celery_app.amqp._producer_pool = saved_pools
    if server is not None:
        server.close()
        for connection in held:
            connection.close()


@pytest.mark.django_db
def test_kpi_pages_answer_with_progress_unknown(login, engagement, hr_lead, redis_unavailable):
    client = login(hr_lead)
    response = client.get(reverse("kpis:overview", args=[engagement.pk]))
    assert response.status_code == 200
    assert response.context["progress"] == PROGRESS_UNKNOWN
    assert "progress cannot be read right now" in response.content.decode()
    status = client.get(reverse("kpis:recompute_status", args=[engagement.pk]))
    assert status.status_code == 200


@pytest.mark.django_db
def test_recompute_now_says_it_could_not_be_queued(login, engagement, hr_lead, redis_unavailable):
    client = login(hr_lead)
    url = reverse("kpis:recompute", args=[engagement.pk])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "could not be queued" in response.content.decode()
    fragment = client.post(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "could not be queued" in fragment.content.decode()


@pytest.mark.django_db
def test_every_engagement_page_answers(login, engagement, account_manager, redis_unavailable):
    client = login(account_manager)
    for name in ["engagements:detail", "kpis:overview", "kpis:targets", "recruiting:data"]:
        assert client.get(reverse(name, args=[engagement.pk])).status_code == 200, name


@pytest.mark.django_db
def test_an_import_still_commits(login, engagement, account_manager, redis_unavailable):
    """The recompute after an import cannot be queued: the import stands, marked for the
    nightly run."""
    from kpis.selectors import metrics_state_of
    from recruiting.models import Requisition
    from tests.recruiting.helpers import requisitions

    requisitions(engagement, "R1,Engineer,2025-01-10")
    assert Requisition.objects.filter(engagement=engagement).count() == 1
    assert metrics_state_of(engagement=engagement).data_changed_at is not None


@pytest.mark.django_db
def test_the_api_answers_unthrottled(engagement, redis_unavailable):
    _, key = api_key_create(
        actor=None, organization=engagement.provider, name="ATS", role=Role.ACCOUNT_MANAGER
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = api.get(reverse("api:engagement-detail", args=[engagement.pk]))
    assert response.status_code == 200
