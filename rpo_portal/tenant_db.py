"""Row-level security: which tables hold an engagement's data, their policies, the tenant context.

Every table that holds an engagement's data has PostgreSQL row-level security enabled and one
policy, `rpo_tenant_isolation`: a row is visible (and may be written) only if its engagement's
client or provider is among the *current organizations*, a comma-separated list of
organization ids in the setting `rpo.organizations`. With no context set, a query returns no
rows and a write is refused.

Which tables: found from the models (`engagement_tables`), so a table added later is covered
without anyone listing it: the engagement itself (by its client and provider), and every
model with a foreign key to an engagement (by that column; the pghistory event tables of
governance models carry the tracked row's `engagement_id`, and the engagement's own events
point at it through `pgh_obj`); and the many-to-many tables linking such records
(`linked_tables`: a row is visible if the records it links are). `secure()` applies the
policies; it runs in the migration `operations.0002_row_level_security` and after every
`migrate` (post_migrate), so new tables get their policy in the same deploy that creates them.
`tests/test_row_level_security.py` fails for a table without one.

Who is subject: the application role `rpo_app` (NOLOGIN, no BYPASSRLS, owns nothing; it gets
DML on the tables). The tables' owner (the role that runs migrations, imports' `COPY`, backups)
is not subject: no `FORCE ROW LEVEL SECURITY`. See docs/security.md for what connects as which.

The tenant context is set per transaction (`set_config(..., true)`): `tenant_transaction()`
opens a transaction with the given organizations, `engagement_transaction()` with an
engagement's client and provider (a job working on one engagement).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

APP_ROLE = "rpo_app"
SETTING = "rpo.organizations"
POLICY = "rpo_tenant_isolation"
ENGAGEMENT = "engagements.Engagement"

# Tables no RLS policy covers although they hold nothing but framework bookkeeping: the
# migration record is written by the owner only, so the application role gets no grant on it.
OWNER_ONLY_TABLES = ("django_migrations",)

_ROLE_SQL = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        BEGIN
            CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'The role {APP_ROLE} does not exist and % may not create it',
                    current_user
                    USING HINT = 'As a superuser: CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS;'
                        ' then migrate again.';
        END;
    END IF;
END
$$;
"""

# The current organizations as an array (NULL without a context: `= ANY (NULL)` is never true).
# The engagements they may see: the policy on every engagement-data table reads this once per
# statement (as an init plan), so the big tables are filtered by an index on engagement_id.
_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION rpo_current_organizations() RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(nullif(current_setting('{SETTING}', true), ''), ',')::bigint[] $$;
CREATE OR REPLACE FUNCTION rpo_visible_engagements() RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT coalesce(array_agg(e.id), '{{}}') FROM engagements_engagement e
        WHERE e.client_id = ANY (rpo_current_organizations())
           OR e.provider_id = ANY (rpo_current_organizations())
    $$;
