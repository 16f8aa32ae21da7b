"""Backups of the whole database with pg_dump (custom format) and their restore.

pg_dump reads the database in one snapshot, so a dump taken while imports or recomputes run
holds exactly what was committed when it started: never half an import. pg_dump refuses a
server newer than itself, so the binary is chosen per server: `PG_DUMP` / `PG_RESTORE` when
set, else, among the embedded PostgreSQL's own tools, the Debian clusters'
(`/usr/lib/postgresql/<major>/bin`) and the ones on PATH, the one whose major version is the
server's, or the nearest above it.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from rpo_portal import tenant_db


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a database is, as libpq's tools take it."""

    name: str
    host: str
    port: str
    user: str
    password: str

    @classmethod
    def of(cls, alias: str = "default") -> Target:
        config = connections[alias].settings_dict
        return cls(
            name=config["NAME"],
            # A socket directory may come as the URL's `?host=` (OPTIONS), as libpq allows.
            host=str(config.get("HOST") or config.get("OPTIONS", {}).get("host") or ""),
            port=str(config.get("PORT") or ""),
            user=config.get("USER") or "",
            password=config.get("PASSWORD") or "",
        )

    def arguments(self) -> list[str]:
        arguments = ["--dbname", self.name]
        if self.host:
            arguments += ["--host", self.host]
        if self.port:
            arguments += ["--port", self.port]
        if self.user:
            arguments += ["--username", self.user]
        return arguments

    def environment(self) -> dict[str, str]:
        environment = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        if self.password:
            environment["PGPASSWORD"] = self.password
        return environment


def server_major(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _tool_major(path: str) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 - a PostgreSQL tool found on this machine
            [path, "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\) (\d+)", output)
    return int(match.group(1)) if match else None


def _candidates(tool: str) -> list[str]:
    found = []
    try:
        import pgserver  # the embedded engine ships its own client tools

        found.append(str(Path(pgserver.__file__).parent / "pginstall" / "bin" / tool))
    except ImportError:
        pass
    found += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    on_path = shutil.which(tool)
    if on_path:
        found.append(on_path)
    return [path for path in found if os.access(path, os.X_OK)]


def tool_for(tool: str, major: int) -> str:
    """The `pg_dump` or `pg_restore` to use against a server of version `major`."""
    override = os.environ.get(tool.upper())
    if override:
        return override
    usable = []
    for path in _candidates(tool):
        version = _tool_major(path)
        if version is not None and version >= major:
            usable.append((version, path))
    if not usable:
        raise BackupError(
            f"No {tool} of PostgreSQL {major} or newer found; install the client tools of the "
            f"server's version or set {tool.upper()} to one."
        )
    return min(usable)[1]  # the server's own version where there is one


# A dump holds every tenant and every password and key hash: only its owner may read it.
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def backup_dir() -> Path:
    return Path(getattr(settings, "RPO_BACKUP_DIR", Path(settings.BASE_DIR) / ".data" / "backups"))


def _private_backup_dir(directory: Path) -> None:
    """The backup folder, made private; one that already exists (an older deployment's, or
    made by hand) is tightened, with the dumps already in it."""
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    directory.chmod(PRIVATE_DIR)
    for dump in directory.glob("*.dump"):
        dump.chmod(PRIVATE_FILE)


def _private_file(path: Path) -> None:
    """An empty file only its owner may read, for pg_dump to write into: pg_dump truncates an
    existing file and keeps its mode, so the dump is never readable by others, not even while
    it is written."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # a leftover partial file keeps its old mode otherwise
    finally:
        os.close(fd)


def backup_create(*, output: Path | None = None, alias: str = "default") -> Path:
    """Write a pg_dump custom-format dump of the database; returns its path.

    The dump is written beside its final name and renamed when complete, so a file with the
    final name is always a whole dump.
    """
    target = Target.of(alias)
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        _private_backup_dir(backup_dir())
        output = backup_dir() / f"{target.name}-{stamp}.dump"
    else:  # the operator's own place: made private if new, left as it is if not
        output.parent.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    _private_file(partial)
    command = [
        tool_for("pg_dump", server_major(alias)),
        "--format=custom",
        "--no-password",
        "--file",
        str(partial),
        *target.arguments(),
    ]
    _run(command, target)
    partial.replace(output)
    return output


def backups_prune(*, keep: int, directory: Path | None = None) -> list[Path]:
    """Delete all but the `keep` newest dumps of the directory; returns what was deleted."""
    directory = directory or backup_dir()
    dumps = sorted(directory.glob("*.dump"), key=lambda path: path.stat().st_mtime, reverse=True)
    for path in dumps[keep:]:
        path.unlink()
    return dumps[keep:]


def database_is_empty(alias: str = "default") -> bool:
    """No relation, type or function of our own in any schema but PostgreSQL's."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast_temp%%'
            """
        )
        return cursor.fetchone()[0] == 0


def backup_restore(*, path: Path, alias: str = "default") -> None:
    """Restore a dump into the database, which must be empty: a restore never merges."""
    if not path.is_file():
        raise BackupError(f"No such file: {path}")
    if not database_is_empty(alias):
        raise BackupError(
            f"Database {Target.of(alias).name} is not empty: restore only into a new, empty "
            "database (createdb), then point DATABASE_URL at it."
        )
    target = Target.of(alias)
    connections[alias].close()  # the restore is the only session that writes
    command = [
        tool_for("pg_restore", server_major(alias)),
        "--no-password",
        "--exit-on-error",
        "--single-transaction",
        "--no-owner",
        "--no-privileges",
        *target.arguments(),
        str(path),
    ]
    _run(command, target)
    # The policies come back with the dump; the application role's grants do not
    # (--no-privileges, and the role may be new to this server): give them back.
    tenant_db.secure(connections[alias])


def _run(command: list[str], target: Target) -> None:
    try:
        subprocess.run(  # noqa: S603 - a PostgreSQL tool with arguments built above
            command, env=target.environment(), capture_output=True, text=True, check=True
        )
    except subprocess.CalledProcessError as error:
        raise BackupError(error.stderr.strip() or f"{command[0]} failed") from error
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot run {command[0]}: {error}") from error
