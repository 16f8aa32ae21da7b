from django.core.management.base import CommandError

from engagements.models import Engagement
from reviews.services import reviews_schedule
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Create each cadence's next meetings (moving those a cadence change affects; past and "
        "held meetings are never touched) and carry open agenda items forward. Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", help="only this engagement")

    def handle(self, *args, **options):
        engagement = None
        if options["engagement"]:
            engagement = Engagement.objects.filter(slug=options["engagement"]).first()
            if engagement is None:
                raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        result = reviews_schedule(engagement=engagement)
        self.stdout.write(
            f"{result.created} meetings created, {result.moved} moved, "
            f"{result.cancelled} cancelled, {result.carried} agenda items carried over"
        )
