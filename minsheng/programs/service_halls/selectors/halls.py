"""Reads of the halls themselves: points, and what taking a number needs to know about one
(is it in service and open now, which businesses it handles).

Taking a number is the hall's busiest request (a kiosk rush), and a hall's businesses,
hours and closed days change a few times a year, so each process keeps them for
``SERVICE_HALLS_LOOKUP_SECONDS`` (``hall_get``; 0 turns this off, as under tests unless a
test sets it). The services that change them call ``hall_changed`` in their transaction:
the process forgets the hall when it commits, other processes within the time-to-live.
The numbers themselves always come from the database.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import NotFound

from ..models import BusinessType, Closure, OpeningHours, ServicePoint


def open_at(hours, closed: bool, local: datetime) -> bool:
    """Open at ``local`` (the hall's local time): not a closed day, and within one of the
    week's periods (a point with no hours configured is open whenever it is in service)."""
    if closed:
        return False
    if not hours:
        return True
    now = local.time()
    return any(h.weekday == local.weekday() and h.opens <= now < h.closes for h in hours)


def point_is_open(*, point: ServicePoint, at: datetime | None = None) -> bool:
    """Open when in service, not closed that day, and within a row of its hours."""
    if not point.is_active:
        return False
    local = timezone.localtime(at or timezone.now())
    closed = point.closures.filter(date=local.date()).exists()
    return open_at(list(point.opening_hours.all()), closed, local)


@dataclass(frozen=True)
class Hall:
    """A point in service with what taking a number checks."""

    point: ServicePoint
    businesses: dict[int, BusinessType]  # active businesses the point handles, by id
    hours: tuple[OpeningHours, ...]
    closed_on: frozenset[date]

    def handles(self, business_id: int) -> bool:
        return business_id in self.businesses

    def is_open(self, at: datetime) -> bool:
        local = timezone.localtime(at)
        return open_at(self.hours, local.date() in self.closed_on, local)


_halls: dict[int, tuple[float, Hall | None]] = {}
_lock = threading.Lock()


def _load(point_id: int) -> Hall | None:
    point = ServicePoint.objects.filter(pk=point_id, is_active=True).select_related("region").first()
    if point is None:
        return None
    businesses = {b.pk: b for b in point.business_types.filter(is_active=True)}
    hours = tuple(point.opening_hours.all())
    closed = frozenset(
        Closure.objects.filter(point_id=point_id, date__gte=timezone.localdate()).values_list("date", flat=True)
    )
    return Hall(point=point, businesses=businesses, hours=hours, closed_on=closed)


def hall_find(*, point_id: int) -> Hall | None:
    """The point in service with its businesses, hours and closures; None when it does
    not exist or is out of service."""
    ttl = settings.SERVICE_HALLS_LOOKUP_SECONDS
    if ttl <= 0:
        return _load(point_id)
    now = time.monotonic()
    hit = _halls.get(point_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = _load(point_id)
    with _lock:
        _halls[point_id] = (now + ttl, value)
    return value


def hall_get(*, point_id: int) -> Hall:
    hall = hall_find(point_id=point_id)
    if hall is None:
        raise NotFound(_("This service point does not exist or is no longer in service."))
    return hall


def halls_forget(point_id: int | None = None) -> None:
    """Forget one hall (None: every hall) in this process."""
    with _lock:
        if point_id is None:
            _halls.clear()
        else:
            _halls.pop(point_id, None)


def hall_changed(point_id: int | None) -> None:
    """Call inside the transaction that changes a point, its businesses, hours or closures
    (None: a business type, which every point may hold): this process forgets it at commit."""
    transaction.on_commit(partial(halls_forget, point_id))


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
