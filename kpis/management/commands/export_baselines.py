import json

from kpis.baselines.commands import engagement_named
from kpis.baselines.selectors import baseline_export_rows
from rpo_portal.csv_files import csv_lines
from rpo_portal.jobs import JobCommand

COLUMNS = [
    "kpi",
    "dimension",
    "segment",
    "value",
    "n",
    "window",
    "source",
    "source_detail",
    "state",
    "proposal_id",
]


class Command(JobCommand):
    help = (
        "Write an engagement's baselines to standard output, one row per KPI and segment: the "
        "baseline in force (state agreed; a blank value is insufficient data), then those of "
        "open proposals (state proposed), with value, n, window, source and state."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, **options):
        engagement = engagement_named(options["engagement"])
        rows = [
            [
                row.kpi,
                row.dimension,
                row.segment,
                "" if row.value is None else format(row.value.normalize(), "f"),
                "" if row.n is None else row.n,
                row.window,
                row.source,
                row.source_detail,
                row.state,
                row.proposal_id,
            ]
            for row in baseline_export_rows(engagement=engagement)
        ]
        if options["format"] == "json":
            records = [dict(zip(COLUMNS, row, strict=True)) for row in rows]
            for record in records:
                record["value"] = record["value"] or None
                record["n"] = None if record["n"] == "" else record["n"]
            self.stdout.write(json.dumps(records, indent=2))
            return
        for line in csv_lines([COLUMNS, *rows]):
            self.stdout.write(line, ending="")
