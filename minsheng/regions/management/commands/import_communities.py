from django.core.management.base import BaseCommand, CommandError

from minsheng.regions.services import communities_import_csv


class Command(BaseCommand):
    help = (
        "Import communities/villages (居委会/村委会) from a CSV with columns code, name, "
        "town_code, population, latitude, longitude, is_urban."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")

    def handle(self, *args, path, dry_run=False, **options):
        report = communities_import_csv(path=path, dry_run=dry_run)
        for e in report.errors:
            self.stderr.write(f"row {e.row}, {e.field}: {e.message}")
        if report.errors:
            raise CommandError(f"{len(report.errors)} problem(s); nothing was saved.")
        verb = "would create" if dry_run else "created"
        self.stdout.write(f"communities: {verb} {report.created}, updated {report.updated}")
