"""Importing applications with their requisitions from CSV, against PostgreSQL's own COPY.

Generates the two files (100,000 requisitions, 1,000,000 applications by default), imports them
into an empty engagement through the real importer (`recruiting.services.file_import`), imports
them again unchanged, then times `COPY ... FROM STDIN` of the same files into bare tables with
the same columns and no constraints. Target: the importer within 4x COPY. For reference it
also times moving those bare rows into the real tables for another engagement with one
`INSERT ... SELECT` (the tables' own indexes, constraints, foreign keys and integrity triggers,
no validation).

Smaller runs: `BENCH_REQUISITIONS=2000 .venv/bin/python -m bench.imports` (or `--requisitions`).
`--web-login`: the imports run as the web server's login (`rpo_web`, which cannot become the
owner, so the first load goes through a temporary table and an insert under the policy) instead
of the worker's (the owner's login, switched to `rpo_app`, which COPYs as the owner).
"""

import argparse
import contextlib
import os
import tempfile
from datetime import date
from pathlib import Path

from bench._setup import bench_database, django_setup, record, timed

END = date(2026, 9, 30)
KINDS = ("requisitions", "applications")
# The contract's columns with the types they hold once read; no keys, no constraints.
BARE_TABLES = {
    "requisitions": """
        external_id text, title text, department text, location text, job_family text,
        priority text, openings integer, opened_on date, on_hold_days integer, filled_on date,
        cancelled_on date, hiring_manager text, recruiter text""",
    "applications": """
        external_id text, requisition_id text, candidate_id text, source text, applied_on date,
        screened_on date, interviewed_on date, offered_on date, offer_outcome text,
        offer_decided_on date, started_on date, rejected_on date, withdrawn_on date,
        diverse boolean""",
}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--requisitions", type=int, default=int(os.environ.get("BENCH_REQUISITIONS", 100_000))
    )
    parser.add_argument("--applications-per-requisition", type=int, default=10)
    parser.add_argument("--web-login", action="store_true")
    return parser.parse_args()


def file_import_timed(engagement, directory: Path, figures: dict, label: str) -> dict:
    from recruiting.services import file_import

    results = {}
    with timed(label, figures):
        for kind in KINDS:
            path = directory / f"{kind}.csv"
            with timed(f"{label}_{kind}", figures), open(path, "rb") as file:
                result = file_import(
                    actor=None,
                    engagement=engagement,
                    file=file,
                    file_name=path.name,
                    kind=kind,
                    source="command",
                )
            if not result.ok:
                raise SystemExit(f"{kind}: the importer refused the file: {result.errors[:5]}")
            results[kind] = result
    return results


def copy_timed(connection, directory: Path, figures: dict) -> None:
    with connection.cursor() as cursor:
        for kind, columns in BARE_TABLES.items():
            cursor.execute(f"CREATE TABLE bare_{kind} ({columns})")
        connection.commit()
        with timed("copy", figures):
            for kind in KINDS:
                with timed(f"copy_{kind}", figures), open(directory / f"{kind}.csv") as file:
                    cursor.copy_expert(
                        f"COPY bare_{kind} FROM STDIN WITH (FORMAT csv, HEADER true)", file
                    )
                    connection.commit()


