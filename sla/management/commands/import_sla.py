from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from accounts.models import User
from engagements.access import party_of
from engagements.models import Engagement
from rpo_portal.jobs import JobCommand
from sla.schedule import schedule_read
from sla.services import schedule_agree, schedule_propose


def _member(email: str, engagement: Engagement, option: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None or party_of(user, engagement) is None:
        raise CommandError(f"{option} {email}: not a member of {engagement.slug}'s parties.")
    return user


class Command(JobCommand):
    help = (
        "Propose an SLA schedule (CSV or XLSX) for an engagement on behalf of a member; with "
        "--agreed-by, a member of the other party agrees to it at once. All or nothing: a file "
        "with any error proposes nothing and every error is printed with row, column and reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--proposed-by", metavar="EMAIL", required=True)
        parser.add_argument("--agreed-by", metavar="EMAIL")
        parser.add_argument("file")

    def handle(self, *args, **options):
        engagement = Engagement.objects.filter(slug=options["engagement"]).first()
        if engagement is None:
            raise CommandError(f"No engagement with slug {options['engagement']!r}.")
        proposer = _member(options["proposed_by"], engagement, "--proposed-by")
        agreer = options["agreed_by"] and _member(options["agreed_by"], engagement, "--agreed-by")
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        check = schedule_read(data=path.read_bytes(), file_name=path.name, engagement=engagement)
        if not check.ok:
            for error in check.errors:
                row = error["row"] if error["row"] is not None else "file"
                self.stderr.write(
                    f"{path.name}: row {row}, {error['column'] or '-'}: {error['reason']}"
                )
            raise CommandError(f"{path.name}: {len(check.errors)} error(s); nothing was proposed.")
        try:
            with transaction.atomic():
                schedule = schedule_propose(
                    actor=proposer,
                    engagement=engagement,
                    clauses=check.clauses,
                    source_name=path.name,
                )
                if agreer:
                    schedule_agree(actor=agreer, schedule=schedule)
        except (PermissionDenied, ValidationError) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(message) from None
        state = "agreed and in force" if agreer else "proposed, awaiting the other party"
        self.stdout.write(
            self.style.SUCCESS(f"schedule #{schedule.pk}: {len(check.clauses)} clause(s) {state}")
        )
