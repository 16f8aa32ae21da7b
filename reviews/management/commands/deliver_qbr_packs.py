from datetime import date

from reviews.qbr.services import qbr_packs_deliver
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "E-mail the latest closed quarter's QBR pack to each subscriber who has not had it "
        "(a quarter closes RPO_QBR_GRACE_DAYS after its end)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, help="run as of this date")

    def handle(self, *args, today=None, **options):
        result = qbr_packs_deliver(today=today)
        self.stdout.write(
            f"{result.sent} e-mails sent, {result.packs} packs generated, "
            f"{result.skipped} subscribers skipped."
        )
