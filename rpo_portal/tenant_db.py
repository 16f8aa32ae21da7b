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
DML on the tables), and the web login, a member of it only (`rpo_portal/db_roles.py`). The
tables' owner (migrations, backups, the worker's `COPY`) is not subject: no `FORCE ROW LEVEL
SECURITY`. See docs/security.md for what connects as which.

The tenant context is set per transaction (`set_config(..., true)`): `tenant_transaction()`
opens a transaction with the given organizations, `engagement_transaction()` with an
engagement's client and provider (a job working on one engagement). A job holds its context
for its run (`job_tenant`, `job_engagements`); a job on named engagements names them too
(`rpo.engagements`), so that it sees their data only, and a batch within it may narrow that
further for its transaction (`narrow_to_engagements`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.apps import apps as django_apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from rpo_portal import db_roles
from rpo_portal.db_roles import APP_ROLE

SETTING = "rpo.organizations"
# A job that works on named engagements names them too: the policies then see those engagements'
# data only, without working out their organizations' engagements on every statement.
ENGAGEMENTS_SETTING = "rpo.engagements"
POLICY = "rpo_tenant_isolation"
ENGAGEMENT = "engagements.Engagement"

# Tables no RLS policy covers although they hold nothing but framework bookkeeping: the
# migration record is written by the owner only, so the application role gets no grant on it.
OWNER_ONLY_TABLES = ("django_migrations",)

# The current organizations as an array (NULL without a context: `= ANY (NULL)` is never true).
# The engagements they may see: the policy on every engagement-data table reads this once per
# statement (as an init plan), so the big tables are filtered by an index on engagement_id.
_FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION rpo_current_organizations() RETURNS bigint[]
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT string_to_array(nullif(current_setting('{SETTING}', true), ''), ',')::bigint[] $$;
-- Once per statement (the policies call it as an init plan). As the owner, so that reading the
-- engagements does not apply their own policy row by row, and in PL/pgSQL, so that its query is
-- planned once per session and the setting parsed once per call: a plain SQL function parsed
-- the setting for every engagement row, about 6 ms a statement with 200 engagements. It
-- returns the ids of the engagements of the caller's own context, which the caller sets: the
-- engagements it names (a job; a batch: `narrow_to_engagements` names only those the context
-- already sees), or else its organizations' engagements. Naming them
-- saves reading the engagements on every statement, which the audit triggers run once per
-- written row (about 80 us with 200 engagements in the context).
CREATE OR REPLACE FUNCTION rpo_visible_engagements() RETURNS bigint[]
    LANGUAGE plpgsql STABLE PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    AS $$
    DECLARE
        organizations bigint[] := string_to_array(
            nullif(current_setting('{SETTING}', true), ''), ','
        )::bigint[];
        named text := nullif(current_setting('{ENGAGEMENTS_SETTING}', true), '');
    BEGIN
        IF organizations IS NULL THEN
            RETURN '{{}}';
        END IF;
        IF named IS NOT NULL THEN
            RETURN string_to_array(named, ',')::bigint[];
        END IF;
        RETURN coalesce(
            (SELECT array_agg(e.id) FROM {{schema}}.engagements_engagement e
             WHERE e.client_id = ANY (organizations) OR e.provider_id = ANY (organizations)),
            '{{}}'
        );
    END
    $$;
REVOKE ALL ON FUNCTION rpo_visible_engagements() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpo_visible_engagements() TO {APP_ROLE};
-- A job knows the engagement it works on, not its organizations, and cannot read them before
-- a context is set: this owner function returns one engagement's client and provider, nothing
-- else. (It reveals no data: ids only, of an engagement the caller names.)
CREATE OR REPLACE FUNCTION rpo_engagement_parties(engagement bigint) RETURNS bigint[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT ARRAY[e.client_id, e.provider_id]
          FROM {{schema}}.engagements_engagement e WHERE e.id = engagement $$;
REVOKE ALL ON FUNCTION rpo_engagement_parties(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpo_engagement_parties(bigint) TO {APP_ROLE};
-- The same for a command given an engagement's slug.
CREATE OR REPLACE FUNCTION rpo_engagement_parties_by_slug(engagement_slug text) RETURNS bigint[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$ SELECT ARRAY[e.client_id, e.provider_id]
          FROM {{schema}}.engagements_engagement e WHERE e.slug = engagement_slug $$;
REVOKE ALL ON FUNCTION rpo_engagement_parties_by_slug(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpo_engagement_parties_by_slug(text) TO {APP_ROLE};
"""  # noqa: S608 - constants only

# The engagement itself, by its parties (so that a party may create one), the organizations
# read once per statement (init plans), not once per row.
ENGAGEMENT_POLICY = (
    "client_id = ANY ((SELECT rpo_current_organizations())::bigint[])"
    " OR provider_id = ANY ((SELECT rpo_current_organizations())::bigint[])"
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
        db_roles.roles_ensure(cursor)
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


# The context is the two settings: the organizations, and the engagements a job names ("" for
# all of the organizations'). Setting the organizations always sets both, so that no narrowing
# left by a job outlives the context it was made in.
_SET_CONTEXT = "set_config(%s, %s, {local}), set_config(%s, %s, {local})"


# Naming no engagement must hide every engagement, not lift the narrowing (""): "0" names
# none (ids start at 1).
NO_ENGAGEMENT = "0"


def _engagements_value(engagement_ids: Iterable[int]) -> str:
    return _organizations_value(engagement_ids) or NO_ENGAGEMENT


def _context_params(organizations: str, engagements: str = "") -> list[str]:
    return [SETTING, organizations, ENGAGEMENTS_SETTING, engagements]


def _set_context(organizations: str, engagements: str, *, local: bool, using: str) -> None:
    """Both settings as they are given: for the transaction (`local`) or the session."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT " + _SET_CONTEXT.format(local="true" if local else "false"),
            _context_params(organizations, engagements),
        )


def set_tenant(organization_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the current organizations for the rest of the current transaction.

    Refuses outside a transaction: in autocommit the setting would end with the statement."""
    if not connections[using].in_atomic_block:
        raise RuntimeError("The tenant context is set per transaction: open one first.")
    _set_context(_organizations_value(organization_ids), "", local=True, using=using)


def _current_context(using: str) -> tuple[str, str]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), current_setting(%s, true)",
            [SETTING, ENGAGEMENTS_SETTING],
        )
        organizations, engagements = cursor.fetchone()
    return organizations or "", engagements or ""


def current_tenant(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The organization ids of the current transaction's tenant context ([] if none)."""
    value = _current_context(using)[0]
    return [int(pk) for pk in value.split(",")] if value else []


def current_engagements(using: str = DEFAULT_DB_ALIAS) -> list[int] | None:
    """The engagements the context names (a job's, a batch's), or None: all of its
    organizations' engagements."""
    value = _current_context(using)[1]
    if not value:
        return None
    return [int(pk) for pk in value.split(",") if pk != NO_ENGAGEMENT]


@contextmanager
def tenant_transaction(
    organization_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS
) -> Iterator[None]:
    """A transaction (or savepoint) in which the given organizations are the tenant."""
    organization_ids = list(organization_ids)
    with transaction.atomic(using=using):
        previous = _current_context(using)
        set_tenant(organization_ids, using)
        yield
        # Inside an outer transaction the setting would outlive this block's savepoint: restore
        # it. (On an exception the savepoint's rollback undoes the setting.)
        _set_context(*previous, local=True, using=using)


def on_commit_in_tenant(
    callback: Callable[[], None], using: str = DEFAULT_DB_ALIAS, *, robust: bool = False
) -> None:
    """Run `callback` once the current transaction commits, in a transaction of its own as the
    application role with the tenant context in force now (a request's organizations, a job's
    engagements).

    The context is set per transaction, so after the commit a callback has none: row-level
    security would then match no row and its writes (a pack marked failed because the job
    queue cannot be reached) would silently change nothing. Every after-commit callback that
    touches the database is registered through here."""
    organizations, engagements = _current_context(using)

    def run_in_context() -> None:
        with transaction.atomic(using=using), application_role(using):
            previous = _current_context(using)
            _set_context(organizations, engagements, local=True, using=using)
            callback()
            # Run inside an outer transaction (a test's), the setting would outlive this block.
            _set_context(*previous, local=True, using=using)

    transaction.on_commit(run_in_context, using=using, robust=robust)


@contextmanager
def narrow_to_engagements(engagement_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS):
    """Within the current transaction, make only these engagements' data visible: a batch of
    work on named engagements (an SLA evaluation batch) whose statements then check each row
    against those few ids instead of every engagement of the context's organizations.

    Only narrows: of the ids, those the current context sees now stay visible, the others
    stay hidden (as they were: an engagement deleted while a job runs is simply not there),
    and naming none hides every engagement. As the tables' owner (not subject to the
    policies) it changes nothing."""
    ids = sorted({int(pk) for pk in engagement_ids})
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("The tenant context is set per transaction: open one first.")
    with connection.cursor() as cursor:
        # In order: the engagements named before, then (as the application role) the ids that
        # are visible now, worked out before the setting changes.
        cursor.execute(
            "SELECT current_setting(%s, true), CASE WHEN current_user = %s THEN set_config(%s,"
            " coalesce(nullif(array_to_string(ARRAY(SELECT unnest(%s::bigint[])"
            " INTERSECT SELECT unnest(rpo_visible_engagements()) ORDER BY 1), ','), ''), %s),"
            " true) END",
            [ENGAGEMENTS_SETTING, APP_ROLE, ENGAGEMENTS_SETTING, ids, NO_ENGAGEMENT],
        )
        previous, narrowed = cursor.fetchone()
    yield
    # Inside an outer transaction the narrowing would outlive this block: put back what was
    # there (after an error the caller's rollback does; a commit ends it anyway).
    if narrowed is not None and len(connection.atomic_blocks) > 1 and not connection.needs_rollback:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [ENGAGEMENTS_SETTING, previous or ""])


def engagement_parties(engagement_id: int, using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The engagement's client and provider ids, readable before any context is set (through
    the owner function `rpo_engagement_parties`); [] if there is no such engagement."""
    return engagements_parties([engagement_id], using)


def engagement_transaction(engagement, using: str = DEFAULT_DB_ALIAS):
    """A transaction with an engagement's client and provider as the tenant: a Celery task or
    a management command working on one engagement (given as a model or an id)."""
    if isinstance(engagement, int):
        return tenant_transaction(engagement_parties(engagement, using), using)
    return tenant_transaction([engagement.client_id, engagement.provider_id], using)


# --- Who the application is: the role its work runs as -----------------------------------------
#
# The web server logs in as the web login (`db_roles.use_web_login`), the worker and commands as
# the tables' owner (DATABASE_URL); the application's work runs as `rpo_app`, switched to with
# `SET ROLE` (both logins are members of it): a process that serves tenants (the web server, the
# Celery worker, an application command) calls `use_application_role()` once, so every
# connection it opens starts as `rpo_app`; each unit of work (a request, a task, a job command)
# runs inside `application_role()` as well, which is what makes it so in the tests too, whose
# fixtures are written as the owner. Owner steps (migrate, backup, restore) run in processes
# that never switch; the bulk writers' COPY goes through `db_roles.rows_copy`.

_process_role = False
_role_depth: contextvars.ContextVar[int] = contextvars.ContextVar("rpo_role_depth", default=0)


def _enter_role(connection) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")


def on_connection_created(sender, connection, **kwargs) -> None:
    """A connection opened by a tenant-serving process, or during a unit of work (Django may
    reconnect mid-request), starts as the application role."""
    if connection.alias == DEFAULT_DB_ALIAS and (_process_role or _role_depth.get()):
        _enter_role(connection)


def use_application_role() -> None:
    """From now on this process's database work runs as the application role.

    Not in the tests (`RPO_PROCESS_APPLICATION_ROLE = False`), whose in-process workers would
    switch the test's own connection, which writes the fixtures as the owner."""
    global _process_role
    if not settings.RPO_PROCESS_APPLICATION_ROLE:
        return
    _process_role = True
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is not None:
        _enter_role(connection)


@contextmanager
def application_role(
    using: str = DEFAULT_DB_ALIAS, tenant: Iterable[int] | None = None
) -> Iterator[None]:
    """Run the block as the application role, then return to the role before it.

    With `tenant` (inside a transaction: a request), that tenant is set for the transaction in
    the same statement: a request pays one round trip for its role and context."""
    connection = connections[using]
    select = "SELECT current_user = session_user, current_user, set_config('role', %s, false)"
    params = [APP_ROLE]
    if tenant is not None:
        if not connection.in_atomic_block:
            raise RuntimeError("The tenant context is set per transaction: open one first.")
        select += ", " + _SET_CONTEXT.format(local="true")
        params += _context_params(_organizations_value(tenant))
    with connection.cursor() as cursor:
        # The columns are evaluated in order: the role before the switch, then the switch.
        cursor.execute(select, params)
        was_session_user, previous = cursor.fetchone()[:2]
    token = _role_depth.set(_role_depth.get() + 1)
    try:
        yield
    finally:
        _role_depth.reset(token)
        # After a failed statement in an outer transaction, its rollback restores the role.
        if (
            previous != APP_ROLE
            and connection.connection is not None
            and not (connection.in_atomic_block and connection.needs_rollback)
        ):
            quoted = connection.ops.quote_name(previous)
            with connection.cursor() as cursor:
                cursor.execute("SET ROLE NONE" if was_session_user else f"SET ROLE {quoted}")


# --- Jobs: a task or command holds its tenant for its whole run ----------------------------------
#
# A request is one transaction. A job is many (progress committed as it goes, a lock held across
# batches, one transaction per batch), so it sets the context on its connection for the time it
# runs and puts back what was there when it ends (the task's prerun clears anything left over).


@contextmanager
def job_tenant(
    organization_ids: Iterable[int],
    using: str = DEFAULT_DB_ALIAS,
    engagement_ids: Iterable[int] | None = None,
) -> Iterator[None]:
    """Run a job as the application role with the given organizations as its tenant; with
    `engagement_ids`, only those engagements' data visible (they must be the organizations')."""
    value = _organizations_value(organization_ids)
    named = "" if engagement_ids is None else _engagements_value(engagement_ids)
    with application_role(using):
        with connections[using].cursor() as cursor:
            # In order: the context before, then the job's.
            cursor.execute(
                "SELECT current_setting(%s, true), current_setting(%s, true), "
                + _SET_CONTEXT.format(local="false"),
                [SETTING, ENGAGEMENTS_SETTING, *_context_params(value, named)],
            )
            previous, previous_named = cursor.fetchone()[:2]
        try:
            yield
        finally:
            connection = connections[using]
            if connection.connection is not None and not (
                connection.in_atomic_block and connection.needs_rollback
            ):
                _set_context(previous or "", previous_named or "", local=False, using=using)


def clear_job_tenant(using: str = DEFAULT_DB_ALIAS) -> None:
    """No tenant on this connection (before a task; an open connection only)."""
    if connections[using].connection is not None:
        _set_context("", "", local=False, using=using)


def engagements_parties(engagement_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """The client and provider ids of the given engagements (through the owner function)."""
    ids = sorted({int(pk) for pk in engagement_ids})
    if not ids:
        return []
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT unnest(rpo_engagement_parties(e)) FROM unnest(%s::bigint[]) e", [ids]
        )
        return sorted(pk for (pk,) in cursor.fetchall() if pk is not None)


def job_engagements(engagement_ids: Iterable[int], using: str = DEFAULT_DB_ALIAS):
    """A job working on these engagements: their parties are its tenant, and only these
    engagements' data is visible to it (not the rest of its parties' engagements)."""
    engagement_ids = sorted({int(pk) for pk in engagement_ids})
    return job_tenant(engagements_parties(engagement_ids, using), using, engagement_ids)


def all_organizations(using: str = DEFAULT_DB_ALIAS) -> list[int]:
    """Every organization's id: the tenant of the scheduler's fan-out, which lists the
    engagements to hand to per-engagement work (organizations are not engagement data)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_organization")
        return [pk for (pk,) in cursor.fetchall()]


def scheduler_tenant(using: str = DEFAULT_DB_ALIAS):
    """The nightly scheduler's fan-out: every organization, to read engagement ids and states.
    The work on each engagement then runs with that engagement's parties (`job_engagements`)."""
    return job_tenant(all_organizations(using), using)


def command_tenant(engagement_slug: str | None, using: str = DEFAULT_DB_ALIAS):
    """An application command's tenant: the parties of the engagement it names (none if there
    is no such engagement, so the command finds nothing and says so), or every organization
    for a command over every engagement."""
    if not engagement_slug:
        return scheduler_tenant(using)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT rpo_engagement_parties_by_slug(%s)", [str(engagement_slug)])
        parties = cursor.fetchone()[0]
    return job_tenant(list(parties or []), using)
