"""Reads about the division tree. A subtree is a code-prefix match, never a recursive walk."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import NotFound, ValidationFailed

from .models import Region, RegionLevel


def _prefix(root: Region | str) -> str:
    if isinstance(root, Region):
        return root.prefix
    return region_get(code=root).prefix


def region_get(code: str) -> Region:
    """The region with this full code (``320706``, ``320706001``); NotFound otherwise."""
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None:
        raise NotFound(_("There is no region with this code. Check the code and try again."))
    return region


def region_subtree_q(root: Region | str, field: str | None = "region") -> Q:
    """A filter for records whose ``field`` (a Region foreign key) lies in ``root``'s subtree.

    ``field=None`` filters Region rows themselves. The root itself is included.
    """
    lookup = f"{field}__prefix__startswith" if field else "prefix__startswith"
    return Q(**{lookup: _prefix(root)})


def regions_descendants(
    root: Region | str, level: str | None = None, *, current_only: bool = False
) -> QuerySet[Region]:
    """Every region below ``root`` (not the root itself), optionally at one level."""
    prefix = _prefix(root)
    qs = Region.objects.filter(prefix__startswith=prefix).exclude(prefix=prefix)
    if level:
        qs = qs.filter(level=level)
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("code")


def region_children(root: Region | str, *, current_only: bool = True) -> QuerySet[Region]:
    """The regions one level below ``root`` (current ones unless told otherwise)."""
    parent = root if isinstance(root, Region) else region_get(code=root)
    qs = Region.objects.filter(parent=parent)
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by("code")


def region_validate_code(
    code, *, field: str = "region_code", current_only: bool = False, level: str | None = None
) -> Region:
    """The Region for user input ``code``, or ValidationFailed naming ``field``.

    Abolished codes are accepted unless ``current_only``: documents issued
    under them (ID numbers, old licences) stay valid.
    """
    value = str(code or "").strip()
    if not value.isdigit() or len(value) not in (6, 9, 12):
        raise ValidationFailed.for_field(
            field,
            _("Enter a division code of 6, 9 or 12 digits, for example 320706 for 海州区."),
        )
    region = Region.objects.filter(code=value).first()
    if region is None:
        raise ValidationFailed.for_field(
            field,
            _("No region has the code %(code)s. Check the code and try again.") % {"code": value},
        )
    if current_only and region.valid_to is not None:
        raise ValidationFailed.for_field(
            field,
            _("The region %(name)s (%(code)s) was abolished. Choose the region that replaced it.")
            % {"name": region.name, "code": value},
        )
    if level and region.level != level:
        raise ValidationFailed.for_field(
            field,
            _("%(name)s is not a %(level)s. Choose a region of the right level.")
            % {"name": region.name, "level": RegionLevel(level).label},
        )
    return region


def region_code_ever_existed(code: str) -> bool:
    """True when a county-level (or finer) code is or was ever in use — for ID numbers."""
    return Region.objects.filter(code=str(code)).exists()


def county_codes_ever_existed() -> set[str]:
    """Every county-level code, current or abolished (for validating ID-number prefixes)."""
    return set(Region.objects.filter(level=RegionLevel.COUNTY).values_list("code", flat=True))
