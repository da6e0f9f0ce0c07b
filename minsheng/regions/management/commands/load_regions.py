import time

from django.core.management.base import BaseCommand

from minsheng.regions.services import regions_load


class Command(BaseCommand):
    help = "Load China's division tree (province → town) from data/divisions; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--province", help="only this province, by its 2-digit code (e.g. 32)")
        parser.add_argument("--data-dir", help="folder holding divisions/ (default: data/)")

    def handle(self, *args, province=None, data_dir=None, **options):
        started = time.monotonic()
        counts = regions_load(data_dir=data_dir, province=province)
        self.stdout.write(
            "regions: {created} created, {updated} updated, {unchanged} unchanged".format(**counts)
            + f" in {time.monotonic() - started:.1f} s"
        )
