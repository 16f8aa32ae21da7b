from pathlib import Path

from django.core.management.base import CommandError

from operations.backups import BackupError, backup_restore
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = (
        "Restore a dump written by `backup` into the configured database, which must be empty "
        "(create it with createdb and point DATABASE_URL at it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            backup_restore(path=file)
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from error
        self.stdout.write(f"Restored {file}")
