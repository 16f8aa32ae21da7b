from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from kpis.baselines.commands import default_proposer, engagement_named, member_named
from kpis.baselines.services import baselines_propose_computed
from kpis.templatetags.kpis_tags import kpi_value
from rpo_portal.jobs import JobCommand


def _month(value: str, option: str) -> date:
    try:
        year, month = value.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a month (YYYY-MM).") from None


class Command(JobCommand):
    help = (
        "Propose every KPI's baseline (segment all) computed over the records of the months "
        "--from to --to, which end before go-live; the other party agrees with agree_baselines. "
        "Without --proposed-by, the engagement's program manager or the provider's first "
        "account manager proposes. Nothing is written for a refused window."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--from", dest="window_from", metavar="YYYY-MM", required=True)
        parser.add_argument("--to", dest="window_to", metavar="YYYY-MM", required=True)
        parser.add_argument("--proposed-by", metavar="EMAIL")

    def handle(self, *args, **options):
        engagement = engagement_named(options["engagement"])
        window_from = _month(options["window_from"], "--from")
        window_to = _month(options["window_to"], "--to")
        proposer = (
            member_named(options["proposed_by"], engagement, "--proposed-by")
            if options["proposed_by"]
            else default_proposer(engagement)
        )
        try:
            proposal = baselines_propose_computed(
                actor=proposer, engagement=engagement, window_from=window_from, window_to=window_to
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        self.stdout.write(
            f"baselines #{proposal.pk} proposed by {proposer.email} over "
            f"{window_from:%Y-%m} to {window_to:%Y-%m}, awaiting the other party:"
        )
        for item in proposal.baselines.all():
            shown = (
                kpi_value(item.value, item.kpi)
                if item.value is not None
                else f"insufficient data (n={item.n}, needs {item.min_sample_size})"
            )
            self.stdout.write(f"  {item.kpi}: {shown}" + (f" (n={item.n})" if item.value else ""))
