"""Backups: a dump taken while an import is writing restores to exactly what was committed
when the dump started, into an empty database only, with the server's own pg_dump."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from operations.backups import server_major, tool_for
from recruiting.services import records_import
from tests.kpis.sample import import_sample
from tests.operations.servers import database_url

ROOT = Path(__file__).resolve().parents[2]

# What a restore must bring back: every recruiting table, the imports' history, KPI values.
COUNTED = [
    "recruiting_requisition",
    "recruiting_application",
    "recruiting_survey",
    "recruiting_qualityreview",
    "recruiting_cost",
    "recruiting_hiringplanline",
    "recruiting_importrun",
    "kpis_metricvalue",
    "kpis_metricrun",
    "engagements_engagement",
    "accounts_user",
]
VALUES = (
    "SELECT engagement_id, kpi, version, grain, period, dimension, segment, value, n,"
    " numerator, denominator, suppressed, status FROM kpis_metricvalue ORDER BY 1, 2, 3, 4, 5, 6, 7"
)


def dsn(name: str) -> dict:
    config = connection.settings_dict
    return {
        "dbname": name,
        "host": config["HOST"] or config.get("OPTIONS", {}).get("host"),
        "port": config["PORT"] or None,
        "user": config["USER"] or None,
        "password": config["PASSWORD"] or None,
    }


def state_of(name: str) -> dict:
    """Row counts and every KPI value of a database, read over its own connection."""
    with psycopg2.connect(**dsn(name)) as conn, conn.cursor() as cursor:
        counts = {}
        for table in COUNTED:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - names above
            counts[table] = cursor.fetchone()[0]
        cursor.execute(VALUES)
        return {"counts": counts, "values": cursor.fetchall()}


def manage(*arguments: str, database: str) -> subprocess.CompletedProcess:
    """manage.py in its own process, as an operator runs it, against `database`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict, database),
        "DJANGO_SETTINGS_MODULE": "rpo_portal.settings",
        "DJANGO_DEBUG": "true",
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = psycopg2.connect(**dsn("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def waiting_on_a_lock(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [database],
        )
        return cursor.fetchone()[0] > 0


NEW_REQUISITIONS = [
    {"external_id": f"NEW-{i:04d}", "title": "Engineer", "opened_on": "2025-03-01"}
    for i in range(500)
]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_backup_during_an_import_restores_what_was_committed_when_it_began(
    engagement, account_manager, tmp_path, empty_database
):
    from kpis.services import engagement_metrics_recompute

    import_sample(engagement)
    engagement_metrics_recompute(engagement=engagement)
    source = connection.settings_dict["NAME"]
    before = state_of(source)
    assert before["counts"]["kpis_metricvalue"] > 0

    # The import writes its rows, then waits for the engagement's bookkeeping row, which this
    # connection holds: the dump starts while the import's rows are written, not committed.
    holder = psycopg2.connect(**dsn(source))
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM kpis_engagementmetricsstate WHERE engagement_id = %s FOR UPDATE",
            [engagement.pk],
        )
    results = []

    def run_import():
        try:
            results.append(
                records_import(
                    actor=account_manager,
                    engagement=engagement,
                    kind="requisitions",
                    rows=NEW_REQUISITIONS,
                    source="api",
                )
            )
        finally:
            from django.db import connection as own

            own.close()

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        deadline = time.monotonic() + 60
        while not waiting_on_a_lock(source):
            assert time.monotonic() < deadline, "the import never reached its last write"
            time.sleep(0.05)
        # What is committed now (the import's run record, not its rows) is what must return.
        at_dump = state_of(source)
        dump = tmp_path / "during-import.dump"
        call_command("backup", output=dump)
    finally:
        holder.rollback()
        holder.close()
        importer.join(120)
    assert results and results[0].ok
    after = state_of(source)
    assert after["counts"]["recruiting_requisition"] == (
        at_dump["counts"]["recruiting_requisition"] + len(NEW_REQUISITIONS)
    )
    assert at_dump["counts"]["recruiting_requisition"] == before["counts"]["recruiting_requisition"]
    assert at_dump["values"] == before["values"]

    restored = manage("restore", str(dump), database=empty_database)
    assert restored.returncode == 0, restored.stderr
    restored_state = state_of(empty_database)
    assert restored_state["counts"] == at_dump["counts"]
    assert restored_state["values"] == at_dump["values"]
    # Row-level security comes back, and the application role gets its grants again.
    with psycopg2.connect(**dsn(empty_database)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT relrowsecurity, has_table_privilege('rpo_app', oid, 'SELECT, INSERT')"
            " FROM pg_class WHERE oid = 'kpis_metricvalue'::regclass"
        )
        assert cursor.fetchone() == (True, True)

    again = manage("restore", str(dump), database=empty_database)
    assert again.returncode != 0
    assert "not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_backup_command_writes_a_custom_format_dump(engagement, tmp_path, settings):
    settings.RPO_BACKUP_DIR = tmp_path
    for _ in range(3):
        call_command("backup", "--keep", "2")
        time.sleep(1.1)  # file names carry the second
    dumps = sorted(tmp_path.glob("*.dump"))
    assert len(dumps) == 2
    assert not list(tmp_path.glob("*.partial"))
    assert dumps[0].read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.django_db(transaction=True)
