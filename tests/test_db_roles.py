"""The web server's login cannot become the tables' owner, and every bulk write works without it.

The web server connects as the web login (`rpo_web`), a member of `rpo_app` only
(`rpo_portal/db_roles.py`). Probed here through a real login of its own: it cannot switch to
the owner by any means SQL offers, is no superuser, has no BYPASSRLS, owns nothing, and sees
only its context's rows. Then the writers that `COPY` (an import's first load, whole and
streamed, from a web upload; the KPI engine's first fill and its ANALYZE; the SLA outcomes)
run under the web login, as they would in the web server: every request of the suite does
(`tests/web_login.py`).
"""

from __future__ import annotations

import io
import os
from datetime import date

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from kpis import storage
from kpis.models import MetricValue
from kpis.services import engagement_metrics_recompute
from recruiting.models import Application, HiringPlanLine, Requisition
from recruiting.services import files_import
from rpo_portal import db_roles, tenant_db
from rpo_portal.db_roles import APP_ROLE
from sla.models import SlaOutcome
from sla.services import slas_evaluate
from tests.factories import EngagementFactory
from tests.kpis.conftest import AS_OF
from tests.kpis.sample import import_sample
from tests.recruiting.helpers import APPLICATION_HEADER, REQUISITION_HEADER, csv_bytes
from tests.recruiting.test_views import upload
from tests.sla.test_batch import AS_OF as SLA_AS_OF
from tests.sla.test_batch import engagements_with_clauses
from tests.web_login import web_login

APPLICATION_ROW = "A1,R1,C1,referral,2025-01-12,,,,,,"


def login_connection():
    """A connection of its own, logged in as the web server logs in (to the test database)."""
    web = settings.RPO_WEB_DATABASE
    return psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=web["USER"],
        password=web["PASSWORD"] or None,
        host=web["HOST"] or None,
        port=web["PORT"] or None,
    )


def one(cursor, sql: str, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def owners() -> list[str]:
    """The owner's login (this test's session) and the tables' owner."""
    with connection.cursor() as cursor:
        return [
            one(cursor, "SELECT session_user"),
            one(cursor, "SELECT tableowner FROM pg_tables WHERE tablename = 'kpis_metricvalue'"),
        ]


# --- The login itself ---------------------------------------------------------------------------


def test_the_web_login_cannot_become_the_owner(db):
    owner_names = owners()
    web = login_connection()
    web.autocommit = True
    try:
        with web.cursor() as cursor:
            login = one(cursor, "SELECT session_user")
            assert login == db_roles.web_login()
            cursor.execute("RESET ROLE")
            assert one(cursor, "SELECT current_user") == login
            for owner in owner_names:
                for statement in ("SET ROLE {}", "SET SESSION AUTHORIZATION {}"):
                    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                        cursor.execute(
                            statement.format(psycopg2.extensions.quote_ident(owner, web))
                        )
                assert not one(cursor, "SELECT pg_has_role(session_user, %s, 'MEMBER')", [owner])
            cursor.execute(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
                " WHERE rolname = session_user"
            )
            assert cursor.fetchone() == (False, False, False, False)
            assert one(
                cursor,
                "SELECT array_agg(roleid::regrole::text) FROM pg_auth_members"
                " WHERE member = session_user::regrole",
            ) == [APP_ROLE]
            # It owns nothing: no table, sequence, view, function or schema of this database.
            assert (
                one(
                    cursor,
                    "SELECT (SELECT count(*) FROM pg_class WHERE relowner = session_user::regrole)"
                    " + (SELECT count(*) FROM pg_proc WHERE proowner = session_user::regrole)"
                    " + (SELECT count(*) FROM pg_namespace WHERE nspowner = session_user::regrole)",
                )
                == 0
            )
            assert not one(cursor, "SELECT has_table_privilege('django_migrations', 'SELECT')")
    finally:
        web.close()


@pytest.mark.django_db(transaction=True)
def test_the_web_login_sees_and_writes_only_its_tenants_rows():
    mine, theirs = EngagementFactory(), EngagementFactory()
    for engagement, name in ((mine, "MINE"), (theirs, "THEIRS")):
        Requisition.objects.create(
            engagement=engagement, external_id=name, title=name, opened_on=date(2025, 1, 1)
        )
    web = login_connection()
    try:
        with web.cursor() as cursor:
            assert one(cursor, "SELECT count(*) FROM recruiting_requisition") == 0  # no context
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [tenant_db.SETTING, str(mine.client_id)]
            )
            cursor.execute("SELECT external_id FROM recruiting_requisition")
            assert cursor.fetchall() == [("MINE",)]
            cursor.execute(
                "UPDATE recruiting_requisition SET title = 'x' WHERE external_id = 'THEIRS'"
            )
            assert cursor.rowcount == 0
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(
                    "INSERT INTO recruiting_requisition (engagement_id, external_id, title,"
                    " opened_on, created_at, updated_at) VALUES (%s, 'X', 'X', '2025-01-01',"
                    " now(), now())",
                    [theirs.pk],
                )
        web.rollback()
        with web.cursor() as cursor:
            # COPY straight into a table under row-level security is refused to it.
            cursor.execute(
                "SELECT set_config(%s, %s, true)", [tenant_db.SETTING, str(mine.client_id)]
            )
            with pytest.raises(psycopg2.errors.FeatureNotSupported):
                cursor.copy_expert(
                    "COPY recruiting_requisition (engagement_id, external_id, title, opened_on)"
                    " FROM STDIN (FORMAT csv)",
                    io.StringIO(f"{mine.pk},NEW,New,2025-01-02\n"),
                )
        web.rollback()
    finally:
        web.close()
    assert Requisition.objects.get(external_id="THEIRS").title == "THEIRS"


