from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county / district")
    TOWN = "town", _("town / street")
    COMMUNITY = "community", _("community / village")


# Significant digits of a code at each level: a subtree is every region whose
# prefix starts with the root's prefix.
PREFIX_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.CITY: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.COMMUNITY: 12,
}


class Region(models.Model):
    """行政区划 — one administrative division (GB/T 2260 + NBS town and village codes).

    ``code`` is the full statistical code (6 digits down to counties, 9 for
    towns, 12 for communities/villages), ``prefix`` its significant digits.
    Codes are never deleted: a code that was abolished keeps its row with
    ``valid_to`` set, because ID numbers issued under it stay valid.
    """

    code = models.CharField(_("division code"), max_length=12, primary_key=True)
    prefix = models.CharField(_("code prefix"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A statistics-only unit (e.g. 320771 经开区) that is not in GB/T 2260, or a
    # functional zone, counts as a region for scope but is flagged.
    is_statistical = models.BooleanField(_("statistics-only code"), default=False)
    is_urban = models.BooleanField(_("urban"), default=False)
    valid_from = models.DateField(pgettext_lazy("regions", "valid from"), null=True, blank=True)
    valid_to = models.DateField(pgettext_lazy("regions", "valid to"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    latitude = models.FloatField(_("latitude (WGS-84)"), null=True, blank=True)
    longitude = models.FloatField(_("longitude (WGS-84)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def is_current(self) -> bool:
        return self.valid_to is None
