"""``minsheng restore ARCHIVE``: into an empty database, then check every table's rows and the audit digest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.audit.backup import RestoreRefused, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive into the configured (empty) database and MEDIA_ROOT, "
        "then verify per-table row counts and the audit trail's digest against the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist")
        try:
            report = backup_restore(archive_path=archive)
        except RestoreRefused as exc:
            raise CommandError(str(exc))
        for table, (want, got) in report.mismatched_tables.items():
            self.stderr.write(f"{table}: {want} rows in the backup, {got} restored")
        digest_ok = report.expected["audit_digest"] == report.actual["audit_digest"]
        if not digest_ok:
            self.stderr.write(
                f"audit digest differs: {report.expected['audit_digest']} in the backup, "
                f"{report.actual['audit_digest']} restored"
            )
        if not report.ok:
            raise CommandError("the restored database does not match the backup")
        self.stdout.write(
            f"restored and verified in {report.seconds} s: {len(report.actual['tables'])} tables, "
            f"{report.actual['rows']} rows, {report.actual['audit_events']} audit events, "
            f"audit digest {report.actual['audit_digest']}, "
            f"{report.expected['media_files']} files"
        )