def test_migrate_refuses_a_web_login_that_could_do_more_than_the_application_role(db, settings):
    owner, web = owners()[0], settings.RPO_WEB_DATABASE
    bypassing, reading = (f"rpo_probe_{name}_{os.getpid()}" for name in ("bypass", "read"))
    with connection.cursor() as cursor:
        # Rolled back with the test, like every change here.
        cursor.execute(f"CREATE ROLE {bypassing} LOGIN BYPASSRLS")
        cursor.execute(f"CREATE ROLE {reading} LOGIN IN ROLE pg_read_all_data")
        for login in (owner, bypassing, reading):
            settings.RPO_WEB_DATABASE = {**settings.RPO_WEB_DATABASE, "USER": login}
            with pytest.raises(DatabaseError), transaction.atomic():
                db_roles.roles_ensure(cursor)
        settings.RPO_WEB_DATABASE = web
        db_roles.roles_ensure(cursor)  # the web login as migrate made it passes


# --- The bulk writers under the web login -------------------------------------------------------


PLAN_COLUMNS = ["engagement_id", "month", "department", "location", "job_family", "planned_hires"]


def plan_copy(cursor, engagement_ids: list[int], row_engagement, month: int = 1) -> None:
    """COPY one hiring-plan line of `row_engagement`, for `engagement_ids`."""
    db_roles.rows_copy(
        cursor,
        "recruiting_hiringplanline",
        PLAN_COLUMNS,
        io.StringIO(f"{row_engagement.pk},2025-{month:02}-01,,,,3\n"),
        engagement_ids=engagement_ids,
        options="FORMAT csv, FORCE_NOT_NULL (department, location, job_family)",
    )


def refused_copy(mine, theirs) -> None:
    with (
        tenant_db.job_engagements([mine.pk]),
        transaction.atomic(),
        connection.cursor() as cursor,
        pytest.raises(PermissionError),
    ):
        plan_copy(cursor, [theirs.pk], theirs)


def test_rows_copy_refuses_an_engagement_outside_the_tenant_under_either_login(db):
    mine, theirs = EngagementFactory(), EngagementFactory()
    refused_copy(mine, theirs)  # the worker's login
    with web_login():
        refused_copy(mine, theirs)
    assert not HiringPlanLine.objects.exists()


