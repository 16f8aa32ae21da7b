from datetime import date
from pathlib import Path

from django.core.management.base import CommandError
from django.utils import timezone

from engagements.models import Engagement
from recruiting.generator import (
    DataSpec,
    GeneratedDataRejected,
    generated_data_import,
    scope_for,
    write_csv,
)
from rpo_portal.jobs import JobCommand


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end {value!r} is not a date (YYYY-MM-DD).") from None


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = (
        "Generate realistic synthetic recruiting data for an engagement (the same seed gives "
        "the same rows) and import it, or with --out only write the CSV files."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", required=True, help="engagement slug")
        parser.add_argument("--requisitions", required=True, type=int)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--months", type=int, default=24, help="months of data, default 24")
        parser.add_argument(
            "--end", type=_date, default=None, help="last day of the data, default today"
        )
        parser.add_argument(
            "--applications-per-requisition", type=int, default=10, help="on average"
        )
        parser.add_argument("--out", type=Path, help="write CSV files here instead of importing")

    def handle(self, *args, **options):
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        try:
            spec = DataSpec(
                requisitions=options["requisitions"],
                seed=options["seed"],
                months=options["months"],
                end=options["end"] or timezone.localdate(),
                scope=scope_for(engagement),
                applications_per_requisition=options["applications_per_requisition"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if options["out"]:
            for kind, count in write_csv(spec, options["out"]).items():
                self.stdout.write(f"{options['out'] / f'{kind}.csv'}: {count} rows")
            return
        try:
            results = generated_data_import(actor=None, engagement=engagement, spec=spec)
        except GeneratedDataRejected as error:
            raise CommandError(f"The importer rejected the generated data ({error}).") from None
        for kind, result in results.items():
            self.stdout.write(
                f"{kind}: {result.created} created, {result.updated} updated, "
                f"{result.unchanged} unchanged"
            )
