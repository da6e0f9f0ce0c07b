from django.core.management.base import BaseCommand

from minsheng.programs.service_halls.services.road_networks import road_network_import_osm
from minsheng.programs.service_halls.tasks import coverage_recompute


class Command(BaseCommand):
    help = "Import an OpenStreetMap .osm extract as the road network and recompute the 15-minute circle."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--name", default="OpenStreetMap")

    def handle(self, *args, path, name, **options):
        network = road_network_import_osm(path=path, name=name)
        self.stdout.write(f"road network {network.pk}: {network.nodes.count()} nodes, {network.edges.count()} edges")
        coverage_recompute.enqueue(trigger=f"road network {network.pk} imported")
