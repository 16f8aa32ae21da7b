# ruff: noqa: S608 - the probes name each table found in the models
"""PostgreSQL row-level security on every table that holds an engagement's data.

The tables are found from the models (`rpo_portal.tenant_db.engagement_tables`): a model added
later with a foreign key to an engagement is probed without anyone listing it here. The probes
bypass the application: raw SQL as the application role `rpo_app` in a transaction whose tenant
context is another tenant's organizations. The database alone must hide and protect every row
of the victim's engagement.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from engagements.models import Engagement
from rpo_portal import tenant_db
from rpo_portal.tenant_db import APP_ROLE, engagement_tables, linked_tables, policy_expressions
from tests.factories import EngagementFactory
from tests.site_records import make_every_record

TABLES = engagement_tables()  # {table: engagement column}
LINKED = linked_tables()  # {table: [(column, parent table, parent column)]}
COVERED = policy_expressions()

# Models with a key to an engagement's records that are not themselves an engagement's data.
NOT_ENGAGEMENT_DATA: dict[str, str] = {}


class _RolledBack(Exception):
    pass


@contextmanager
def as_application(organization_ids=()):
    """A cursor running as the application role with `organization_ids` as the tenant (none:
    no context), in a savepoint that is rolled back afterwards."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
                if organization_ids:
                    tenant_db.set_tenant(organization_ids)
                yield cursor
            raise _RolledBack
    except _RolledBack:
        pass


def parties(engagement) -> list[int]:
    return [engagement.client_id, engagement.provider_id]


def pk_column(table: str) -> str:
    with connection.cursor() as cursor:
        return connection.introspection.get_primary_key_column(cursor, table)


def rows_of(engagement, table: str) -> list:
    """The primary keys of the engagement's rows in `table`, read as the owner."""
    pk = pk_column(table)
    if table in TABLES:
        sql = f'SELECT "{pk}" FROM "{table}" WHERE "{TABLES[table]}" = %s'
    else:
        column, parent, target = LINKED[table][0]
        sql = (
            f'SELECT t."{pk}" FROM "{table}" t JOIN "{parent}" p ON p."{target}" = t."{column}"'
            f' WHERE p."{TABLES[parent]}" = %s'
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [engagement.pk])
        return sorted(row[0] for row in cursor.fetchall())


def visible(cursor, table: str, pks: list | None = None) -> list:
    """The primary keys `cursor` sees in `table` (among `pks` if given)."""
    pk = pk_column(table)
    if pks is None:
        cursor.execute(f'SELECT "{pk}" FROM "{table}"')
    else:
        cursor.execute(f'SELECT "{pk}" FROM "{table}" WHERE "{pk}" = ANY (%s)', [pks])
    return sorted(row[0] for row in cursor.fetchall())


@pytest.fixture
def tenants(db):
    """(victim, attacker): two engagements of different clients and providers, each with every
    kind of record."""
    victim, attacker = EngagementFactory(), EngagementFactory()
    for engagement in (victim, attacker):
        make_every_record(engagement)
    return victim, attacker


# --- Which tables -------------------------------------------------------------------------


def test_the_tables_are_found_from_the_models():
    assert TABLES["engagements_engagement"] == "id"
    assert TABLES["engagements_engagementevent"] == "pgh_obj_id"
    for table in ("kpis_metricvalue", "kpis_engagementmetricsstate", "recruiting_application"):
        assert TABLES[table] == "engagement_id"
    assert LINKED["sla_reliefclaim_requisitions"] == [
        ("reliefclaim_id", "sla_reliefclaim", "id"),
        ("requisition_id", "recruiting_requisition", "id"),
    ]
    assert LINKED["reviews_meeting_attendees"] == [("meeting_id", "reviews_meeting", "id")]
    for table in ("accounts_organization", "accounts_membership", "accounts_user"):
        assert table not in COVERED


def test_a_record_pointing_at_engagement_data_is_covered():
    """A table keyed to a covered table is covered itself (or listed, with the reason, in
    NOT_ENGAGEMENT_DATA): nothing that names an engagement's record escapes RLS."""
    escaping = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in COVERED:
            continue
        for field in meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model._meta.db_table in COVERED
                and meta.label not in NOT_ENGAGEMENT_DATA
            ):
                escaping.append(f"{meta.label}.{field.name}")
    assert escaping == []


def test_every_covered_table_has_rls_and_the_policy(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            " array_agg(p.polname) FILTER (WHERE p.polname IS NOT NULL)"
            " FROM pg_class c LEFT JOIN pg_policy p ON p.polrelid = c.oid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
            " GROUP BY c.oid"
        )
        state = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor}
    for table in COVERED:
        # Not forced: the owner (migrations, imports' COPY, backups) is not subject.
        assert state[table] == (True, False, [tenant_db.POLICY]), table


