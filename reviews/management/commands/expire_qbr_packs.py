from reviews.qbr.services import qbr_packs_expire
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Delete the files of QBR packs past their expiry (RPO_QBR_PACK_DAYS, and a week after"
        " the quarter's strategic review)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{qbr_packs_expire()} packs expired.")
