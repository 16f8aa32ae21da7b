"""Recompute runs: which engagements, never two at once, debounced after imports."""

import io
import threading

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from engagements.services import engagement_mark_data_changed
from kpis import progress
from kpis.models import MetricRun, MetricValue
from kpis.services import engagement_metrics_recompute, engagements_to_recompute
from tests.kpis.conftest import AS_OF
from tests.kpis.freshness import data_changed_at
from tests.kpis.sample import import_sample


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("recompute_metrics", *args, stdout=out)
    return out.getvalue()


def test_without_full_only_changed_or_never_computed_engagements(engagement, other_engagement):
    assert set(engagements_to_recompute()) >= {engagement, other_engagement}
    output = run_command("--as-of", AS_OF.isoformat())
    assert engagement.slug in output and other_engagement.slug in output
    assert run_command() == "Nothing to recompute: no data changed since the last run.\n"
    engagement_mark_data_changed(engagement=engagement)
    assert list(engagements_to_recompute()) == [engagement]
    output = run_command("--as-of", AS_OF.isoformat())
    assert engagement.slug in output and other_engagement.slug not in output
    assert other_engagement.slug in run_command("--full", "--engagement", other_engagement.slug)


def test_command_rejects_unknown_engagement_and_bad_dates(engagement):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run_command("--engagement", "nope")
    with pytest.raises(CommandError):
        run_command("--as-of", "30/09/2025")


def test_each_run_is_recorded_with_its_as_of(engagement):
    import_sample(engagement)
    run_command("--engagement", engagement.slug, "--as-of", AS_OF.isoformat())
    run = MetricRun.objects.get(engagement=engagement)
    assert run.as_of == AS_OF and run.value_count == run.inserted > 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_exactly_one_computes(engagement):
    """The first run is held inside its transaction; the second meanwhile exits at once."""
    import_sample(engagement)
    started, release = threading.Event(), threading.Event()
    results = []

    def hold(message):
        if not started.is_set():
            started.set()
            release.wait(60)

    def first_run():
        try:
            results.append(
                engagement_metrics_recompute(engagement=engagement, as_of=AS_OF, progress=hold)
            )
        finally:
            connection.close()

    worker = threading.Thread(target=first_run)
    worker.start()
    try:
        assert started.wait(60)
        second = engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
        output = run_command("--engagement", engagement.slug, "--full")
    finally:
        release.set()
        worker.join(60)
    assert not second.computed
    assert "already being recomputed, skipped" in output
    assert len(results) == 1 and results[0].computed
    assert MetricRun.objects.filter(engagement=engagement).count() == 1
    assert MetricValue.objects.filter(engagement=engagement).count() == results[0].value_count


@pytest.mark.django_db(transaction=True)
def test_a_run_that_fails_halfway_keeps_the_previous_values(engagement):
    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    before = set(MetricValue.objects.values_list("kpi", "period", "segment", "value"))

    def die(message):
        if message == "Saving KPI values":
            raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        engagement_metrics_recompute(
            engagement=engagement, as_of=AS_OF.replace(day=1), progress=die
        )
    assert set(MetricValue.objects.values_list("kpi", "period", "segment", "value")) == before


def test_a_burst_of_imports_enqueues_one_recompute(engagement, django_capture_on_commit_callbacks):
    key = progress._pending_key(engagement.pk)
    cache.delete(key)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        engagement_mark_data_changed(engagement=engagement)
        engagement_mark_data_changed(engagement=engagement)
    assert len(callbacks) == 2
    assert cache.get(key) == 1  # the first enqueued; the second found it waiting
    assert progress.metrics_recompute_schedule(engagement_id=engagement.pk) is False
    progress.metrics_recompute_task_run(engagement_id=engagement.pk)  # the worker starts
    assert cache.get(key) is None
    assert progress.metrics_recompute_schedule(engagement_id=engagement.pk) is True
    cache.delete(key)


def test_importing_marks_the_engagement_for_recompute(engagement):
    import_sample(engagement)
    assert data_changed_at(engagement) is not None
    assert engagement in engagements_to_recompute()


def test_the_nightly_schedule_runs_the_pipeline_that_starts_with_the_stale_recompute():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["nightly-pipeline"]
    assert entry["task"] == "sla.tasks.nightly_pipeline"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {0}


def test_the_tasks_run_the_recompute(engagement, other_engagement):
    from kpis.tasks import recompute_engagement_metrics, recompute_stale_metrics

    import_sample(engagement)
    recompute_engagement_metrics.apply(args=[engagement.pk])
    assert MetricRun.objects.filter(engagement=engagement).count() == 1
    assert progress.recompute_progress(engagement_id=engagement.pk)["state"] == "done"
    recompute_stale_metrics.apply()
    assert MetricRun.objects.filter(engagement=other_engagement).count() == 1
    assert MetricRun.objects.filter(engagement=engagement).count() == 1  # unchanged since


def test_a_running_status_without_the_runs_lock_is_interrupted(login, engagement, hr_lead):
    """A worker killed mid-run leaves "running" in Redis but holds the lock no longer (it
    ended with its connection): the page says the run stopped and offers "Recompute now"."""
    from kpis.services import LOCK_CLASS

    progress.recompute_progress_set(
        engagement_id=engagement.pk, state="running", message="Computing KPI values"
    )
    page = (
        login(hr_lead)
        .get(reverse("engagements:panel", args=[engagement.pk, "freshness"]))
        .content.decode()
    )
    assert progress.recompute_progress(engagement_id=engagement.pk) == progress.PROGRESS_INTERRUPTED
    assert "stopped before it finished" in page and "Recompute now" in page
    # A run under way holds the lock: its "running" stands.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, engagement.pk])
    assert progress.recompute_progress(engagement_id=engagement.pk)["state"] == "running"
    page = (
        login(hr_lead)
        .get(reverse("engagements:panel", args=[engagement.pk, "freshness"]))
        .content.decode()
    )
    assert "Recompute now" not in page
