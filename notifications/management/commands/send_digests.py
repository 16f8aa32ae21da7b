from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone

from notifications.services import notification_digests_send
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Send the daily digest of notifications to each person who chose digests. "
        "Runs once per day: a second run of the same day sends nothing again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The digest's day, YYYY-MM-DD (default today, UTC).")

    def handle(self, *args, **options):
        day = timezone.localdate()
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r} is not YYYY-MM-DD.") from None
        sent = notification_digests_send(day=day)
        self.stdout.write(f"Digests of {day:%Y-%m-%d} sent: {sent}.")
