"""python manage.py export_qbr --engagement SLUG --quarter 2026-Q1 --format xlsx --out PATH"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from engagements.models import Engagement
from reviews.models import QbrFormat
from reviews.qbr.services import qbr_pack_build_now
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = "Write an engagement's QBR pack for a quarter as Excel, PDF or zipped CSV files."

    def add_arguments(self, parser):
        parser.add_argument("--engagement", metavar="SLUG", required=True)
        parser.add_argument("--quarter", required=True, help="e.g. 2026-Q1")
        parser.add_argument("--format", choices=QbrFormat.values, required=True)
        parser.add_argument("--out", required=True, help="the file to write")

    def handle(self, *args, engagement, quarter, format, out, **options):  # noqa: A002
        found = Engagement.objects.select_related("client", "provider").filter(slug=engagement)
        found = found.first()
        if found is None:
            raise CommandError(f"No engagement with slug {engagement!r}.")
        try:
            content, data = qbr_pack_build_now(
                engagement=found, quarter=quarter, fmt=format, generated_by="export_qbr command"
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        Path(out).write_bytes(data)
        self.stdout.write(
            f"Wrote {out}: {len(data):,} bytes, {quarter}, data as of {content.meta['as_of']}."
        )
