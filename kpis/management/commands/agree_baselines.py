from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from kpis.baselines.commands import engagement_named, member_named
from kpis.baselines.services import baselines_agree_open
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Agree, on behalf of a member of the other party, every baseline proposal of the "
        "engagement awaiting their answer; the agreed baselines are in force from then on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--agreed-by", metavar="EMAIL", required=True)
        parser.add_argument("--note", default="")

    def handle(self, *args, **options):
        engagement = engagement_named(options["engagement"])
        agreer = member_named(options["agreed_by"], engagement, "--agreed-by")
        try:
            agreed = baselines_agree_open(actor=agreer, engagement=engagement, note=options["note"])
        except (PermissionDenied, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        for proposal in agreed:
            self.stdout.write(f"baselines #{proposal.pk} agreed by {agreer.email}")
