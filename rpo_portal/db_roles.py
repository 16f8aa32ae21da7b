"""The database roles: who logs in as which, and the one door for bulk writes (`COPY`).

Three roles (docs/security.md, "Database roles"):
- **the tables' owner** logs in with `DATABASE_URL`: migrations, the operator's commands,
  backups, and the Celery worker (which runs its work as `rpo_app` and takes the owner's role
  back only inside `rows_copy`, for the speed of `COPY`).
- **`rpo_app`** (NOLOGIN, no BYPASSRLS, owns nothing) holds the grants on the tables and is
  subject to row-level security; every request, task and application command runs as it.
- **the web login** (`rpo_web` unless `APP_DATABASE_URL` names another), a LOGIN role that is a
  member of `rpo_app` only: the web server (and the API in it) connects as it, so no SQL it
  runs can become the owner (`RESET ROLE` returns to the web login, which may do nothing
  `rpo_app` may not). `migrate` creates it (as a role that may create roles) and sets the
  password `APP_DATABASE_URL` gives it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

APP_ROLE = "rpo_app"

ROLE_SQL = f"""
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
    -- The worker's processes switch to the role (SET ROLE): the owner must be a member. A
    -- superuser is; an owner who created the role may grant it to itself.
    IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
            RAISE WARNING 'The application switches to {APP_ROLE}: GRANT {APP_ROLE} TO %',
                current_user;
        END;
    END IF;
END
$$;
"""

# The web login: created if missing, given its password, made a member of rpo_app; refused if
# it could do more than rpo_app (a superuser, BYPASSRLS, a member of the owner or of any role
# but rpo_app). The name
# and password come in as settings of the transaction (`roles_ensure`), never as SQL text.
LOGIN_SQL = f"""
DO $$
DECLARE
    login text := current_setting('rpo.web_login');
    secret text := current_setting('rpo.web_secret');
BEGIN
    IF login = current_user THEN
        RAISE EXCEPTION 'The web login % is the tables'' owner', login
            USING HINT = 'APP_DATABASE_URL must name a role of its own (rpo_web).';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = login) THEN
        BEGIN
            EXECUTE format(
                'CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', login
            );
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'The web login % does not exist and % may not create it',
                    login, current_user
                    USING HINT = format('As a superuser: CREATE ROLE %I LOGIN PASSWORD ''...'';'
                        ' GRANT {APP_ROLE} TO %I; then migrate again.', login, login);
        END;
    END IF;
    IF secret <> '' THEN
        BEGIN
            EXECUTE format('ALTER ROLE %I PASSWORD %L', login, secret);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING '% may not set the password of %: set it as a superuser',
                current_user, login;
        END;
    END IF;
    IF NOT pg_has_role(login, '{APP_ROLE}', 'MEMBER') THEN
        EXECUTE format('GRANT {APP_ROLE} TO %I', login);
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = login AND (rolsuper OR rolbypassrls))
        OR pg_has_role(login, current_user, 'MEMBER')
        OR EXISTS (SELECT FROM pg_auth_members m WHERE m.member = login::regrole
                   AND m.roleid <> '{APP_ROLE}'::regrole)
    THEN
        RAISE EXCEPTION 'The web login % could bypass row-level security or become %',
            login, current_user
            USING HINT = 'A member of {APP_ROLE} only, without SUPERUSER or BYPASSRLS.';
    END IF;
END
$$;
"""  # noqa: S608 - constants only

# ANALYZE is the owner's: the web login's first fill of a table asks the owner for it, for the
# tables of engagement data only (it reveals nothing; the statistics are the planner's).
ANALYZE_SQL = f"""
CREATE OR REPLACE FUNCTION rpo_analyze(target regclass) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS $$
    BEGIN
        IF NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = target
                       AND p.polname = 'rpo_tenant_isolation') THEN
            RAISE EXCEPTION 'rpo_analyze: % holds no engagement data', target;
        END IF;
        EXECUTE format('ANALYZE %s', target);
    END
    $$;
