"""The 15-minute service circle: how it is measured, road networks, and each computation
with its row per community."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel

from .halls import ServicePoint


class Mode(models.TextChoices):
    WALK = "walk", _("walking")
    BIKE = "bike", _("cycling")
    DRIVE = "drive", _("driving")


class CoverageSettings(models.Model):
    """One row (pk=1): how the 15-minute circle is measured. GB 50180-2018's
    15-minute life circle is ≈800–1000 m on foot; rural areas count by bike or car."""

    urban_mode = models.CharField(_("mode in urban communities"), max_length=8, choices=Mode.choices, default=Mode.WALK)
    rural_mode = models.CharField(_("mode in rural villages"), max_length=8, choices=Mode.choices, default=Mode.BIKE)
    urban_threshold_min = models.PositiveSmallIntegerField(_("urban threshold (minutes)"), default=15)
    rural_threshold_min = models.PositiveSmallIntegerField(_("rural threshold (minutes)"), default=15)
    walk_kmh = models.FloatField(_("walking speed (km/h)"), default=4.5)
    elderly_walk_kmh = models.FloatField(_("elderly walking speed (km/h)"), default=3.0)
    bike_kmh = models.FloatField(_("cycling speed (km/h)"), default=12.0)
    drive_kmh = models.FloatField(_("driving speed (km/h)"), default=30.0)
    detour_factor = models.FloatField(_("detour factor for straight-line estimates"), default=1.3)
    max_snap_m = models.FloatField(_("farthest distance to the road network (m)"), default=1500.0)

    class Meta:
        verbose_name = _("coverage settings")
        verbose_name_plural = _("coverage settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "CoverageSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class RoadNetwork(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("road network")
        verbose_name_plural = _("road networks")

    def __str__(self) -> str:
        return self.name


class RoadNode(models.Model):
    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="nodes")
    osm_id = models.BigIntegerField(null=True, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["network", "osm_id"])]

    def __str__(self) -> str:
        return f"{self.latitude:.5f},{self.longitude:.5f}"


class RoadEdge(models.Model):
    network = models.ForeignKey(RoadNetwork, on_delete=models.CASCADE, related_name="edges")
    source = models.ForeignKey(RoadNode, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(RoadNode, on_delete=models.CASCADE, related_name="+")
    length_m = models.FloatField()
    oneway = models.BooleanField(default=False)  # for driving only
    walkable = models.BooleanField(default=True)  # motorways are not

    def __str__(self) -> str:
        return f"{self.source_id}-{self.target_id}"


class CoverageRun(TimeStampedModel):
    """One computation of the 15-minute circle; the latest finished one is current."""

    trigger = models.CharField(_("trigger"), max_length=100, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    network = models.ForeignKey(
        RoadNetwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    population = models.PositiveBigIntegerField(_("population"), default=0)
    covered_population = models.PositiveBigIntegerField(_("covered population"), default=0)
    communities = models.PositiveIntegerField(_("communities"), default=0)
    covered_communities = models.PositiveIntegerField(_("covered communities"), default=0)
    seconds = models.FloatField(_("computation seconds"), default=0)
    settings_snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("coverage run")
        verbose_name_plural = _("coverage runs")

    @property
    def share(self) -> float:
        return self.covered_population / self.population if self.population else 0.0


class Method(models.TextChoices):
    NETWORK = "network", _("road network")
    ESTIMATE = "estimate", _("straight-line estimate")


class CommunityCoverage(models.Model):
    run = models.ForeignKey(CoverageRun, on_delete=models.CASCADE, related_name="rows")
    community = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    population = models.PositiveIntegerField(default=0)
    is_urban = models.BooleanField(default=False)
    mode = models.CharField(max_length=8, choices=Mode.choices)
    method = models.CharField(max_length=10, choices=Method.choices)
    nearest_point = models.ForeignKey(
        ServicePoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    distance_m = models.FloatField(null=True, blank=True)
    minutes = models.FloatField(null=True, blank=True)
    elderly_minutes = models.FloatField(null=True, blank=True)
    threshold_min = models.PositiveSmallIntegerField(default=15)
    covered = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["run", "covered"])]

    def __str__(self) -> str:
        return f"{self.community_id} {self.minutes}"
