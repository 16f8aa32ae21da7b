from django.core.management.base import BaseCommand

from reviews.qbr.services import qbr_packs_expire


class Command(BaseCommand):
    help = "Delete the files of QBR packs past their expiry (RPO_QBR_PACK_DAYS)."

    def handle(self, *args, **options):
        self.stdout.write(f"{qbr_packs_expire()} packs expired.")
