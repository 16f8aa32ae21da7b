"""The audit trail: every governance model tracked, who acted (person, API key, job), the page
per engagement with its filters and CSV export, and nothing able to rewrite the trail."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Event
from rest_framework.test import APIClient

from accounts.models import ApiKey, Membership, Role
from accounts.services import api_key_create
from engagements import audit
from engagements.models import Engagement
from reviews.models import Decision, Meeting
from reviews.services import decision_create, risk_create
from reviews.tasks import schedule_reviews
from tests.factories import member

pytestmark = pytest.mark.django_db

# Engagement data that is not governance: bulk records imported from the ATS, values computed
# from them, job logs and per-person delivery records. They change by the thousand on every
# import or recompute (the import run, tracked, says who loaded the data), and the
# credentials among them (calendar tokens) must not be copied into history.
NOT_AUDITED = {
    # Imported recruiting records (bulk, replaced by each import; the ImportRun records it).
    "recruiting.Requisition",
    "recruiting.Application",
    "recruiting.Survey",
    "recruiting.QualityReview",
    "recruiting.Cost",
    "recruiting.HiringPlanLine",
    # Computed from the imported records (recomputed nightly; inputs are the agreed targets).
    "kpis.MetricValue",
    "kpis.MetricRun",
    "kpis.EngagementMetricsState",
    "sla.SlaOutcome",
    "sla.Warning",
    "sla.SlaEvaluationRun",
    "forecasts.HiringForecast",
    "sla.BreachForecast",
    # Market benchmarks are imported records too (replaced by key; the ImportRun records it).
    "recruiting.MarketBenchmark",
    # Generated files and their delivery, reminders and notifications: outputs, not decisions.
    "reviews.QbrPack",
    "reviews.QbrDelivery",
    "reviews.QbrSubscription",
    "notifications.Notification",
    # A personal calendar-feed credential (only its hash is stored; not a governance record).
    "reviews.CalendarToken",
}
# Governance models reached through an organization rather than an engagement column.
PARTY_MODELS = {"accounts.Membership", "accounts.ApiKey", "accounts.Organization"}


def _tracked_labels() -> set[str]:
    return {
        m.pgh_tracked_model._meta.label
        for m in apps.get_models()
        if issubclass(m, Event) and m.pgh_tracked_model._meta.app_label != "pghistory"
    }


def _engagement_models() -> set[str]:
    """Every model of the project with a foreign key to the engagement (event models aside)."""
    found = set()
    for model in apps.get_models():
        if issubclass(model, Event) or model._meta.app_label in ("pghistory", "auth"):
            continue
        for field in model._meta.fields:
            if field.is_relation and field.related_model is Engagement:
                found.add(model._meta.label)
    return found


def test_every_governance_model_is_tracked():
    governance = (_engagement_models() - NOT_AUDITED) | PARTY_MODELS | {"engagements.Engagement"}
    assert {
        "sla.SlaClause",
        "sla.Breach",
        "sla.BreachEvent",
        "kpis.KpiTarget",
        "reviews.Meeting",
        "reviews.Decision",
        "reviews.ActionItem",
        "reviews.Risk",
        "recruiting.ImportRun",
    } <= governance
    assert governance - _tracked_labels() == set(), "track these models with pghistory"
    assert _engagement_models() >= NOT_AUDITED, "an excluded model no longer exists"
    audited = {m.pgh_tracked_model._meta.label for m in audit.audited_event_models()}
    assert governance <= audited, "the audit page must reach every tracked governance model"


def test_deletes_are_recorded(engagement, hr_lead):
    decision = decision_create(
        actor=hr_lead,
        engagement=engagement,
        title="Open a second sourcing hub",
        decided_by=hr_lead,
        decided_on=date(2026, 3, 2),
    )
    Decision.objects.filter(pk=decision.pk).delete()
    events = audit.audit_events(
        engagement=engagement, filters=audit.AuditFilters(model="reviews.Decision")
    )
    assert [e.action for e in events] == ["Deleted", "Created"]


def _raw(sql: str, params=None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_to_edit_or_delete_the_trail(engagement, hr_lead):
    with transaction.atomic():
        risk = risk_create(
            actor=hr_lead,
            engagement=engagement,
            title="Hiring freeze",
            category="capacity",
            likelihood=3,
            impact=4,
            treatment="mitigate",
            owner=hr_lead,
            next_review_on=date(2026, 6, 1),
        )
    tables = [m._meta.db_table for m in audit.audited_event_models()]
    risk_table = next(t for t in tables if t == "reviews_riskevent")
    for sql in (
        f"UPDATE {risk_table} SET title = 'Nothing happened'",  # noqa: S608
        f"DELETE FROM {risk_table}",  # noqa: S608
    ):
        with pytest.raises(DatabaseError, match="append_only"):
            _raw(sql)
    # Every event table carries the guard, not only this one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger_append_only_%%'"
        )
        guarded = {row[0] for row in cursor}
    assert set(tables) <= guarded
    # Who acted is kept too: contexts cannot be deleted or re-dated.
    for sql in (
        "DELETE FROM pghistory_context",
        "UPDATE pghistory_context SET created_at = now() - interval '1 year'",
    ):
        with pytest.raises(DatabaseError, match="audit trail cannot"):
            _raw(sql)
    # Nothing was changed by the refused statements.
    assert [e.obj_label for e in _events(engagement, model="reviews.Risk")] == [
        f"{risk.title} (#{risk.pk})"
    ]


def test_the_admin_cannot_change_or_delete_events(rf, admin_user):
    from django.contrib import admin

    request = rf.get("/")
    request.user = admin_user
    event_admins = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label == "pghistory" or issubclass(model, Event)
    ]
    assert event_admins, "pghistory's admin lists the events"
    for model_admin in event_admins:
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_no_code_switches_the_guard_off():
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if ".venv" not in path.parts
        and "tests" not in path.parts
        and any(word in path.read_text() for word in ("pgtrigger.ignore", "import ignore"))
    ]
    assert offenders == [], "nothing may skip the audit trail's append-only triggers"


# --- Who acted ---------------------------------------------------------------------------------


def _events(engagement, **filters):
    return audit.audit_events(engagement=engagement, filters=audit.AuditFilters(**filters))


def test_a_person_is_named_with_the_request(login, engagement, client_admin):
    client = login(client_admin)
    response = client.post(
        reverse("engagements:edit", args=[engagement.pk]),
        {
            "name": "Renamed programme",
            "model": engagement.model,
            "status": engagement.status,
            "currency": engagement.currency,
        },
    )
    assert response.status_code in (200, 302)
    changed = [e for e in _events(engagement, model="engagements.Engagement") if e.changes]
    assert changed, "the edit is recorded"
    assert changed[0].who == str(client_admin) and changed[0].who_kind == "user"
    assert changed[0].url == reverse("engagements:edit", args=[engagement.pk])


def test_an_api_key_is_named(engagement, account_manager):
    """Keys may not sign governance changes (a person does); what they load is on record."""
    _, text = api_key_create(
        actor=account_manager, organization=engagement.provider, name="ATS sync"
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    url = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
    rows = [{"external_id": "R-1", "title": "Engineer", "opened_on": "2025-01-02"}]
    response = api.post(url, rows, format="json")
    assert response.status_code == 200, response.content
    runs = _events(engagement, model="recruiting.ImportRun")
    assert runs and {e.who_kind for e in runs} == {"api_key"}
    assert "ATS sync" in runs[0].who and runs[0].url == url
    key = _events(engagement, model="accounts.ApiKey")[0]
    assert key.action == "Created" and key.who_kind == "system"  # made outside any request


def test_a_celery_task_is_named(login, engagement, hr_lead):
    schedule_reviews.apply().get()
    meetings = _events(engagement, model="reviews.Meeting")
    assert meetings and Meeting.objects.filter(engagement=engagement).exists()
    assert {e.who_kind for e in meetings} == {"job"}
    assert {e.job for e in meetings} == {"reviews.tasks.schedule_reviews"}
    assert all(e.task_id for e in meetings)
    # The page shows it, and filters by it.
    page = login(hr_lead).get(
        reverse("engagements:audit", args=[engagement.pk]),
        {"who": "job:reviews.tasks.schedule_reviews"},
    )
    assert page.status_code == 200
    assert "Job: reviews.tasks.schedule_reviews" in page.text
    assert page.context["total"] >= len(meetings)


@pytest.mark.django_db(transaction=True)
def test_a_task_in_a_real_worker_is_named(engagement):
    import time

    from celery.contrib.testing.worker import start_worker

    from rpo_portal.celery import app

    app.loader.import_default_modules()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        schedule_reviews.apply_async()
        deadline = time.monotonic() + 60
        while not Meeting.objects.filter(engagement=engagement).exists():
            assert time.monotonic() < deadline, "the worker never scheduled the meetings"
            time.sleep(0.2)
        # The task's transaction for the engagement is committed with its meetings.
    meetings = _events(engagement, model="reviews.Meeting")
    assert meetings and {e.job for e in meetings} == {"reviews.tasks.schedule_reviews"}
    assert len({e.task_id for e in meetings}) == 1


def test_a_management_command_is_named(engagement):
    call_command("schedule_reviews", engagement=engagement.slug, stdout=io.StringIO())
    meetings = _events(engagement, model="reviews.Meeting")
    assert meetings and {e.job for e in meetings} == {"manage.py schedule_reviews"}


def test_every_command_records_its_job():
    from django.conf import settings
    from django.core.management import get_commands, load_command_class

    from rpo_portal.jobs import JobCommand

    # The project's own apps: under the project's folder, not installed packages (a virtualenv
    # may live inside the project's folder, as `make install` puts it).
    project = {
        c.name
        for c in apps.get_app_configs()
        if c.path.startswith(str(settings.BASE_DIR)) and "site-packages" not in c.path
    }
    ours = {name: app for name, app in get_commands().items() if app in project}
    assert "seed_demo" in ours
    for name, app in ours.items():
        command = load_command_class(app, name)
        assert isinstance(command, JobCommand), name
        # Only the demo loader acts as the people it names instead of as a job.
        assert command.audit_as_job == (name != "seed_demo"), name


def test_the_demo_shows_a_person_an_api_key_and_a_job(login):
    call_command("seed_demo", stdout=io.StringIO())
    engagement = Engagement.objects.get(slug="acme-talentbridge")
    kinds = {
        e.who_kind: e
        for e in audit.audit_events(
            engagement=engagement, filters=audit.AuditFilters(), limit=100_000
        )
    }
    assert {"user", "api_key", "job"} <= set(kinds)
    assert "Workday sync" in kinds["api_key"].who
    assert kinds["job"].job == "manage.py schedule_reviews"
    hr_lead = Membership.objects.get(organization=engagement.client, role=Role.HR_LEAD).user
    page = login(hr_lead).get(reverse("engagements:audit", args=[engagement.pk]))
    assert page.status_code == 200
    actors = dict(page.context["form"].fields["who"].choices)
    assert any(value.startswith("api_key:") for value in actors)
    assert "job:manage.py schedule_reviews" in actors


# --- The page ----------------------------------------------------------------------------------


@pytest.fixture
def history(engagement, hr_lead, account_manager, other_engagement):
    """Changes by a person in this engagement and, elsewhere, in another tenant."""
    for n in range(3):
        decision_create(
            actor=hr_lead,
            engagement=engagement,
            title=f'=HYPERLINK("http://x") decision {n}',
            decided_by=hr_lead,
            decided_on=date(2026, 3, 2),
        )
    outsider_lead = member(other_engagement.client, Role.HR_LEAD)
    decision_create(
        actor=outsider_lead,
        engagement=other_engagement,
        title="Secret decision of another client",
        decided_by=outsider_lead,
        decided_on=date(2026, 3, 2),
    )
    api_key_create(actor=outsider_lead, organization=other_engagement.client, name="Their key")
    return engagement


def test_the_page_lists_this_engagements_changes_only(login, history, hr_lead):
    response = login(hr_lead).get(reverse("engagements:audit", args=[history.pk]))
    assert response.status_code == 200
    assert "decision 2" in response.text
    assert "Secret decision" not in response.text and "Their key" not in response.text
    events = response.context["events"]
    assert events == sorted(events, key=lambda e: e.when, reverse=True)
    membership = [e for e in events if e.model == Membership._meta.verbose_name.capitalize()]
    assert membership, "the parties' memberships are on the trail"


def test_filters_by_who_what_and_when(login, history, hr_lead, account_manager):
    client = login(hr_lead)
    url = reverse("engagements:audit", args=[history.pk])
    decisions = client.get(url, {"model": "reviews.Decision"}).context
    assert decisions["total"] == 3
    by_hr_lead = client.get(url, {"who": f"user:{hr_lead.pk}"}).context["events"]
    assert by_hr_lead and {e.who for e in by_hr_lead} == {str(hr_lead)}
    today = timezone.localdate()
    assert client.get(url, {"until": str(today - timedelta(days=1))}).context["total"] == 0
    assert client.get(url, {"since": str(today), "until": str(today)}).context["total"] > 3
    # A nonsense filter is refused by the form and filters nothing.
    bad = client.get(url, {"since": "yesterday", "model": "auth.Permission"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_pages_of_fifty(login, history, hr_lead, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    client = login(hr_lead)
    url = reverse("engagements:audit", args=[history.pk])
    first = client.get(url, {"model": "reviews.Decision"}).context
    second = client.get(url, {"model": "reviews.Decision", "page": 2}).context
    assert first["pages"] == 2 and len(first["events"]) == 2 and len(second["events"]) == 1
    assert not {id(e) for e in first["events"]} & {id(e) for e in second["events"]}
    assert first["events"][0].obj_label != second["events"][0].obj_label


def test_csv_export_is_filtered_and_formula_safe(login, history, hr_lead):
    response = login(hr_lead).get(
        reverse("engagements:audit_export", args=[history.pk]), {"model": "reviews.Decision"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["when (UTC)", "who", "acting as"]
    assert len(rows) == 4
    assert {row[3] for row in rows[1:]} == {"Decision"}
    assert all(row[4].startswith("'=HYPERLINK") for row in rows[1:])
    assert "Secret decision" not in text


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_asks_a_fixed_number_of_queries(login, engagement, hr_lead, account_manager):
    client = login(hr_lead)
    url = reverse("engagements:audit", args=[engagement.pk])
    decision_create(
        actor=hr_lead,
        engagement=engagement,
        title="First",
        decided_by=hr_lead,
        decided_on=date(2026, 3, 2),
    )
    few = _queries(client, url)
    for n in range(20):
        decision_create(
            actor=account_manager,
            engagement=engagement,
            title=f"More {n}",
            decided_by=account_manager,
            decided_on=date(2026, 3, 2),
        )
    risk_create(
        actor=account_manager,
        engagement=engagement,
        title="Attrition",
        category="capacity",
        likelihood=3,
        impact=3,
        treatment="mitigate",
        owner=account_manager,
        next_review_on=date(2026, 6, 1),
    )
    api_key_create(actor=hr_lead, organization=engagement.client, name="Sync")
    assert _queries(client, url) == few


@pytest.mark.parametrize("name", ["engagements:audit", "engagements:audit_export"])
def test_outsider_gets_404(login, engagement, outsider, name):
    assert login(outsider).get(reverse(name, args=[engagement.pk])).status_code == 404


@pytest.mark.parametrize("role", ["client_viewer", "recruiter"])
@pytest.mark.parametrize("name", ["engagements:audit", "engagements:audit_export"])
def test_viewers_and_recruiters_get_403(request, login, engagement, role, name):
    user = request.getfixturevalue(role)
    assert login(user).get(reverse(name, args=[engagement.pk])).status_code == 403


@pytest.mark.parametrize("role", ["client_admin", "hr_lead", "provider_admin", "account_manager"])
def test_leads_and_managers_see_it_from_the_contract_tab(request, login, engagement, role):
    client = login(request.getfixturevalue(role))
    contract = client.get(reverse("engagements:contract", args=[engagement.pk]))
    assert reverse("engagements:audit", args=[engagement.pk]) in contract.text
    assert client.get(reverse("engagements:audit", args=[engagement.pk])).status_code == 200


def test_api_key_history_keeps_no_secret_and_no_use(engagement, client_admin):
    key, _ = api_key_create(actor=client_admin, organization=engagement.client, name="ATS")
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    events = _events(engagement, model="accounts.ApiKey")
    assert len(events) == 1, "using a key is not a change to it"
    event_model = next(m for m in audit.audited_event_models() if m.pgh_tracked_model is ApiKey)
    assert "secret_hash" not in {f.name for f in event_model._meta.fields}