TABLE_INSERTS = {
    "requisitions": """
        INSERT INTO recruiting_requisition (engagement_id, created_at, updated_at, external_id,
            title, department, location, job_family, priority, openings, opened_on,
            on_hold_days, filled_on, cancelled_on, hiring_manager, recruiter)
        SELECT %(engagement)s, now(), now(), external_id, title, coalesce(department, ''),
            coalesce(location, ''), coalesce(job_family, ''), coalesce(priority, 'normal'),
            coalesce(openings, 1), opened_on, coalesce(on_hold_days, 0), filled_on, cancelled_on,
            coalesce(hiring_manager, ''), coalesce(recruiter, '')
        FROM bare_requisitions""",
    "applications": """
        INSERT INTO recruiting_application (engagement_id, created_at, updated_at, external_id,
            requisition_id, candidate_id, source, applied_on, screened_on, interviewed_on,
            offered_on, offer_outcome, offer_decided_on, started_on, rejected_on, withdrawn_on,
            diverse)
        SELECT %(engagement)s, now(), now(), a.external_id, r.id, a.candidate_id, a.source,
            a.applied_on, a.screened_on, a.interviewed_on, a.offered_on,
            coalesce(a.offer_outcome, ''), a.offer_decided_on, a.started_on, a.rejected_on,
            a.withdrawn_on, a.diverse
        FROM bare_applications a JOIN recruiting_requisition r
            ON r.engagement_id = %(engagement)s AND r.external_id = a.requisition_id""",
}


def tables_timed(connection, engagement, figures: dict) -> int:
    """The database's own share: the COPYed rows into the real tables, as one SQL insert.

    Same indexes, CHECK constraints, foreign keys (checked at commit, as Django declares them
    deferred) and the applications' integrity triggers as the importer writes to, and no
    validation: what no importer can beat.
    """
    rows = 0
    with connection.cursor() as cursor, timed("insert_select", figures):
        for kind in KINDS:
            cursor.execute(TABLE_INSERTS[kind], {"engagement": engagement.pk})
            rows += cursor.rowcount
        connection.commit()
    return rows


def main() -> None:
    args = arguments()
    django_setup()
    from django.conf import settings

    # A million applications are a file of about 100 MB, over the upload limit of the web.
    settings.RPO_IMPORT_MAX_BYTES = 4 * 1024**3

    from recruiting.generator import DataSpec, write_csv
    from recruiting.models import Application, Requisition
    from rpo_portal import tenant_db
    from tests.factories import EngagementFactory
    from tests.web_login import web_login

    spec = DataSpec(
        requisitions=args.requisitions,
        seed=1,
        end=END,
        applications_per_requisition=args.applications_per_requisition,
    )
    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp, bench_database("imports") as connection:
        directory = Path(tmp)
        with timed("generate", figures):
            counts = write_csv(spec, directory)
        engagement = EngagementFactory()
        # Each file commits in its own transaction inside the timing, as COPY's does below;
        # as the import job runs it: the application role with the engagement's tenant.
        with (
            web_login() if args.web_login else contextlib.nullcontext(),
            tenant_db.job_engagements([engagement.pk]),
        ):
            first = file_import_timed(engagement, directory, figures, "import")
            again = file_import_timed(engagement, directory, figures, "reimport")
        stored = {
            "requisitions": Requisition.objects.filter(engagement=engagement).count(),
            "applications": Application.objects.filter(engagement=engagement).count(),
        }
        if any(
            stored[kind] != counts[kind]
            or first[kind].created != counts[kind]
            or again[kind].unchanged != counts[kind]
            for kind in KINDS
        ):
            raise SystemExit(f"wrong counts: {counts} generated, {stored} stored, {first}, {again}")
        csv_mb = sum((directory / f"{kind}.csv").stat().st_size for kind in KINDS) / 1e6
        copy_timed(connection, directory, figures)
        if tables_timed(connection, EngagementFactory(), figures) != sum(counts[k] for k in KINDS):
            raise SystemExit("INSERT ... SELECT did not insert every row")
    record(
        "imports",
        {
            "login": "web" if args.web_login else "worker",
            "requisitions": counts["requisitions"],
            "applications": counts["applications"],
            "csv_mb": round(csv_mb, 1),
            **{k: round(v, 2) for k, v in figures.items()},
            "import_over_copy": round(figures["import"] / figures["copy"], 2),
            "reimport_over_copy": round(figures["reimport"] / figures["copy"], 2),
            "insert_select_over_copy": round(figures["insert_select"] / figures["copy"], 2),
        },
    )


if __name__ == "__main__":
    main()
