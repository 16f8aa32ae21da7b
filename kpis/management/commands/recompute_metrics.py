from datetime import date

from django.core.management.base import CommandError

from engagements.models import Engagement
from kpis.services import engagements_to_recompute, metrics_recompute
from rpo_portal.jobs import JobCommand


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None


class Command(JobCommand):
    help = (
        "Recompute KPI values. Without --full, only engagements whose data or targets changed "
        "since their last recompute (or never computed). An engagement that another run is "
        "recomputing is skipped with a message (exit status 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", help="only this engagement")
        parser.add_argument("--full", action="store_true", help="recompute even if unchanged")
        parser.add_argument(
            "--as-of", metavar="DATE", help="compute as of this date (default today)"
        )

    def handle(self, *args, **options):
        as_of = _date(options["as_of"]) if options["as_of"] else None
        engagements = engagements_to_recompute(full=options["full"])
        if options["engagement"]:
            if not Engagement.objects.filter(slug=options["engagement"]).exists():
                raise CommandError(f"No engagement with slug {options['engagement']!r}.")
            engagements = engagements.filter(slug=options["engagement"])
        engagements = list(engagements)
        if not engagements:
            self.stdout.write("Nothing to recompute: no data changed since the last run.")
        results = metrics_recompute(engagement_ids=[e.pk for e in engagements], as_of=as_of)
        for engagement, result in zip(engagements, results, strict=True):
            label = f"{engagement.slug}: "
            if result.computed:
                self.stdout.write(self.style.SUCCESS(label + str(result).split(": ", 1)[1]))
            else:
                self.stdout.write(self.style.WARNING(label + "already being recomputed, skipped"))