def test_a_row_for_another_engagement_is_refused_by_the_policy_under_the_web_login(db):
    """The rows' engagement comes from the callers' ids; were one wrong, the policy stops it."""
    mine, theirs = EngagementFactory(), EngagementFactory()
    with (
        web_login(),
        tenant_db.job_engagements([mine.pk]),
        pytest.raises(DatabaseError, match="row-level security"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        plan_copy(cursor, [mine.pk], theirs)
    assert not HiringPlanLine.objects.exists()


def test_both_logins_copy_and_stay_the_application_role(engagement):
    for month, login in enumerate((tenant_db.job_engagements, lambda ids: web_login()), 1):
        with (
            login([engagement.pk]),
            tenant_db.job_engagements([engagement.pk]),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            plan_copy(cursor, [engagement.pk], engagement, month)
            assert one(cursor, "SELECT current_user") == APP_ROLE
    assert HiringPlanLine.objects.filter(engagement=engagement).count() == 2


def test_a_web_upload_is_written_under_the_web_login(login, engagement, account_manager):
    """Preview and confirm, as a person does: the first import of a kind streams (COPY into a
    temporary table, then an insert the policy checks), all through the web login."""
    client = login(account_manager)
    for name, data in (
        ("requisitions.csv", csv_bytes(REQUISITION_HEADER, "R1,Engineer,2025-01-10")),
        (
            "applications.csv",
            csv_bytes(APPLICATION_HEADER, APPLICATION_ROW),
        ),
    ):
        run = upload(client, engagement, data=data, name=name).context["result"].run
        response = client.post(reverse("recruiting:import-confirm", args=[engagement.pk, run.pk]))
        assert response.status_code == 302, name
    assert Requisition.objects.filter(engagement=engagement).count() == 1
    assert Application.objects.filter(engagement=engagement).count() == 1


def test_a_first_import_of_several_files_is_written_under_the_web_login(engagement):
    files = [
        ("requisitions.csv", csv_bytes(REQUISITION_HEADER, "R1,Engineer,2025-01-10"), None),
        ("applications.csv", csv_bytes(APPLICATION_HEADER, APPLICATION_ROW), None),
    ]
    with web_login(), tenant_db.job_engagements([engagement.pk]):
        results = files_import(actor=None, engagement=engagement, files=files)
    assert all(result.ok for result in results), [result.errors for result in results]
    assert Application.objects.filter(engagement=engagement).count() == 1


def test_a_kpi_first_fill_and_its_analyze_under_the_web_login(engagement, monkeypatch):
    import_sample(engagement)
    monkeypatch.setattr(storage, "ANALYZE_AFTER_ROWS", 1)
    with web_login(), tenant_db.job_engagements([engagement.pk]):
        result = engagement_metrics_recompute(engagement=engagement, as_of=AS_OF)
    assert result.inserted > 0
    assert MetricValue.objects.filter(engagement=engagement).count() == result.inserted


def test_the_owners_analyze_serves_engagement_data_only(db):
    with web_login(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rpo_analyze('kpis_metricvalue'::regclass)")
        with pytest.raises(DatabaseError, match="holds no engagement data"), transaction.atomic():
            cursor.execute("SELECT rpo_analyze('django_session'::regclass)")
        # ANALYZE itself is the owner's: as the application role PostgreSQL skips it.
        cursor.execute("SELECT has_function_privilege('rpo_analyze(regclass)', 'EXECUTE')")


def test_sla_outcomes_are_written_under_the_web_login(db):
    ids = engagements_with_clauses(2, 2)
    with web_login(), tenant_db.job_engagements(ids):
        results = slas_evaluate(engagement_ids=ids, as_of=SLA_AS_OF)
    assert all(result.evaluated for result in results)
    assert SlaOutcome.objects.filter(engagement_id__in=ids).count() == 2 * 2 * 6
