"""Full and incremental KPI recompute, against reading the same input columns with COPY.

Loads 200 engagements holding 100,000 requisitions and 1,000,000 applications in total over 24
months (with their surveys, quality reviews, costs and hiring plans), straight into the tables
with `COPY` (the generator's rows, not the importer, so setting up stays fast), and vacuums
them (`settle`: the steady state a nightly run meets, not autovacuum catching up). Then times:

- `first`: the first computation of every engagement into an empty `kpis_metricvalue`
  (`kpis.services.metrics_recompute_stale(full=True)`), which writes every value (the
  values' table is vacuumed after it, like the inputs);
- `full`: the same full recompute again, as `recompute_metrics --full` runs it every night
  with the values in place and the data unchanged; against `COPY (SELECT <the columns the
  engine reads>) TO STDOUT` of every input table once; target: within 5x the COPY;
- the incremental run (`metrics_recompute_stale()`, what the nightly job runs) after changing
  1% of one engagement's requisitions and applications; target: within 5% of the full run.

Smaller runs: `BENCH_ENGAGEMENTS=10 BENCH_REQUISITIONS=2000 .venv/bin/python -m bench.kpis`.
"""

import argparse
import io
import os
from datetime import date

from bench._setup import bench_database, django_setup, record, timed

END = date(2026, 9, 30)
# The generator's reference columns, and the kind whose external ids they hold.
REFERENCES = {"requisition": "requisitions", "application": "applications"}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    environ = os.environ.get
    parser.add_argument("--engagements", type=int, default=int(environ("BENCH_ENGAGEMENTS", 200)))
    parser.add_argument(
        "--requisitions",
        type=int,
        default=int(environ("BENCH_REQUISITIONS", 100_000)),
        help="in total, shared evenly by the engagements",
    )
    parser.add_argument("--applications-per-requisition", type=int, default=10)
    return parser.parse_args()


class Sink(io.RawIOBase):
    """Where COPY TO STDOUT writes: counts the bytes, keeps nothing."""

    size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        return len(data)


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class TableLoader:
    """Turns the generator's rows into COPY text for the recruiting tables, assigning ids."""

    def __init__(self, models: dict, now: str) -> None:
        self.models = models
        self.now = now
        self.buffers = {kind: io.StringIO() for kind in models}
        self.next_id = dict.fromkeys(models, 1)
        self.ids: dict[str, dict[str, int]] = {"requisitions": {}, "applications": {}}
        self.layout = {kind: self._layout(model) for kind, model in models.items()}

    @staticmethod
    def _layout(model) -> list[tuple[str, str, object]]:
        """(column, how to fill it, default) for every column of the model's table."""
        layout = []
        for field in model._meta.concrete_fields:
            if field.name in ("id", "engagement", "created_at", "updated_at"):
                how = field.name
            elif field.is_relation:
                how = "reference"
            elif field.name == "month":
                how = "month"
            else:
                how = "value"
            default = None if field.null else (field.get_default() if field.has_default() else "")
            layout.append((field.column, how, field.name, default))
        return layout

    def columns(self, kind: str) -> list[str]:
        return [column for column, *_ in self.layout[kind]]

    def add(self, engagement_id: int, kind: str, row: dict) -> None:
        pk = self.next_id[kind]
        self.next_id[kind] += 1
        if kind in self.ids:
            self.ids[kind][row["external_id"]] = pk
        cells = []
        for _, how, name, default in self.layout[kind]:
            if how == "id":
                value = pk
            elif how == "engagement":
                value = engagement_id
            elif how in ("created_at", "updated_at"):
                value = self.now
            elif how == "reference":
                external_id = row.get(f"{name}_id")
                value = self.ids[REFERENCES[name]][external_id] if external_id else None
            elif how == "month":
                value = f"{row['month']}-01"
            else:
                value = row.get(name)
                if value is None:
                    value = default
            cells.append(_copy_text(value))
        self.buffers[kind].write("\t".join(cells) + "\n")

    def flush(self, cursor) -> None:
        for kind, buffer in self.buffers.items():
            buffer.seek(0)
            table = self.models[kind]._meta.db_table
            cursor.copy_expert(f"COPY {table} ({', '.join(self.columns(kind))}) FROM STDIN", buffer)
            self.buffers[kind] = io.StringIO()

    def finish(self, cursor) -> None:
        for kind, model in self.models.items():
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",  # noqa: S608 - model metadata
                [max(1, self.next_id[kind] - 1)],
            )
            cursor.execute(f"ANALYZE {table}")


