from django.core.management.base import BaseCommand, CommandError

from minsheng.core.errors import DomainError
from minsheng.programs.service_halls.services.maps import tile_layer_load


class Command(BaseCommand):
    help = "Load a city's own map tiles (a folder laid out z/x/y.png) into storage as a base map layer."

    def add_arguments(self, parser):
        parser.add_argument("source_dir")
        parser.add_argument("--name", required=True, help="the layer's short name, e.g. lyg-2025")
        parser.add_argument("--title", default="")
        parser.add_argument("--attribution", default="")

    def handle(self, *args, source_dir, name, title, attribution, **options):
        try:
            layer = tile_layer_load(source_dir=source_dir, name=name, title=title, attribution=attribution)
        except DomainError as exc:
            raise CommandError(f"{exc.message} {exc.fields}") from exc
        self.stdout.write(f"map layer {layer.name}: {layer.tiles} tiles, zoom {layer.min_zoom}–{layer.max_zoom}")