REVOKE ALL ON FUNCTION rpo_analyze(regclass) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION rpo_analyze(regclass) TO {APP_ROLE};
"""  # noqa: S608 - constants only


def web_login() -> str:
    return settings.RPO_WEB_DATABASE["USER"]


def roles_ensure(cursor) -> None:
    """Create the application role and the web login (idempotent; as the tables' owner)."""
    # With parameters (none of its own), so its literal % is escaped the same way whether
    # or not an execute wrapper (pghistory's context, inside a job) adds parameters to it.
    cursor.execute(ROLE_SQL.replace("%", "%%"), [])
    cursor.execute(
        # For the session (a restore runs outside a transaction), and cleared right after.
        "SELECT set_config('rpo.web_login', %s, false), set_config('rpo.web_secret', %s, false)",
        [web_login(), settings.RPO_WEB_DATABASE.get("PASSWORD") or ""],
    )
    cursor.execute(LOGIN_SQL.replace("%", "%%"), [])
    cursor.execute("SELECT set_config('rpo.web_secret', '', false)")
    cursor.execute(ANALYZE_SQL.replace("%", "%%"), [])


def use_web_login() -> None:
    """From now on this process connects as the web login (the web server: `wsgi.py`).

    Every connection of the process, in every thread, reads the one settings entry, so the
    connection open in this thread (runserver's migration check, as the owner) is closed."""
    if not settings.RPO_PROCESS_APPLICATION_ROLE:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    connection.settings_dict.update(settings.RPO_WEB_DATABASE)
    connection.close()


def rows_copy(
    cursor,
    table: str,
    columns: list[str],
    data,
    *,
    engagement_ids: Iterable[int],
    options: str = "",
    analyze: bool = False,
    size: int = 8192,
) -> None:
    """`COPY table (columns) FROM STDIN (options)` the rows of `data` (a file), all of them for
    `engagement_ids`; then, with `analyze`, the table's statistics (after a first fill).

    PostgreSQL refuses `COPY FROM` into a table with row-level security to a role subject to
    it. So, inside the current transaction, as `rpo_app`: every engagement must be visible in
    the current context (the callers build every row's engagement column from these ids,
    never from the input), and then
    - a login that may act as the owner (the worker) switches to it for the `COPY` and back;
    - the web login, which may not, `COPY`s into a temporary table and inserts from it, as
      `rpo_app`: the policy checks every row, and the owner's `rpo_analyze` does the ANALYZE.
    As the owner already (a migration, a test's fixture, an operator's command) it just copies.
    """
    ids = sorted({int(pk) for pk in engagement_ids})
    connection = getattr(cursor, "db", None) or connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        raise RuntimeError("rows_copy runs inside a transaction.")
    names = ", ".join(columns)
    copy = f"COPY {{}} ({names}) FROM STDIN" + (f" ({options})" if options else "")
    cursor.execute(
        "SELECT current_user, pg_has_role(session_user, c.relowner, 'MEMBER')"
        " FROM pg_class c WHERE c.oid = %s::regclass",
        [table],
    )
    role, owner_login = cursor.fetchone()
    if role != APP_ROLE:
        cursor.copy_expert(copy.format(table), data, size)
        if analyze:
            cursor.execute(f"ANALYZE {table}")
        return
    cursor.execute("SELECT count(*) FROM engagements_engagement WHERE id = ANY (%s)", [ids])
    if cursor.fetchone()[0] != len(ids):
        raise PermissionError("Refused: an engagement outside the tenant context.")
    if owner_login:
        cursor.execute("SET LOCAL ROLE NONE")
        # On an error the transaction (or the caller's savepoint) is rolled back, which undoes
        # the switch; only a block that succeeded switches back here.
        cursor.copy_expert(copy.format(table), data, size)
        if analyze:
            cursor.execute(f"ANALYZE {table}")
        cursor.execute(f"SET LOCAL ROLE {APP_ROLE}")
        return
    staging = f"rpo_copy_{table}"[:63]
    # Identifiers only: the callers' table and column names, from the models.
    cursor.execute(
        f"CREATE TEMP TABLE {staging} AS SELECT {names} FROM {table} WITH NO DATA"  # noqa: S608
    )
    cursor.copy_expert(copy.format(staging), data, size)
    cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")  # noqa: S608
    cursor.execute(f"DROP TABLE {staging}")
    if analyze:
        cursor.execute("SELECT rpo_analyze(%s::regclass)", [table])
