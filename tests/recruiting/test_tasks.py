"""Large web imports run in a real Celery worker, with a progress bar that polls."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recruiting.models import ImportStatus, Requisition
from recruiting.services import import_run_execute, import_upload_preview
from rpo_portal.celery import app
from tests.recruiting.helpers import csv_bytes


def big_file(rows: int) -> bytes:
    return csv_bytes(
        "external_id,title,opened_on", *[f"R{i},Role {i},2025-01-10" for i in range(rows)]
    )


@pytest.mark.django_db(transaction=True)
def test_large_import_runs_in_a_worker_with_progress(settings, login, engagement, account_manager):
    settings.RPO_IMPORT_ASYNC_ROWS = 20
    client = login(account_manager)
    response = client.post(
        reverse("recruiting:import", args=[engagement.pk]),
        {"file": SimpleUploadedFile("requisitions.csv", big_file(50)), "kind": ""},
    )
    result = response.context["result"]
    assert result.ok and result.rows == 50
    assert b"imported in the background" in response.content
    run = result.run

    confirm = reverse("recruiting:import-confirm", args=[engagement.pk, run.pk])
    assert client.post(confirm).status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.QUEUED
    assert not Requisition.objects.exists()

    status_url = reverse("recruiting:import-run", args=[engagement.pk, run.pk])
    fragment = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="import-status"')
    assert 'hx-trigger="every 1s"' in fragment and "<progress" in fragment

    app.loader.import_default_modules()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        deadline = time.monotonic() + 60
        while run.status != ImportStatus.SUCCEEDED:
            assert time.monotonic() < deadline, f"the worker never finished: {run.status}"
            time.sleep(0.2)
            run.refresh_from_db()
    assert (run.created, run.updated, run.unchanged, run.progress) == (50, 0, 0, 100)
    assert Requisition.objects.filter(engagement=engagement).count() == 50
    fragment = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "Imported" in fragment


@pytest.mark.django_db
def test_executing_a_run_twice_imports_once(engagement, account_manager):
    result = import_upload_preview(
        actor=account_manager,
        engagement=engagement,
        file=big_file(3),
        file_name="requisitions.csv",
    )
    run = result.run
    run.status = ImportStatus.QUEUED
    run.save()
    assert import_run_execute(run_id=run.pk).status == ImportStatus.SUCCEEDED
    again = import_run_execute(run_id=run.pk)  # a retried task finds it done
    assert (again.status, again.created) == (ImportStatus.SUCCEEDED, 3)
    assert Requisition.objects.count() == 3