-- A job knows the engagement it works on, not its organizations, and cannot read them before
-- a context is set: this owner function returns one engagement's client and provider, nothing
-- else. (It reveals no data: ids only, of an engagement the caller names.)
CREATE OR REPLACE FUNCTION rpo_engagement_parties(engagement bigint) RETURNS bigint[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT ARRAY[e.client_id, e.provider_id]
          FROM {{schema}}.engagements_engagement e WHERE e.id = engagement $$;
REVOKE ALL ON FUNCTION rpo_engagement_parties(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpo_engagement_parties(bigint) TO {APP_ROLE};
"""  # noqa: S608 - constants only

ENGAGEMENT_POLICY = (
    "client_id = ANY (rpo_current_organizations())"
    " OR provider_id = ANY (rpo_current_organizations())"
)


def data_policy(column: str) -> str:
    """The policy expression of a table whose rows belong to the engagement in `column`."""
    return f'"{column}" = ANY ((SELECT rpo_visible_engagements())::bigint[])'


def engagement_column(model) -> str | None:
    """The column naming the engagement a row of `model` belongs to, or None if it has none.

    `id` for the engagement itself; otherwise its foreign key to an engagement (`engagement`
    if there are several, `pgh_obj` for the engagement's own history events)."""
    if model._meta.label == ENGAGEMENT:
        return "id"
    links = [
        field
        for field in model._meta.concrete_fields
        if field.is_relation
        and (field.many_to_one or field.one_to_one)
        and field.related_model._meta.label == ENGAGEMENT
    ]
    if len(links) > 1:
        links = [field for field in links if field.name in ("engagement", "pgh_obj")][:1]
        if not links:
            raise ImproperlyConfigured(
                f"{model._meta.label} has several engagement keys: name one `engagement`."
            )
    return links[0].column if links else None


def engagement_tables(apps=django_apps) -> dict[str, str]:
    """{table: engagement column} for every table that holds an engagement's data.

    `apps` is the model registry: the project's, or a migration's historical one."""
    tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        column = engagement_column(model)
        if column is not None:
            tables[meta.db_table] = column
    return dict(sorted(tables.items()))


def linked_tables(apps=django_apps) -> dict[str, list[tuple[str, str, str]]]:
    """{table: [(column, parent table, parent column), ...]} for the tables without an
    engagement column whose rows link engagement data (many-to-many tables such as a relief
    claim's requisitions): a row is visible only if every engagement record it links is."""
    direct = engagement_tables(apps)
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in direct:
            continue
        links = [
            (field.column, field.related_model._meta.db_table, field.target_field.column)
            for field in meta.concrete_fields
            if field.is_relation and field.related_model._meta.db_table in direct
        ]
        if links:
            tables[meta.db_table] = links
    return dict(sorted(tables.items()))


def policy_expressions(apps=django_apps) -> dict[str, str]:
    """{table: policy expression} for every table the tenant policy covers."""
    expressions = {
        table: ENGAGEMENT_POLICY if column == "id" else data_policy(column)
        for table, column in engagement_tables(apps).items()
    }
    for table, links in linked_tables(apps).items():
        expressions[table] = " AND ".join(
            f'"{column}" IN (SELECT "{target}" FROM "{parent}")'  # noqa: S608 - model names
            for column, parent, target in links
        )
    return dict(sorted(expressions.items()))


def secure(connection=None, apps=django_apps) -> list[str]:
    """Create the application role and the policy functions, grant the role DML on the tables,
    and enable RLS with the tenant policy on every engagement-data table that lacks it.

    Idempotent; returns the tables it newly secured. Runs as the tables' owner."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    tables = policy_expressions(apps)
    secured = []
    with connection.cursor() as cursor:
        # With parameters (none of its own), so its literal % is escaped the same way whether
        # or not an execute wrapper (pghistory's context, inside a job) adds parameters to it.
        cursor.execute(_ROLE_SQL.replace("%", "%%"), [])
        cursor.execute("SELECT quote_ident(current_schema())")
        schema = cursor.fetchone()[0]
        cursor.execute(_FUNCTIONS_SQL.replace("{schema}", schema))
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {APP_ROLE}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {APP_ROLE}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {APP_ROLE}",
        ):
            cursor.execute(statement)
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relname = ANY (%s)",
            [list(OWNER_ONLY_TABLES)],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"REVOKE ALL ON TABLE {quote(table)} FROM {APP_ROLE}")
        cursor.execute(
            "SELECT c.relname, c.relrowsecurity, EXISTS (SELECT FROM pg_policy p"
            " WHERE p.polrelid = c.oid AND p.polname = %s)"
            " FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
            " AND c.relkind = 'r' AND c.relname = ANY (%s)",
            [POLICY, list(tables)],
        )
        state = {name: (enabled, has_policy) for name, enabled, has_policy in cursor.fetchall()}
        for table, expression in tables.items():
            enabled, has_policy = state.get(table, (True, True))  # not created (yet): skip
            if not has_policy:
                cursor.execute(
                    f"CREATE POLICY {POLICY} ON {quote(table)} FOR ALL"
                    f" USING ({expression}) WITH CHECK ({expression})"
                )
            if not enabled:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE ROW LEVEL SECURITY")
            if not (enabled and has_policy):
                secured.append(table)
    return secured


def on_post_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After `migrate`: cover the tables added since (and grant the role on them)."""
    secure(connections[using])


def _organizations_value(organization_ids: Iterable[int]) -> str:
    return ",".join(str(int(pk)) for pk in sorted(set(organization_ids)))


def set_tenant(organization_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the current organizations for the rest of the current transaction.

    Refuses outside a transaction: in autocommit the setting would end with the statement."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("The tenant context is set per transaction: open one first.")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, true)", [SETTING, _organizations_value(organization_ids)]
        )


def current_tenant(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The organization ids of the current transaction's tenant context ([] if none)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [SETTING])
        value = cursor.fetchone()[0]
    return [int(pk) for pk in value.split(",")] if value else []


@contextmanager
def tenant_transaction(
    organization_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """A transaction (or savepoint) in which the given organizations are the tenant."""
    organization_ids = list(organization_ids)
    with transaction.atomic(using=using):
        previous = current_tenant(using)
        set_tenant(organization_ids, using)
        yield
        # Inside an outer transaction the setting would outlive this block's savepoint: restore
        # it. (On an exception the savepoint's rollback undoes the setting.)
        set_tenant(previous, using)


def engagement_parties(engagement_id: int, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The engagement's client and provider ids, readable before any context is set (through
    the owner function `rpo_engagement_parties`); [] if there is no such engagement."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT rpo_engagement_parties(%s)", [int(engagement_id)])
        parties = cursor.fetchone()[0]
    return list(parties or [])


def engagement_transaction(engagement, using: str = DEFAULT_DB_ALIAS):
    """A transaction with an engagement's client and provider as the tenant: a Celery task or
    a management command working on one engagement (given as a model or an id)."""
    if isinstance(engagement, int):
        return tenant_transaction(engagement_parties(engagement, using), using)
    return tenant_transaction([engagement.client_id, engagement.provider_id], using)