def test_backups_are_readable_by_their_owner_only(engagement, tmp_path, settings):
    """A dump holds every tenant and every password and key hash: files 0600 in a 0700
    folder, a new folder made so and one that already exists (with its dumps) tightened."""
    new_folder = tmp_path / "new" / "backups"
    settings.RPO_BACKUP_DIR = new_folder
    call_command("backup")
    [dump] = new_folder.glob("*.dump")
    assert (_mode(new_folder), _mode(dump)) == (0o700, 0o600)

    old_folder = tmp_path / "old"
    old_folder.mkdir(mode=0o755)
    old_folder.chmod(0o755)
    earlier = old_folder / "rpo_portal-20250101T000000Z.dump"
    earlier.write_bytes(b"PGDMP")
    earlier.chmod(0o644)
    settings.RPO_BACKUP_DIR = old_folder
    call_command("backup")
    assert _mode(old_folder) == 0o700
    dumps = list(old_folder.glob("*.dump"))
    assert len(dumps) == 2 and {_mode(dump) for dump in dumps} == {0o600}

    # A file named by the operator, and a leftover partial dump of the same name.
    output = tmp_path / "chosen" / "today.dump"
    output.parent.mkdir()
    leftover = output.with_name(output.name + ".partial")
    leftover.write_bytes(b"half")
    leftover.chmod(0o644)
    call_command("backup", "--output", str(output))
    assert _mode(output) == 0o600 and output.read_bytes()[:5] == b"PGDMP"


def test_a_restore_needs_an_existing_file(tmp_path):
    result = manage("restore", str(tmp_path / "missing.dump"), database="postgres")
    assert result.returncode != 0 and "No such file" in result.stderr


@pytest.mark.django_db
def test_pg_dump_matches_the_server():
    """pg_dump refuses newer servers; the one chosen is the server's major version here."""
    major = server_major()
    chosen = tool_for("pg_dump", major)
    version = subprocess.run(  # noqa: S603
        [chosen, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f") {major}." in version, (chosen, version)
    assert (
        ") 16."
        in subprocess.run(  # noqa: S603
            [tool_for("pg_dump", 16), "--version"], capture_output=True, text=True, check=True
        ).stdout
    )  # the embedded engine's own tools serve its version


def test_no_pg_dump_new_enough_is_an_error():
    from operations.backups import BackupError

    with pytest.raises(BackupError, match="No pg_dump of PostgreSQL 99"):
        tool_for("pg_dump", 99)
