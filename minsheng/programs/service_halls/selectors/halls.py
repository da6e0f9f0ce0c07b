"""Reads of the halls themselves: points, and what taking a number needs to know about one
(is it in service and open now, which businesses it handles).

Nothing is kept in memory: a hall's hours, closed days and businesses are read with the
request that needs them, so a change counts from the next request, with nothing to
invalidate. Whether a point is open is one rule, ``open_now``: SQL conditions a query adds
to the point it reads (taking a number reads them in the statement that reads its number).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import NotFound

from ..models import BusinessType, Closure, OpeningHours, ServicePoint

HANDLES = ServicePoint.business_types.through  # (point, business) rows


def open_now(*, at: datetime, point=None) -> dict[str, Exists]:
    """Annotations for a query of points (or of rows with ``point``, an OuterRef to the point's
    id) saying whether the point is open at ``at``: ``closed_today`` (a closure on the local
    day), ``has_hours`` and ``in_hours`` (a period of its week contains the local time).
    ``is_open`` combines them: a point with no hours configured is open whenever it is in
    service."""
    local = timezone.localtime(at)
    point = point if point is not None else OuterRef("pk")
    hours = OpeningHours.objects.filter(point_id=point)
    return {
        "closed_today": Exists(Closure.objects.filter(point_id=point, date=local.date())),
        "has_hours": Exists(hours),
        "in_hours": Exists(hours.filter(weekday=local.weekday(), opens__lte=local.time(),
                                        closes__gt=local.time())),
    }


def is_open(row) -> bool:
    """Open by the ``open_now`` annotations of ``row``."""
    return not row.closed_today and (row.in_hours or not row.has_hours)


def handles(*, business_id, point=None) -> Exists:
    """An annotation: the point (``point``, default the row's pk) handles the active business."""
    point = point if point is not None else OuterRef("pk")
    return Exists(HANDLES.objects.filter(servicepoint_id=point, businesstype_id=business_id,
                                         businesstype__is_active=True))


def point_is_open(*, point: ServicePoint, at: datetime | None = None) -> bool:
    """Open when in service, not closed that day, and within a row of its hours (one query)."""
    if not point.is_active:
        return False
    row = ServicePoint.objects.filter(pk=point.pk).annotate(**open_now(at=at or timezone.now())).first()
    return row is not None and is_open(row)


@dataclass(frozen=True)
class Hall:
    """A point in service with its active businesses and whether it is open now."""

    point: ServicePoint
    businesses: dict[int, BusinessType]  # active businesses the point handles, by id
    open: bool

    def handles(self, business_id: int) -> bool:
        return business_id in self.businesses


def hall_find(*, point_id: int, at: datetime | None = None) -> Hall | None:
    """The point in service with its businesses and whether it is open at ``at`` (now): two
    queries; None when it does not exist or is out of service."""
    point = (ServicePoint.objects.filter(pk=point_id, is_active=True).select_related("region")
             .annotate(**open_now(at=at or timezone.now())).first())
    if point is None:
        return None
    businesses = {b.pk: b for b in point.business_types.filter(is_active=True)}
    return Hall(point=point, businesses=businesses, open=is_open(point))


def hall_get(*, point_id: int) -> Hall:
    hall = hall_find(point_id=point_id)
    if hall is None:
        raise NotFound(_("This service point does not exist or is no longer in service."))
    return hall


def kiosk_choice(*, point_id: int, business_id) -> tuple[ServicePoint, BusinessType] | None:
    """The point in service and one active business it handles (one query), or None."""
    if not str(business_id).isdigit():
        return None
    row = (HANDLES.objects.filter(servicepoint_id=point_id, servicepoint__is_active=True,
                                  businesstype_id=int(business_id), businesstype__is_active=True)
           .select_related("servicepoint", "businesstype").first())
    return (row.servicepoint, row.businesstype) if row is not None else None


def point_get(*, point_id: int) -> ServicePoint:
    point = ServicePoint.objects.filter(pk=point_id, is_active=True).select_related("region").first()
    if point is None:
        raise NotFound(_("This service point does not exist or is no longer in service."))
    return point


def points_list(*, q: str = "", region_prefix: str = ""):
    qs = ServicePoint.objects.filter(is_active=True).select_related("region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(region__name__icontains=q))
    if region_prefix:
        qs = qs.filter(region__prefix__startswith=region_prefix)
    return qs.order_by("region_id", "name")