def load(engagements, requisitions_each: int, applications_per_requisition: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from recruiting import models as m
    from recruiting.generator import DataSpec, generate, scope_for

    models = {
        "requisitions": m.Requisition,
        "applications": m.Application,
        "surveys": m.Survey,
        "quality": m.QualityReview,
        "costs": m.Cost,
        "hiring_plan": m.HiringPlanLine,
    }
    loader = TableLoader(models, timezone.now().isoformat())
    counts = dict.fromkeys(models, 0)
    with connection.cursor() as cursor:
        # Ids follow the rows already there, so a second load adds to the first.
        for kind, model in models.items():
            cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")  # noqa: S608 - model metadata
            loader.next_id[kind] = cursor.fetchone()[0]
        for number, engagement in enumerate(engagements, start=1):
            spec = DataSpec(
                requisitions=requisitions_each,
                seed=engagement.pk,
                end=END,
                scope=scope_for(engagement),
                applications_per_requisition=applications_per_requisition,
            )
            loader.ids = {"requisitions": {}, "applications": {}}
            for kind, row in generate(spec):
                loader.add(engagement.pk, kind, row)
                counts[kind] += 1
            if number % 20 == 0:
                loader.flush(cursor)
        loader.flush(cursor)
        loader.finish(cursor)
    return counts


def settle(connection, models) -> None:
    """VACUUM (ANALYZE) tables just bulk-written, as autovacuum long since has every night.

    Right after a bulk load, autovacuum is still working through the new rows (and the
    first reads still set their hint bits): timed then, every step measures that catch-up on
    two cores, not the steady state a nightly run meets. Both sides of each ratio are timed
    after this.
    """
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def inputs() -> list:
    """(model, the columns the KPI engine reads) of every input table."""
    from kpis import compute
    from recruiting import models as m

    return [
        (m.Requisition, compute.REQUISITION_COLUMNS),
        (m.Application, compute.APPLICATION_COLUMNS),
        (m.Survey, compute.SURVEY_COLUMNS),
        (m.QualityReview, compute.QUALITY_COLUMNS),
        (m.Cost, compute.COST_COLUMNS),
        (m.HiringPlanLine, compute.PLAN_COLUMNS),
    ]


def copy_inputs(connection) -> int:
    """Read every column the KPI engine reads, from every input table, once."""
    sink = Sink()
    with connection.cursor() as cursor:
        for model, columns in inputs():
            column_sql = ", ".join(["engagement_id", *columns])
            cursor.copy_expert(
                f"COPY (SELECT {column_sql} FROM {model._meta.db_table}) "  # noqa: S608 - model metadata
                "TO STDOUT WITH (FORMAT csv, HEADER true)",
                sink,
            )
    return sink.size


def change_one_percent(engagement) -> dict:
    """Change 1% of the engagement's requisitions and applications, as a re-import would."""
    from django.db import connection

    from engagements.services import engagement_mark_data_changed

    changed = {}
    with connection.cursor() as cursor:
        for table, assignment in (
            ("recruiting_requisition", "priority = 'critical'"),
            (
                "recruiting_application",
                "source = 'referral', diverse = NOT coalesce(diverse, false)",
            ),
        ):
            cursor.execute(
                f"UPDATE {table} SET {assignment}, updated_at = now() WHERE id IN ("  # noqa: S608 - constants
                f" SELECT id FROM {table} WHERE engagement_id = %(e)s ORDER BY id LIMIT"
                f" (SELECT greatest(1, count(*) / 100) FROM {table} WHERE engagement_id = %(e)s))",
                {"e": engagement.pk},
            )
            changed[table] = cursor.rowcount
    engagement_mark_data_changed(engagement=engagement)
    return changed


def main() -> None:
    args = arguments()
    django_setup()
    figures: dict = {}
    with bench_database("kpis") as connection:
        from kpis.models import MetricValue
        from kpis.services import metrics_recompute_stale
        from rpo_portal import tenant_db
        from tests.factories import EngagementFactory, ProviderFactory

        provider = ProviderFactory()
        engagements = EngagementFactory.create_batch(args.engagements, provider=provider)
        with timed("load", figures):
            counts = load(
                engagements,
                args.requisitions // args.engagements,
                args.applications_per_requisition,
            )
        connection.commit()
        settle(connection, [model for model, _ in inputs()])
        with timed("copy_inputs", figures):
            copied = copy_inputs(connection)
        # As the nightly task runs them: the application role, every organization's context
        # (the fan-out over every engagement), row-level security on every table read.
        with timed("first", figures), tenant_db.scheduler_tenant():
            first = metrics_recompute_stale(full=True, as_of=END)
        settle(connection, [MetricValue])
        with timed("full", figures), tenant_db.scheduler_tenant():
            full = metrics_recompute_stale(full=True, as_of=END)
        if any(r.inserted or r.updated or r.deleted for r in full) or not all(
            r.inserted == r.value_count for r in first
        ):
            raise SystemExit("the first run must write every value and the second none")
        changed = change_one_percent(engagements[len(engagements) // 2])
        with timed("incremental", figures), tenant_db.scheduler_tenant():
            incremental = metrics_recompute_stale(as_of=END)
        if len(full) != len(engagements) or len(incremental) != 1:
            raise SystemExit(f"{len(full)} full and {len(incremental)} incremental recomputes")
        values = MetricValue.objects.count()
    record(
        "kpis",
        {
            "engagements": len(engagements),
            **counts,
            "copied_mb": round(copied / 1e6, 1),
            "metric_values": values,
            "changed": changed,
            "incremental_values_changed": incremental[0].inserted + incremental[0].updated,
            **{k: round(v, 2) for k, v in figures.items()},
            "first_over_copy": round(figures["first"] / figures["copy_inputs"], 1),
            "full_over_copy": round(figures["full"] / figures["copy_inputs"], 1),
            "incremental_over_full_pct": round(100 * figures["incremental"] / figures["full"], 2),
        },
    )


if __name__ == "__main__":
    main()
