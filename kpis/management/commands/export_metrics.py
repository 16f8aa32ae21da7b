from django.core.management.base import CommandError

from engagements.models import Engagement
from kpis.selectors import export_rows
from rpo_portal.csv_files import csv_lines
from rpo_portal.jobs import JobCommand


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
        # The one CSV dialect; segments are imported text, quoted so a spreadsheet never runs one.
        for line in csv_lines(export_rows(engagement=engagement)):
            self.stdout.write(line, ending="")
