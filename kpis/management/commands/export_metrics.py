import csv

from django.core.management.base import CommandError

from engagements.models import Engagement
from kpis.selectors import export_rows
from rpo_portal.jobs import JobCommand
from rpo_portal.text_rules import spreadsheet_cell


class Command(JobCommand):
    help = (
        "Write an engagement's KPI values as CSV (metric, grain, period, dimension, segment, "
        "value, n, status) to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--format", choices=["csv"], default="csv")

    def handle(self, *args, **options):
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        writer = csv.writer(self.stdout, lineterminator="\n")
        for row in export_rows(engagement=engagement):
            # Segments are imported text: quoted so that a spreadsheet never runs one.
            writer.writerow([spreadsheet_cell(value) for value in row])
