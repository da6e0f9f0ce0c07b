"""A per-process, short-lived cache of what issuing a ticket reads about a hall:
the point, the businesses it handles, its opening hours and coming closures.

Issuing is the hot path (a kiosk rush), and these rows change a few times a
year, so each process keeps them for ``SERVICE_HALLS_LOOKUP_SECONDS`` (5 s by
default; 0 turns the cache off, as under tests unless a test sets it). The
services that change a point clear its entry at once in their own process;
other processes see the change within the time-to-live. Numbering never comes
from here: the counter row in the database hands out every number.
"""

import threading
import time
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils import timezone

from .models import BusinessType, Closure, OpeningHours, ServicePoint


@dataclass(frozen=True)
class PointLookup:
    point: ServicePoint
    businesses: dict[int, BusinessType]  # active businesses the point handles, by id
    hours: tuple[OpeningHours, ...]
    closed_on: frozenset[date]

    def handles(self, business_id: int) -> bool:
        return business_id in self.businesses


_cache: dict[int, tuple[float, PointLookup | None]] = {}
_lock = threading.Lock()


def _ttl() -> float:
    return settings.SERVICE_HALLS_LOOKUP_SECONDS


def _load(point_id: int) -> PointLookup | None:
    point = ServicePoint.objects.filter(pk=point_id, is_active=True).select_related("region").first()
    if point is None:
        return None
    businesses = {b.pk: b for b in point.business_types.filter(is_active=True)}
    hours = tuple(point.opening_hours.all())
    closed = frozenset(
        Closure.objects.filter(point_id=point_id, date__gte=timezone.localdate()).values_list("date", flat=True)
    )
    return PointLookup(point=point, businesses=businesses, hours=hours, closed_on=closed)


def point_lookup(*, point_id: int) -> PointLookup | None:
    """The point (active only) with its businesses, hours and closures; None when
    the point does not exist or is out of service."""
    ttl = _ttl()
    if ttl <= 0:
        return _load(point_id)
    now = time.monotonic()
    hit = _cache.get(point_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = _load(point_id)
    with _lock:
        _cache[point_id] = (now + ttl, value)
    return value


def lookups_clear(*, point_id: int | None = None) -> None:
    """Forget one point (or all) in this process, e.g. after it was changed."""
    with _lock:
        if point_id is None:
            _cache.clear()
            _business_cache.clear()
        else:
            _cache.pop(point_id, None)


_business_cache: dict[int, tuple[float, BusinessType]] = {}


def business_type_lookup(*, business_type_id: int) -> BusinessType:
    """A business type by id (names and typical minutes for showing a ticket), kept
    for the same time-to-live as the halls."""
    ttl = _ttl()
    now = time.monotonic()
    hit = _business_cache.get(business_type_id)
    if ttl > 0 and hit is not None and hit[0] > now:
        return hit[1]
    value = BusinessType.objects.get(pk=business_type_id)
    if ttl > 0:
        with _lock:
            _business_cache[business_type_id] = (now + ttl, value)
    return value
