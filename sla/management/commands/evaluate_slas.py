from datetime import date

from django.core.management.base import CommandError

from engagements.models import Engagement
from rpo_portal.jobs import JobCommand
from sla.services import after_evaluation, engagements_with_clauses, slas_evaluate


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of {value!r} is not a date (YYYY-MM-DD).") from None


class Command(JobCommand):
    help = (
        "Evaluate the agreed SLA clauses against the stored KPI values: outcomes per clause and "
        "period, breaches, warnings. Every engagement with clauses in force, or one. An "
        "engagement that another evaluation holds is skipped with a message (exit status 0)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", help="only this engagement")
        parser.add_argument(
            "--as-of", metavar="DATE", help="evaluate as of this date (default today)"
        )

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
            self.stdout.write("Nothing to evaluate: no engagement has SLA clauses in force.")
            return
        slugs = dict(Engagement.objects.filter(pk__in=ids).values_list("pk", "slug"))
        results = slas_evaluate(engagement_ids=ids, as_of=as_of)
        for result in results:
            label = f"{slugs[result.engagement_id]}: "
            if result.evaluated:
                self.stdout.write(self.style.SUCCESS(label + str(result).split(": ", 1)[1]))
            else:
                self.stdout.write(
                    self.style.WARNING(label + "another SLA evaluation is running, skipped")
                )
        after_evaluation(results=[r.as_dict() for r in results])
