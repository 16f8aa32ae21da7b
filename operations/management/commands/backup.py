from pathlib import Path

from django.core.management.base import CommandError

from operations.backups import BackupError, backup_create, backup_dir, backups_prune
from rpo_portal.jobs import JobCommand


class Command(JobCommand):
    runs_as_owner = True  # an operator's tool (rpo_portal/jobs.py)
    help = (
        "Write a consistent dump of the database (pg_dump custom format) to --output, or to "
        "RPO_BACKUP_DIR with a UTC timestamp in its name."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="file to write (default: a new file)")
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="then delete all but the KEEP newest dumps in RPO_BACKUP_DIR (0: keep all)",
        )

    def handle(self, *args, output=None, keep=0, **options):
        try:
            path = backup_create(output=output)
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(f"Wrote {path} ({path.stat().st_size:,} bytes)")
        if keep:
            for old in backups_prune(keep=keep, directory=backup_dir()):
                self.stdout.write(f"Deleted {old}")
