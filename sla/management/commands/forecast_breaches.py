from datetime import date

from django.core.management.base import CommandError

from engagements.models import Engagement
from rpo_portal import formats
from rpo_portal.jobs import JobCommand
from sla.forecasting.services import engagements_forecast
from sla.services import engagements_with_clauses


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None


class Command(JobCommand):
    help = (
        "Forecast each agreed credit clause's open period: the value projected at period end "
        "and the likelihood of a breach, from the records known on the as-of date; a likely "
        "breach is a forecast warning told to both leads once per clause and period."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", help="only this engagement")
        parser.add_argument("--as-of", metavar="DATE", help="forecast as of this date")

    def handle(self, *args, **options):
        as_of = _date(options["as_of"]) if options["as_of"] else None
        if options["engagement"]:
            engagement = Engagement.objects.filter(slug=options["engagement"]).first()
            if engagement is None:
                raise CommandError(f"No engagement with slug {options['engagement']!r}.")
            ids = [engagement.pk]
        else:
            ids = engagements_with_clauses()
        if not ids:
            self.stdout.write("Nothing to forecast: no engagement has SLA clauses in force.")
            return
        slugs = dict(Engagement.objects.filter(pk__in=ids).values_list("pk", "slug"))
        for result in engagements_forecast(engagement_ids=ids, as_of=as_of):
            self.stdout.write(
                f"{slugs[result['engagement_id']]}: "
                f"{formats.counted(result['forecasts'], 'open period')} forecast, "
                f"{formats.counted(result['likely'], 'likely breach', 'likely breaches')}, "
                f"{formats.counted(result['told'], 'notification')} sent"
            )
