"""Loading a city's own map tiles into the platform's file storage (local disk or S3)."""

import re
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed

from ..models import MapTileLayer

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
EXTENSIONS = {"png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff", "jpeg": b"\xff\xd8\xff", "webp": b"RIFF"}


def _tiles(source: Path):
    """(z, x, y, path, extension) of every tile under ``source``/z/x/y.<ext>."""
    for path in sorted(source.glob("*/*/*.*")):
        z, x = path.parent.parent.name, path.parent.name
        ext = path.suffix[1:].lower()
        if z.isdigit() and x.isdigit() and path.stem.isdigit() and ext in EXTENSIONS:
            yield int(z), int(x), int(path.stem), path, ext


def tile_layer_load(*, source_dir: str | Path, name: str, title: str, attribution: str = "") -> MapTileLayer:
    """Copy the tiles in ``source_dir`` (laid out z/x/y.png, as tile renderers and MBTiles
    exports write them) into storage as the layer ``name``, replacing a layer of that name."""
    source = Path(source_dir)
    if not _NAME.match(name or ""):
        raise ValidationFailed.for_field("name", _("Name the layer with lower-case letters, digits and hyphens."))
    if not source.is_dir():
        raise ValidationFailed.for_field("source_dir", _("%(dir)s is not a folder.") % {"dir": source})
    tiles = list(_tiles(source))
    if not tiles:
        raise ValidationFailed.for_field(
            "source_dir", _("No tiles were found: the folder must hold z/x/y.png (or .jpg, .webp) files."))
    extensions = {t[4].replace("jpeg", "jpg") for t in tiles}
    if len(extensions) != 1:
        raise ValidationFailed.for_field("source_dir", _("All tiles of a layer must be of one image type."))
    layer = MapTileLayer(name=name, title=title or name, attribution=attribution, extension=extensions.pop(),
                         min_zoom=min(t[0] for t in tiles), max_zoom=max(t[0] for t in tiles), tiles=len(tiles))
    for z, x, y, path, ext in tiles:
        data = path.read_bytes()
        if not data.startswith(EXTENSIONS[ext]):
            raise ValidationFailed.for_field(
                "source_dir", _("%(file)s is not a %(ext)s image.") % {"file": path, "ext": ext})
        target = layer.tile_path(z, x, y)
        if default_storage.exists(target):
            default_storage.delete(target)
        default_storage.save(target, ContentFile(data))
    with transaction.atomic():
        MapTileLayer.objects.filter(name=name).delete()
        layer.save()
    return layer
