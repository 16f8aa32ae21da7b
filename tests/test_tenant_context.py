"""Row-level security in use: requests, API keys, tasks and commands run as the application role
with their tenant context, and the database alone hides other tenants' rows from them.

`tests/test_row_level_security.py` proves the policies with raw SQL; here the application's
own entry points are probed. The strongest probe bypasses the application's tenancy gate
(`engagements.access.engagements_for` answers every engagement) and walks every engagement URL
as an outsider: row-level security alone must still answer 404 everywhere.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from accounts.tenant_middleware import TenantTransactionMiddleware
from engagements import access
from engagements.models import Engagement
from rpo_portal import tenant_db
from rpo_portal.jobs import JobCommand
from rpo_portal.tenant_db import APP_ROLE
from tests.factories import EngagementFactory, MembershipFactory, UserFactory
from tests.test_tenancy_urls import ALL, _value


def session_state() -> tuple[str, list[int], list[int]]:
    """(current role, tenant context, ids of the engagements visible) of this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        role = cursor.fetchone()[0]
    return role, tenant_db.current_tenant(), sorted(Engagement.objects.values_list("pk", flat=True))


def owner_role() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user")
        return cursor.fetchone()[0]


def member(engagement, side: str = "client", role=Role.HR_LEAD):
    organization = engagement.client if side == "client" else engagement.provider
    return MembershipFactory(organization=organization, role=role).user


@pytest.fixture
def two_tenants(db):
    mine, theirs = EngagementFactory(), EngagementFactory()
    return mine, theirs


# --- Requests ---------------------------------------------------------------------------------


def run_middleware(user, probe):
    request = RequestFactory().get("/probe/")
    request.user = user
    seen = {}

    def get_response(request):
        seen["state"] = session_state()
        seen["atomic"] = connection.in_atomic_block
        return probe(request) if probe else HttpResponse("ok")

    response = TenantTransactionMiddleware(get_response)(request)
    return response, seen


def test_a_request_runs_as_the_application_role_with_its_users_organizations(two_tenants):
    mine, theirs = two_tenants
    user = member(mine)
    _, seen = run_middleware(user, None)
    role, context, visible = seen["state"]
    assert role == APP_ROLE
    assert context == [mine.client_id]
    assert visible == [mine.pk]  # no filter in the query: the database hid the other one
    assert seen["atomic"]
    assert session_state()[0] == owner_role()  # the test's connection is the owner's again


def test_an_anonymous_request_sees_no_engagement(two_tenants):
    from django.contrib.auth.models import AnonymousUser

    _, seen = run_middleware(AnonymousUser(), None)
    assert seen["state"] == (APP_ROLE, [], [])


def test_a_failed_request_writes_nothing(two_tenants):
    mine, _ = two_tenants
    user = member(mine)

    def failing(request):
        Engagement.objects.filter(pk=mine.pk).update(name="changed by a failed request")
        return HttpResponse(status=500)

    response, _ = run_middleware(user, failing)
    assert response.status_code == 500
    mine.refresh_from_db()
    assert mine.name != "changed by a failed request"


def test_a_request_cannot_write_into_another_tenant(two_tenants):
    mine, theirs = two_tenants
    user = member(mine)

    def probe(request):
        updated = Engagement.objects.filter(pk=theirs.pk).update(name="taken over")
        return HttpResponse(str(updated))

    response, _ = run_middleware(user, probe)
    assert response.content == b"0"
    theirs.refresh_from_db()
    assert theirs.name != "taken over"


@pytest.fixture
def gate_bypassed(monkeypatch):
    """The application's tenancy gate answers every engagement to everyone."""
    monkeypatch.setattr(access, "engagements_for", lambda principal: Engagement.objects.all())


def test_the_bypassed_gate_really_lets_an_outsider_through_without_rls(
    gate_bypassed, engagement, outsider
):
    """The control: outside a request (the owner, no row-level security) the patched gate
    hands the outsider the victim's engagement, so the 404s below are the database's."""
    assert access.get_engagement_for(outsider, engagement.pk) == engagement


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwargs"), ALL, ids=[r for r, _, _ in ALL])
def test_with_the_gate_bypassed_rls_alone_gives_an_outsider_404(
    gate_bypassed, login, engagement, outsider, route, name, kwargs
):
    url = reverse(name, kwargs={k: _value(k, engagement.pk) for k in kwargs})
    client = login(outsider)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"


