"""The city's own base map: raster tiles (z/x/y, Web Mercator) loaded into the file storage."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel


class MapTileLayer(TimeStampedModel):
    """底图 — a layer of map tiles the city supplies (its surveying bureau's, or rendered from its
    own data); stored under ``map-tiles/<name>/<z>/<x>/<y>.<ext>`` and served by the platform."""

    name = models.SlugField(_("name"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=100)
    attribution = models.CharField(_("attribution"), max_length=200, blank=True)
    extension = models.CharField(_("image type"), max_length=4, default="png")
    min_zoom = models.PositiveSmallIntegerField(_("smallest zoom"), default=0)
    max_zoom = models.PositiveSmallIntegerField(_("largest zoom"), default=18)
    tiles = models.PositiveIntegerField(_("tiles"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("map tile layer")
        verbose_name_plural = _("map tile layers")

    def __str__(self) -> str:
        return self.title

    def tile_path(self, z: int, x: int, y: int) -> str:
        return f"map-tiles/{self.name}/{z}/{x}/{y}.{self.extension}"
