"""Service points (便民服务站) and what a hall is made of: zones, business types, windows,
opening hours and closed days."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minsheng.core.models import TimeStampedModel


class PointLevel(models.TextChoices):
    COUNTY_CENTRE = "county_centre", _("county service centre")
    TOWN_STATION = "town_station", _("town service station")
    VILLAGE_POINT = "village_point", _("village service point")


class ServicePoint(TimeStampedModel):
    """医保服务站/点 — a service hall at one of three government levels.

    Linked one-to-one to an access Organisation (kind service_point) so staff
    scope works the same way as everywhere else.
    """

    organisation = models.OneToOneField(
        "access.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="service_point",
    )
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=PointLevel.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="service_points",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    is_active = models.BooleanField(_("in service"), default=True)
    business_types = models.ManyToManyField(
        "BusinessType", verbose_name=_("business handled"), blank=True, related_name="points"
    )
    # One priority ticket (老弱病残孕) is called after every N normal ones; 0 = always first.
    priority_every = models.PositiveSmallIntegerField(
        _("normal calls between priority calls"), default=2
    )

    class Meta:
        verbose_name = _("service point")
        verbose_name_plural = _("service points")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class ZoneKind(models.TextChoices):
    GUIDANCE = "guidance", _("guidance and consultation")
    QUEUE_CALLING = "queue_calling", _("queue numbers and calling")
    WAITING = "waiting", _("waiting area")
    BUSINESS = "business", _("business windows")
    SELF_SERVICE = "self_service", _("self-service")
    CONVENIENCE = "convenience", _("convenience services")
    NURSING = "nursing", _("nursing room")
    ONE_ON_ONE = "one_on_one", _("one-on-one help")


class Zone(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="zones"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ZoneKind.choices)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["point_id", "name"]
        constraints = [models.UniqueConstraint(fields=["point", "name"], name="uniq_zone_name")]

    def __str__(self) -> str:
        return self.name


class BusinessType(models.Model):
    """A business handled at windows (参保登记, 异地就医备案 …) with its ticket prefix.

    City-wide. The prefix letter is unique: numbers are counted per (point,
    prefix, day), so two businesses sharing a letter would share one sequence.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("ticket prefix"), max_length=1)
    typical_minutes = models.PositiveSmallIntegerField(_("typical minutes"), default=10)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("business type")
        verbose_name_plural = _("business types")
        ordering = ["order", "prefix"]
        constraints = [models.UniqueConstraint(fields=["prefix"], name="uniq_business_prefix")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class Window(models.Model):
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="windows",
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL
    )
    number = models.PositiveSmallIntegerField(_("window number"))
    business_types = models.ManyToManyField(
        BusinessType, verbose_name=_("business served"), related_name="windows"
    )
    # The clerk on duty: only they act on this window.
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk on duty"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_windows",
    )
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["point_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["point", "number"], name="uniq_window_number"),
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.number}"


class OpeningHours(models.Model):
    point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("service point"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday (0 = Monday)"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["point_id", "weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.weekday_name} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def weekday_name(self) -> str:
        from django.utils.dates import WEEKDAYS

        return str(WEEKDAYS[self.weekday])


class Closure(models.Model):
    point = models.ForeignKey(
        ServicePoint, verbose_name=_("service point"), on_delete=models.CASCADE, related_name="closures"
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [models.UniqueConstraint(fields=["point", "date"], name="uniq_closure")]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"
