"""python manage.py import_data --engagement SLUG [--kind KIND] FILE...

Validates and upserts files in the format of data-contract.md section 1. Several files are written
in the order their references need (requisitions before applications, ...) and commit together
or not at all. Exits non-zero, printing every error, when any file is invalid.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from engagements.models import Engagement
from recruiting import contract
from recruiting.models import ImportSource
from recruiting.services import files_import


class Command(BaseCommand):
    help = "Import requisitions, applications, surveys, quality, costs or hiring_plan files."

    def add_arguments(self, parser):
        parser.add_argument("--engagement", required=True, help="the engagement's slug")
        parser.add_argument(
            "--kind",
            choices=list(contract.KINDS),
            help="the kind of records (default: from the file name, e.g. requisitions.csv)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, engagement, kind, dry_run, files, **options):
        found = Engagement.objects.filter(slug=engagement).first()
        if found is None:
            raise CommandError(f"No engagement with slug {engagement!r}.")
        if kind and len(files) > 1:
            raise CommandError("--kind applies to one file; name several files after their kind.")
        paths = [Path(f) for f in files]
        for path in paths:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
        results = files_import(
            actor=None,
            engagement=found,
            files=[(path.name, path, kind) for path in paths],
            source=ImportSource.COMMAND,
            dry_run=dry_run,
        )
        if not all(result.ok for result in results):
            total = 0
            for result in results:
                for error in result.errors:
                    where = ", ".join(
                        part
                        for part in (
                            f"row {error['row']}" if error["row"] is not None else "",
                            f"column {error['column']}" if error["column"] else "",
                        )
                        if part
                    )
                    self.stderr.write(
                        f"{result.file_name}: {where + ': ' if where else ''}{error['reason']}"
                    )
                total += result.error_count
                if result.error_count > len(result.errors):
                    self.stderr.write(
                        f"{result.file_name}: ... and {result.error_count - len(result.errors):,}"
                        " more errors"
                    )
            raise CommandError(f"Nothing imported: {total:,} error{'s' if total != 1 else ''}.")
        note = " (dry run: nothing written)" if dry_run else ""
        for result in results:
            self.stdout.write(
                f"{result.file_name}: {result.kind}, {result.rows:,} row"
                f"{'s' if result.rows != 1 else ''}: "
                f"{result.created:,} created, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged{note}"
            )