def test_every_table_with_an_engagement_column_has_rls(db):
    """From the database side too: a table made outside the models would show up here."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
            " AND a.attname = 'engagement_id' AND NOT a.attisdropped AND NOT c.relrowsecurity"
        )
        assert cursor.fetchall() == []


def test_the_application_role_neither_owns_nor_bypasses(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles"
            " WHERE rolname = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
            " WHERE r.rolname = %s",
            [APP_ROLE],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT has_table_privilege(%s, 'django_migrations', 'SELECT')", [APP_ROLE])
        assert cursor.fetchone()[0] is False


def test_securing_again_changes_nothing(db):
    assert tenant_db.secure() == []


# --- The probes: RLS alone hides and protects the victim's rows ------------------------------


def test_every_table_has_rows_of_both_tenants(tenants):
    """The probes below are only as good as the rows behind them: a new table needs records
    in tests/site_records.py."""
    empty = [
        f"{table} ({engagement})"
        for table in COVERED
        for engagement in tenants
        if not rows_of(engagement, table)
    ]
    assert empty == []


def test_another_tenants_context_sees_none_of_the_victims_rows(tenants):
    victim, attacker = tenants
    with as_application(parties(attacker)) as cursor:
        for table in COVERED:
            assert visible(cursor, table, rows_of(victim, table)) == [], table
            # All it sees is its own engagement's rows.
            assert visible(cursor, table) == rows_of(attacker, table), table


def test_either_party_of_the_engagement_sees_its_rows(tenants):
    victim, _ = tenants
    for organization_id in parties(victim):
        with as_application([organization_id]) as cursor:
            for table in COVERED:
                assert visible(cursor, table) == rows_of(victim, table), table


def test_no_context_sees_no_rows(tenants):
    with as_application() as cursor:
        for table in COVERED:
            assert visible(cursor, table) == [], table
    # An empty context (what a transaction-local setting leaves behind) sees none either.
    with as_application() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [tenant_db.SETTING])
        assert visible(cursor, "engagements_engagement") == []


def test_another_tenant_can_change_or_delete_none_of_the_victims_rows(tenants):
    victim, attacker = tenants
    before = {table: rows_of(victim, table) for table in COVERED}
    with as_application(parties(attacker)) as cursor:
        for table in COVERED:
            pk = pk_column(table)
            cursor.execute(
                f'UPDATE "{table}" SET "{pk}" = "{pk}" WHERE "{pk}" = ANY (%s)', [before[table]]
            )
            assert cursor.rowcount == 0, table
            cursor.execute(f'DELETE FROM "{table}" WHERE "{pk}" = ANY (%s)', [before[table]])
            assert cursor.rowcount == 0, table
    assert {table: rows_of(victim, table) for table in COVERED} == before


def columns(table: str, column: str) -> list[str]:
    """The table's columns but its generated key (kept if it is the engagement `column`)."""
    pk = pk_column(table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND (attname <> %s OR attname = %s) ORDER BY attnum",
            [table, pk, column],
        )
        return [name for (name,) in cursor.fetchall()]


def refused(sql: str, params: list, organization_ids: list[int]) -> bool:
    """Whether the statement, run as the application role, fails on the RLS policy."""
    try:
        with as_application(organization_ids) as cursor:
            cursor.execute(sql, params)
    except DatabaseError as error:
        return "row-level security" in str(error)
    return False


def test_another_tenant_can_write_no_row_into_the_victims_engagement(tenants):
    """WITH CHECK: neither a copy of an own row naming the victim's engagement (or linking a
    victim's record) nor moving an own row there passes the policy, which PostgreSQL checks
    before the table's constraints and triggers."""
    victim, attacker = tenants
    passed = []
    for table in COVERED:
        if table in TABLES:
            column, value = TABLES[table], victim.pk
            if column == "id":
                continue  # the engagement itself: below
        else:
            column, _, _ = LINKED[table][0]
            value = rows_of(victim, LINKED[table][0][1])[0]
        names = columns(table, column)
        listed = ", ".join(f'"{name}"' for name in names)
        values = ", ".join("%s" if name == column else f'"{name}"' for name in names)
        own = rows_of(attacker, table)
        pk = pk_column(table)
        insert = (
            f'INSERT INTO "{table}" ({listed}) SELECT {values} FROM "{table}" WHERE "{pk}" = %s',
            [value, own[0]],
        )
        move = (f'UPDATE "{table}" SET "{column}" = %s WHERE "{pk}" = %s', [value, own[0]])
        # An append-only table (the audit trail's) refuses every update by its own trigger,
        # which runs before the policy: there is nothing to move.
        probes = (insert, move) if updatable(table, own[0], attacker) else (insert,)
        for sql, params in probes:
            if not refused(sql, params, parties(attacker)):
                passed.append(f"{table}: {sql.split()[0]}")
    assert passed == []


