"""python manage.py import_data --engagement SLUG [--kind KIND] FILE...
python manage.py import_data --provider SLUG --kind market_benchmarks FILE


Validates and upserts files in the format of data-contract.md section 1. Several files are written
in the order their references need (requisitions before applications, ...) and commit together
or not at all. Exits non-zero, printing every error, when any file is invalid. With
`--provider`, a provider organization's market benchmarks shared with all its engagements
(`recruiting.market`).
"""

from pathlib import Path

from django.core.management.base import CommandError

from accounts.models import Organization, OrganizationKind
from engagements.models import Engagement
from recruiting import contract, market
from recruiting.models import ImportSource
from recruiting.services import files_import
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    help = (
        "Import requisitions, applications, surveys, quality, costs, hiring_plan or "
        "market_benchmarks files."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--engagement", help="the engagement's slug")
        target.add_argument(
            "--provider",
            help="a provider organization's slug: its market benchmarks, shared with every "
            "engagement it is the provider of (--kind market_benchmarks)",
        )
        parser.add_argument(
            "--kind",
            choices=list(contract.KINDS),
            help="the kind of records (default: from the file name, e.g. requisitions.csv)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count, but write nothing"
        )
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, engagement, provider, kind, dry_run, files, **options):
        if provider:
            return self._shared(provider, kind, dry_run, files)
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
        self._report(results, dry_run)

    def _shared(self, provider: str, kind: str | None, dry_run: bool, files: list[str]) -> None:
        organization = Organization.objects.filter(
            slug=provider, kind=OrganizationKind.PROVIDER
        ).first()
        if organization is None:
            raise CommandError(f"No provider organization with slug {provider!r}.")
        if len(files) > 1 or (kind or market.KIND) != market.KIND:
            raise CommandError("--provider imports one market_benchmarks file.")
        path = Path(files[0])
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        result = market.shared_file_import(
            actor=None,
            provider=organization,
            file=path.read_bytes(),
            file_name=path.name,
            dry_run=dry_run,
        )
        self._report([result], dry_run)

    def _report(self, results, dry_run: bool) -> None:
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