def test_with_the_gate_bypassed_the_lists_show_only_the_users_engagements(
    gate_bypassed, login, engagement, outsider, other_engagement
):
    page = login(outsider).get(reverse("engagements:home"))
    assert page.status_code == 200
    assert other_engagement.name in page.content.decode()
    assert engagement.name not in page.content.decode()
    listed = login(outsider).get("/api/v1/engagements/").json()
    ids = {row["id"] for row in listed.get("results", listed)}
    assert ids == {other_engagement.pk}


def test_an_api_key_makes_its_organization_the_tenant(gate_bypassed, two_tenants):
    from rest_framework.test import APIClient

    from accounts.services import api_key_create

    mine, theirs = two_tenants
    _, text = api_key_create(actor=None, organization=mine.client, name="ATS", role=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {text}")
    listed = api.get("/api/v1/engagements/").json()
    assert {row["id"] for row in listed.get("results", listed)} == {mine.pk}
    assert api.get(f"/api/v1/engagements/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/engagements/{mine.pk}/").status_code == 200


def test_a_streamed_export_runs_in_the_requests_tenant(login, engagement, hr_lead):
    """A CSV export is produced after the middleware returns: it gets the same role and
    context (as the owner it would read every tenant; as the role without context, nothing)."""
    from tests.site_records import make_every_record

    make_every_record(engagement)
    url = reverse("engagements:audit_export", kwargs={"engagement_id": engagement.pk})
    response = login(hr_lead).get(url)
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content).decode()
    assert len(body.splitlines()) > 2
    assert session_state()[0] == owner_role()


def test_an_after_commit_callback_runs_in_the_context_it_was_registered_in(
    two_tenants, django_capture_on_commit_callbacks
):
    """After the commit a request has no tenant context: a callback registered through
    `on_commit_in_tenant` gets the request's back, as the application role."""
    mine, theirs = two_tenants
    seen = []
    with (
        django_capture_on_commit_callbacks(execute=True),
        tenant_db.tenant_transaction([mine.client_id]),
    ):
        tenant_db.on_commit_in_tenant(lambda: seen.append(session_state()))
    assert seen == [(APP_ROLE, [mine.client_id], [mine.pk])]
    assert session_state() == (owner_role(), [], sorted([mine.pk, theirs.pk]))


# --- Jobs: tasks and commands -----------------------------------------------------------------


def test_a_job_holds_its_engagements_tenant_and_gives_it_back(two_tenants):
    mine, theirs = two_tenants
    with tenant_db.job_engagements([mine.pk]):
        role, context, visible = session_state()
        with transaction.atomic():  # a transaction inside the job keeps it
            assert session_state()[2] == [mine.pk]
    assert role == APP_ROLE
    assert context == sorted([mine.client_id, mine.provider_id])
    assert visible == [mine.pk]
    assert session_state() == (owner_role(), [], sorted([mine.pk, theirs.pk]))


def test_a_task_sees_only_the_engagements_it_was_given(two_tenants, monkeypatch):
    from kpis import services
    from kpis.tasks import recompute_metrics_batch

    mine, theirs = two_tenants
    seen = {}

    def probe(*, engagement_ids, as_of):
        seen["state"] = session_state()
        return []

    monkeypatch.setattr(services, "metrics_recompute_batch", probe)
    recompute_metrics_batch.apply(args=[[mine.pk], "2026-01-31"]).get()
    assert seen["state"] == (APP_ROLE, sorted([mine.client_id, mine.provider_id]), [mine.pk])


def _clause_of(engagement):
    """One SLA clause of `engagement`: a row of engagement data (sla_slaclause has the policy)."""
    from django.utils import timezone

    from sla.models import SlaClause, SlaSchedule

    schedule = SlaSchedule.objects.create(
        engagement=engagement,
        state="proposed",
        proposed_by_party="provider",
        proposed_at=timezone.now(),
        proposed_by=UserFactory(),
    )
    return SlaClause.objects.create(
        engagement=engagement,
        schedule=schedule,
        key="TTF",
        kpi="time_to_fill",
        grain="month",
        dimension="all",
        segment="all",
        threshold=40,
        effective_from=date(2025, 1, 1),
        pct=2,
    )