def updatable(table: str, pk_value, tenant) -> bool:
    """Whether the tenant may update its own row `pk_value` of `table` at all."""
    pk = pk_column(table)
    try:
        with as_application(parties(tenant)) as cursor:
            cursor.execute(f'UPDATE "{table}" SET "{pk}" = "{pk}" WHERE "{pk}" = %s', [pk_value])
    except DatabaseError:
        return False
    return True


def test_another_tenant_can_make_no_engagement_of_the_victims(tenants):
    victim, attacker = tenants
    assert refused(
        "UPDATE engagements_engagement SET client_id = %s, provider_id = %s WHERE id = %s",
        [victim.client_id, victim.provider_id, attacker.pk],
        parties(attacker),
    )
    assert refused(
        "INSERT INTO engagements_engagement (client_id, provider_id, name, slug, currency,"
        " monthly_fee, status) SELECT %s, %s, 'Fake', 'fake', currency, monthly_fee, status"
        " FROM engagements_engagement WHERE id = %s",
        [victim.client_id, victim.provider_id, attacker.pk],
        parties(attacker),
    )


# --- The tenant context ----------------------------------------------------------------------


@pytest.fixture
def two(db):
    """(victim, attacker) with one requisition each: enough for the context's own tests."""
    from tests.sla.breach_helpers import requisition

    victim, attacker = EngagementFactory(), EngagementFactory()
    for engagement in (victim, attacker):
        requisition(engagement)
    return victim, attacker


def requisitions_seen() -> list[int]:
    from recruiting.models import Requisition

    return sorted(Requisition.objects.values_list("engagement_id", flat=True))


def test_a_tenant_transaction_sees_its_organizations_engagements_only(two):
    victim, attacker = two
    with as_application():
        assert requisitions_seen() == []
        with tenant_db.tenant_transaction(parties(victim)):
            assert tenant_db.current_tenant() == sorted(parties(victim))
            assert requisitions_seen() == [victim.pk]
            assert list(Engagement.objects.values_list("pk", flat=True)) == [victim.pk]
        # Back to no context after the block, even inside the outer transaction.
        assert tenant_db.current_tenant() == []
        assert requisitions_seen() == []


def test_a_failed_block_leaves_the_outer_context(two):
    victim, attacker = two
    with as_application(parties(attacker)):
        with pytest.raises(ValueError), tenant_db.tenant_transaction(parties(victim)):
            assert requisitions_seen() == [victim.pk]
            raise ValueError
        assert requisitions_seen() == [attacker.pk]


def test_a_job_sets_the_context_of_the_engagement_it_works_on(two):
    """A Celery task or command knows an engagement id; with no context it cannot read the
    engagement, so its parties come from the owner function rpo_engagement_parties."""
    victim, attacker = two
    with as_application():
        assert not Engagement.objects.filter(pk=victim.pk).exists()
        with tenant_db.engagement_transaction(victim.pk):
            assert requisitions_seen() == [victim.pk]
        with tenant_db.engagement_transaction(attacker):
            assert requisitions_seen() == [attacker.pk]
        assert tenant_db.engagement_parties(0) == []
        with tenant_db.engagement_transaction(0):
            assert requisitions_seen() == []


def test_the_parties_function_is_the_application_roles_only_way_round(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, has_function_privilege('public', p.oid, 'EXECUTE')"
            " FROM pg_proc p WHERE p.proname = 'rpo_engagement_parties'"
        )
        assert cursor.fetchall() == [(True, False)]


@pytest.mark.django_db(transaction=True)
def test_the_context_is_set_per_transaction_only():
    with pytest.raises(RuntimeError, match="per transaction"):
        tenant_db.set_tenant([1])
    with tenant_db.tenant_transaction([1, 2]):
        assert tenant_db.current_tenant() == [1, 2]
    assert tenant_db.current_tenant() == []


def test_the_application_role_writes_through_the_services_with_a_context(two):
    """The grants suffice for the application's writes, history triggers included: a target
    proposed as the application role, in the engagement's context, is stored with its event."""
    from datetime import date
    from decimal import Decimal

    from accounts.models import Role
    from kpis.models import KpiTarget, KpiTargetEvent
    from kpis.target_services import target_propose
    from tests.factories import member

    victim, _ = two
    hr_lead = member(victim.client, Role.HR_LEAD)
    with as_application(parties(victim)):
        target = target_propose(
            actor=hr_lead,
            engagement=victim,
            kpi="time_to_fill",
            grain="quarter",
            effective_from=date(2025, 1, 1),
            target_value=Decimal("30"),
            at_risk_threshold=Decimal("35"),
            breach_threshold=Decimal("40"),
        )
        assert KpiTarget.objects.filter(pk=target.pk).exists()
        assert KpiTargetEvent.objects.filter(pgh_obj_id=target.pk).exists()
