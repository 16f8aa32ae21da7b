from django.core.management.base import CommandError

from engagements.models import Engagement
from rpo_portal.csv_files import csv_text
from rpo_portal.jobs import JobCommand
from sla.selectors import evaluation_rows, ledger_rows

TABLES = {"evaluation": evaluation_rows, "ledger": ledger_rows}


class Command(JobCommand):
    help = (
        "Print an engagement's SLA evaluation (clause, period, value, n, outcome) or credit "
        "ledger (clause, period, event, rate, gross, amount, earned_back), as of its last "
        "evaluation: as CSV with --format csv, else as an aligned table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--table", choices=sorted(TABLES), required=True)
        parser.add_argument("--format", choices=["csv", "table"], default="table")

    def handle(self, *args, **options):
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        rows = [
            [str(cell) for cell in row] for row in TABLES[options["table"]](engagement=engagement)
        ]
        if options["format"] == "csv":
            # The one CSV dialect; clause keys are text a party typed, quoted so that a
            # spreadsheet never runs one.
            self.stdout.write(csv_text(rows), ending="")
            return
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