def visible_clauses() -> list[int]:
    from sla.models import SlaClause

    return sorted(SlaClause.objects.values_list("engagement_id", flat=True))


@pytest.fixture
def one_provider_two_clients(db):
    """Two engagements of one provider, a clause each: a job on one must not see the other's."""
    mine = EngagementFactory()
    sibling = EngagementFactory(provider=mine.provider)
    _clause_of(mine), _clause_of(sibling)
    return mine, sibling


def test_a_job_sees_the_data_of_its_engagements_only_not_of_its_parties_others(
    one_provider_two_clients,
):
    mine, sibling = one_provider_two_clients
    with tenant_db.job_engagements([mine.pk]):
        assert tenant_db.current_engagements() == [mine.pk]
        assert visible_clauses() == [mine.pk]
        # The engagements themselves are visible by their parties (the provider's both).
        assert session_state()[2] == sorted([mine.pk, sibling.pk])
    with tenant_db.job_tenant([mine.provider_id]):  # the provider's tenant: both engagements
        assert tenant_db.current_engagements() is None
        assert visible_clauses() == sorted([mine.pk, sibling.pk])
    assert tenant_db.current_engagements() is None and tenant_db.current_tenant() == []


def test_a_batch_narrows_its_context_to_its_engagements_and_gives_it_back(
    one_provider_two_clients,
):
    mine, sibling = one_provider_two_clients
    both = sorted([mine.pk, sibling.pk])
    with tenant_db.job_engagements(both), transaction.atomic():
        with tenant_db.narrow_to_engagements([sibling.pk]):  # a savepoint's batch
            assert visible_clauses() == [sibling.pk]
            with tenant_db.narrow_to_engagements([mine.pk, sibling.pk]):  # never widens
                assert visible_clauses() == [sibling.pk]
            with tenant_db.narrow_to_engagements([mine.pk]):
                assert (visible_clauses(), tenant_db.current_engagements()) == ([], [])
            assert visible_clauses() == [sibling.pk]
        assert visible_clauses() == both
        assert tenant_db.current_engagements() == both
        with tenant_db.narrow_to_engagements([]):  # no engagement: nothing, not everything
            assert (visible_clauses(), tenant_db.current_engagements()) == ([], [])
        assert visible_clauses() == both
    with tenant_db.job_engagements([]):
        assert (visible_clauses(), tenant_db.current_engagements()) == ([], [])


def test_narrowing_to_another_tenants_engagement_shows_nothing_and_is_nothing_to_the_owner(
    two_tenants,
):
    mine, theirs = two_tenants
    _clause_of(mine), _clause_of(theirs)
    with tenant_db.job_tenant([mine.client_id]), transaction.atomic():
        with tenant_db.narrow_to_engagements([mine.pk, theirs.pk]):
            assert tenant_db.current_engagements() == [mine.pk]
            assert visible_clauses() == [mine.pk]
        with tenant_db.narrow_to_engagements([theirs.pk]):
            assert (tenant_db.current_engagements(), visible_clauses()) == ([], [])
        assert visible_clauses() == [mine.pk]
    with transaction.atomic(), tenant_db.narrow_to_engagements([theirs.pk]):  # the owner
        assert tenant_db.current_engagements() is None
        assert visible_clauses() == sorted([mine.pk, theirs.pk])


def test_a_request_clears_a_narrowing_left_on_its_connection(one_provider_two_clients):
    mine, sibling = one_provider_two_clients
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, false)", [tenant_db.ENGAGEMENTS_SETTING, str(sibling.pk)]
        )
    user = member(mine, side="provider", role=Role.ACCOUNT_MANAGER)
    response, _ = run_middleware(user, lambda request: HttpResponse(str(visible_clauses())))
    assert response.content.decode() == str(sorted([mine.pk, sibling.pk]))


def test_an_evaluation_batch_under_its_jobs_context_writes_every_engagements_outcomes(
    one_provider_two_clients,
):
    """The evaluation batch narrows the job's context to its engagements (sla.batch): what it
    writes is what the owner would write."""
    from sla.models import SlaClause, SlaOutcome, SlaSchedule
    from sla.services import slas_evaluate

    mine, sibling = one_provider_two_clients
    SlaSchedule.objects.update(state="agreed")
    SlaClause.objects.update(in_force=True)
    with tenant_db.job_engagements([mine.pk, sibling.pk]):
        results = slas_evaluate(engagement_ids=[mine.pk, sibling.pk], as_of=date(2025, 3, 15))
        assert tenant_db.current_engagements() == sorted([mine.pk, sibling.pk])
    assert [r.evaluated for r in results] == [True, True]
    written = list(SlaOutcome.objects.values_list("engagement_id", flat=True))
    # January to March of each clause, no value yet: no_data, the open March included.
    assert sorted(written) == [mine.pk] * 3 + [sibling.pk] * 3


