"""``minsheng backup [--output FILE]``: the database, uploaded files and a manifest in one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from minsheng.audit.backup import backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive (see docs/deploy.md)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None,
            help="archive to write (default: BACKUP_DIR/minsheng-<time>.tar)",
        )

    def handle(self, *args, output=None, **options):
        output = output or Path(settings.BACKUP_DIR) / (
            f"minsheng-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
        )
        manifest = backup_create(output=output)
        self.stdout.write(
            f"{output}: {len(manifest['tables'])} tables, {manifest['rows']} rows, "
            f"{manifest['audit_events']} audit events (digest {manifest['audit_digest'][:16]}…), "
            f"{manifest['media_files']} files ({manifest['media']}), "
            f"{manifest['archive_bytes']} bytes in {manifest['seconds']} s"
        )
