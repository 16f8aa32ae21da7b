"""Django setup for benchmarks: a throwaway database on the configured PostgreSQL."""

import json
import os
import time
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rpo_portal.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django

    django.setup()
    from rpo_portal.celery import app

    # Imports schedule a KPI recompute; a benchmark times the work itself and must not
    # hand tasks about its throwaway database to a worker of the real one.
    app.conf.broker_url = "memory://localhost/"


@contextmanager
def bench_database(name: str):
    """Create a fresh database `bench_<name>`, migrate it, and drop it afterwards."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    # Its own name, so a benchmark never touches the test suite's (reused) database, and two
    # benchmarks (or two checkouts' runs of one, with RPO_TEST_DB_SUFFIX) can run side by side.
    suffix = os.environ.get("RPO_TEST_DB_SUFFIX")
    connection.settings_dict["TEST"]["NAME"] = f"bench_{name}" + (f"_{suffix}" if suffix else "")
    old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        yield connection
    finally:
        teardown_databases(old, verbosity=0)


@contextmanager
def timed(label: str, into: dict):
    start = time.perf_counter()
    yield
    into[label] = time.perf_counter() - start


def record(name: str, figures: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    line = json.dumps({"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%S"), **figures})
    with open(RESULTS / f"{name}.jsonl", "a") as out:
        out.write(line + "\n")
    print(line)
