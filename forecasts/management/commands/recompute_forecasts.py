from datetime import date

from django.core.management.base import CommandError

from engagements.models import Engagement
from forecasts import services
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Recompute the stored hiring forecast of one engagement (--engagement) or of every "
        "engagement, as of today or --as-of (the nightly run does it after the KPIs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG")
        parser.add_argument("--as-of", metavar="YYYY-MM-DD")

    def handle(self, *args, **options):
        as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        engagements = Engagement.objects.order_by("pk")
        if options["engagement"]:
            engagements = engagements.filter(slug=options["engagement"])
            if not engagements:
                raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        ids = list(engagements.values_list("pk", flat=True))
        changed = services.forecasts_recompute_batch(engagement_ids=ids, as_of=as_of)
        self.stdout.write(f"{len(ids)} forecasts recomputed, {len(changed)} changed")