class ProbeCommand(JobCommand):
    def add_arguments(self, parser):
        parser.add_argument("--engagement")

    def handle(self, *args, **options):
        self.seen = session_state()


class OwnerProbeCommand(ProbeCommand):
    runs_as_owner = True


def test_a_command_given_an_engagement_has_its_parties_as_tenant(two_tenants):
    mine, _ = two_tenants
    command = ProbeCommand()
    call_command(command, engagement=mine.slug)
    assert command.seen == (APP_ROLE, sorted([mine.client_id, mine.provider_id]), [mine.pk])


def test_a_command_given_an_unknown_engagement_sees_nothing(two_tenants):
    command = ProbeCommand()
    call_command(command, engagement="no-such-engagement")
    assert command.seen == (APP_ROLE, [], [])


def test_a_command_over_every_engagement_and_an_operators_command(two_tenants):
    mine, theirs = two_tenants
    command = ProbeCommand()
    call_command(command)
    assert command.seen[0] == APP_ROLE
    assert command.seen[2] == sorted([mine.pk, theirs.pk])
    owner = OwnerProbeCommand()
    call_command(owner)
    assert owner.seen[0] == owner_role()
    assert session_state()[0] == owner_role()


def test_the_application_commands_run_as_the_application_role():
    """Only the operator's tools run as the owner; every other command is a tenant's job."""
    from django.core.management import get_commands, load_command_class

    owners = set()
    for name, app in get_commands().items():
        if app.startswith("django") or "." in app and not app.split(".")[0].isidentifier():
            continue
        command = load_command_class(app, name)
        if isinstance(command, JobCommand) and command.runs_as_owner:
            owners.add(name)
    assert owners == {
        "backup",
        "restore",
        "seed_demo",
        "generate_data",
        "create_user",
        "create_engagement",
        "contract_docs",
    }


def test_only_the_role_modules_switch_the_role():
    """For the worker's login the owner is one `SET ROLE` away: only rpo_portal/tenant_db.py
    and rpo_portal/db_roles.py may say it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"\b(SET\s+(LOCAL\s+|SESSION\s+)?ROLE|RESET\s+ROLE)\b", re.IGNORECASE)
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if (
            relative.parts[0] in {".venv", "tests", "node_modules"}
            or "site-packages" in relative.parts
        ):
            continue
        if pattern.search(path.read_text()):
            found.append(str(relative))
    assert sorted(found) == ["rpo_portal/db_roles.py", "rpo_portal/tenant_db.py"]


def test_the_policies_read_the_context_once_per_statement(two_tenants):
    """Per row, the policies compare ids with arrays worked out once per statement (init
    plans): parsing the context for every row cost milliseconds a statement."""
    mine, _ = two_tenants
    with tenant_db.job_engagements([mine.pk]), connection.cursor() as cursor:
        for table in ("engagements_engagement", "kpis_metricvalue", "sla_breach"):
            cursor.execute(f"EXPLAIN (VERBOSE) SELECT * FROM {table}")  # noqa: S608 - constants
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "InitPlan" in plan, plan
            filters = [line for line in plan.splitlines() if "Filter:" in line or "Cond:" in line]
            assert filters and not any("current_setting" in line for line in filters), plan


def test_a_task_starts_with_no_tenant_whatever_ran_before(two_tenants):
    from kpis.tasks import recompute_metrics_batch
    from rpo_portal import jobs

    mine, _ = two_tenants
    with connection.cursor() as cursor:  # a context left behind on the connection
        cursor.execute("SELECT set_config(%s, %s, false)", [tenant_db.SETTING, str(mine.client_id)])
    assert tenant_db.current_tenant() == [mine.client_id]
    jobs._task_context_open(task_id="probe", task=recompute_metrics_batch)
    try:
        assert tenant_db.current_tenant() == []
    finally:
        jobs._task_context_close(task_id="probe")
