"""/api/v1/service_halls/manage/ — the hall manager's API: the same gates
(selectors/manage.py) and services as the workbench pages.

Roles: hall_manager for points and everything in them (another hall's records
answer 404); hall_manager or supervisor for the city-wide business types.
Businesses are named by code, regions by division code."""

from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from minsheng.access.selectors import user_has_role
from minsheng.core.errors import NotAllowed, ValidationFailed
from minsheng.core.schemas import ERROR_RESPONSES
from minsheng.regions.models import Region

from ..apps import BUSINESS, MANAGERS
from ..models import BusinessType, ServicePoint, Window, Zone
from ..selectors import manage as manage_sel
from ..selectors import queue as queue_sel
from ..services import business_types as business_types_svc
from ..services import points as points_svc
from ..services import schedule as schedule_svc
from ..services import windows as windows_svc

router = Router(tags=["service_halls"])


# --- schemas ----------------------------------------------------------------------------
class PointIn(Schema):
    name: str
    level: str
    region: str  # division code
    address: str = ""
    priority_every: int = 2
    business_types: list[str] = []  # codes


class PointCreateIn(PointIn):
    latitude: float
    longitude: float
    parent: int | None = None  # organisation id; needed only with several hall-manager assignments


class PointOut(Schema):
    id: int
    name: str
    level: str
    level_label: str
    region: str
    region_name: str
    address: str
    latitude: float | None
    longitude: float | None
    is_active: bool
    priority_every: int
    business_types: list[str]
    organisation: int


class MoveIn(Schema):
    latitude: float
    longitude: float


class ZoneIn(Schema):
    kind: str
    name: str


class ZoneOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str


class WindowIn(Schema):
    number: int
    zone: int | None = None
    business_types: list[str]


class ClerkOut(Schema):
    id: int
    name: str


class WindowOut(Schema):
    id: int
    number: int
    zone: int | None
    business_types: list[str]
    clerk: ClerkOut | None  # signed on (on duty)
    is_open: bool
    current: str | None  # the number at the window now


class PeriodIn(Schema):
    weekday: int  # 0 = Monday
    opens: time
    closes: time


class HoursIn(Schema):
    periods: list[PeriodIn]


class ClosureIn(Schema):
    date_from: date
    date_to: date | None = None
    reason: str = ""


class ClosureOut(Schema):
    id: int | None
    date: date
    reason: str


class SlotsIn(Schema):
    business_type: str
    date_from: date
    date_to: date
    start: time
    end: time
    minutes: int = 30
    capacity: int = 2


class SlotsCreatedOut(Schema):
    created: int


class SlotOut(Schema):
    id: int
    business_type: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int


class AppointmentOut(Schema):
    id: int
    slot: int
    business_type: str
    starts_at: datetime
    state: str
    state_label: str
    name: str
    phone_masked: str
    ticket_number: str | None


class BusinessTypeIn(Schema):
    name: str
    prefix: str
    typical_minutes: int = 10
    order: int = 100
    is_active: bool = True


class BusinessTypeCreateIn(BusinessTypeIn):
    code: str


class BusinessTypeOut(Schema):
    id: int
    code: str
    name: str
    prefix: str
    typical_minutes: int
    order: int
    is_active: bool


# --- helpers ------------------------------------------------------------------------------
def _require(request, roles) -> None:
    if not request.user.is_superuser and not user_has_role(user=request.user, roles=roles):
        raise NotAllowed()


def _point(request, point_id: int) -> ServicePoint:
    _require(request, MANAGERS)
    return manage_sel.point_get_managed(user=request.user, point_id=point_id)


def _code_ok(code: str) -> bool:
    return code.isascii() and code.isprintable() and 0 < len(code) <= 40


def _region(code: str) -> Region:
    code = code.strip()
    region = Region.objects.filter(code=code).first() if _code_ok(code) else None
    if region is None:
        raise ValidationFailed.for_field(
            "region", _("No region has the code %(code)s. Enter a division code such as 320706001.") % {"code": code})
    return region


def _businesses(codes: list[str], field: str = "business_types") -> list[BusinessType]:
    found = {b.code: b for b in BusinessType.objects.filter(code__in=[c for c in codes if _code_ok(c)])}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise ValidationFailed.for_field(
            field, _("There is no business type with the code %(codes)s.") % {"codes": "、".join(unknown)})
    return [found[c] for c in dict.fromkeys(codes)]


def _local_time(value: time, field: str) -> time:
    """Times of day are Beijing time, given without a time zone."""
    if value.tzinfo is not None:
        raise ValidationFailed.for_field(field, _("Give times of day without a time zone, e.g. 08:30 (Beijing time)."))
    return value


def _zone_of(point: ServicePoint, zone_id: int | None) -> Zone | None:
    zone = Zone.objects.filter(point=point, pk=zone_id).first() if zone_id is not None else None
    if zone_id is not None and zone is None:
        raise ValidationFailed.for_field("zone", _("Choose a zone of this service point."))
    return zone


def _point_out(p: ServicePoint) -> dict:
    return {
        "id": p.pk, "name": p.name, "level": p.level, "level_label": str(p.get_level_display()),
        "region": p.region_id, "region_name": p.region.name, "address": p.address, "latitude": p.latitude,
        "longitude": p.longitude, "is_active": p.is_active, "priority_every": p.priority_every,
        "business_types": [b.code for b in sorted(p.business_types.all(), key=lambda b: (b.order, b.prefix))],
        "organisation": p.organisation_id,
    }


def _zone_out(z: Zone) -> dict:
    return {"id": z.pk, "kind": z.kind, "kind_label": str(z.get_kind_display()), "name": z.name}


def _window_out(w: Window, current=None) -> dict:
    return {
        "id": w.pk, "number": w.number, "zone": w.zone_id,
        "business_types": [b.code for b in w.business_types.all()],
        "clerk": {"id": w.clerk.pk, "name": w.clerk.name or w.clerk.username} if w.clerk_id else None,
        "is_open": w.is_open, "current": current.number if current else None,
    }


def _business_out(b: BusinessType) -> dict:
    return {"id": b.pk, "code": b.code, "name": b.name, "prefix": b.prefix, "typical_minutes": b.typical_minutes,
            "order": b.order, "is_active": b.is_active}


def _day(day: date | None) -> date:
    return day or timezone.localdate()


# --- points -------------------------------------------------------------------------------
@router.get("/points", response={200: list[PointOut], **ERROR_RESPONSES})
def points(request):
    """The points within the user's hall-manager assignments, in service or closed."""
    _require(request, MANAGERS)
    points = manage_sel.points_managed(user=request.user).prefetch_related("business_types")
    return [_point_out(p) for p in points.order_by("region_id", "name")[:500]]


@router.post("/points", response={201: PointOut, **ERROR_RESPONSES})
def point_create(request, payload: PointCreateIn):
    """Add a point under the organisation of one of the user's hall-manager assignments."""
    _require(request, MANAGERS)
    parents = manage_sel.manager_parents(user=request.user)
    parent = None
    if payload.parent is not None:
        parent = next((a.organisation for a in parents if a.organisation_id == payload.parent), None)
        if parent is None:
            raise NotAllowed(_("You can add service points only in the area and under the organisation of your own assignment."))
    elif len({a.organisation_id for a in parents}) == 1:
        parent = parents[0].organisation
    elif parents:
        raise ValidationFailed.for_field("parent", _("Choose the organisation the new point belongs to."))
    point = points_svc.point_create(
        name=payload.name, level=payload.level, region=_region(payload.region), address=payload.address,
        latitude=payload.latitude, longitude=payload.longitude, priority_every=payload.priority_every,
        business_types=_businesses(payload.business_types), parent=parent, actor=request.user,
    )
    return Status(201, _point_out(point))


@router.get("/points/{point_id}", response={200: PointOut, **ERROR_RESPONSES})
def point_get(request, point_id: int):
    return _point_out(_point(request, point_id))


@router.put("/points/{point_id}", response={200: PointOut, **ERROR_RESPONSES})
def point_update(request, point_id: int, payload: PointIn):
    """Replace the point's name, level, region, address, priority policy and businesses."""
    point = _point(request, point_id)
    points_svc.point_update(
        point=point, name=payload.name, level=payload.level, region=_region(payload.region),
        address=payload.address, priority_every=payload.priority_every,
        business_types=_businesses(payload.business_types), actor=request.user,
    )
    return _point_out(point)


@router.post("/points/{point_id}/move", response={200: PointOut, **ERROR_RESPONSES})
def point_move(request, point_id: int, payload: MoveIn):
    """New location; the 15-minute circle is recomputed."""
    point = _point(request, point_id)
    return _point_out(points_svc.point_move(point=point, latitude=payload.latitude,
                                               longitude=payload.longitude, actor=request.user))


@router.post("/points/{point_id}/close", response={200: PointOut, **ERROR_RESPONSES})
def point_close(request, point_id: int):
    """Out of service: no more numbers; the 15-minute circle is recomputed."""
    return _point_out(points_svc.point_close(point=_point(request, point_id), actor=request.user))


@router.post("/points/{point_id}/reopen", response={200: PointOut, **ERROR_RESPONSES})
def point_reopen(request, point_id: int):
    return _point_out(points_svc.point_reopen(point=_point(request, point_id), actor=request.user))


# --- zones ---------------------------------------------------------------------------------
@router.get("/points/{point_id}/zones", response={200: list[ZoneOut], **ERROR_RESPONSES})
def zones(request, point_id: int):
    return [_zone_out(z) for z in _point(request, point_id).zones.all()]


@router.post("/points/{point_id}/zones", response={201: ZoneOut, **ERROR_RESPONSES})
def zone_create(request, point_id: int, payload: ZoneIn):
    zone = points_svc.zone_create(point=_point(request, point_id), kind=payload.kind, name=payload.name,
                                     actor=request.user)
    return Status(201, _zone_out(zone))


@router.put("/zones/{zone_id}", response={200: ZoneOut, **ERROR_RESPONSES})
def zone_update(request, zone_id: int, payload: ZoneIn):
    _require(request, MANAGERS)
    zone = manage_sel.zone_get_managed(user=request.user, zone_id=zone_id)
    return _zone_out(points_svc.zone_update(zone=zone, kind=payload.kind, name=payload.name, actor=request.user))


@router.delete("/zones/{zone_id}", response={204: None, **ERROR_RESPONSES})
def zone_delete(request, zone_id: int):
    _require(request, MANAGERS)
    points_svc.zone_delete(zone=manage_sel.zone_get_managed(user=request.user, zone_id=zone_id), actor=request.user)
    return Status(204, None)


# --- windows and staff on duty ----------------------------------------------------------------
@router.get("/points/{point_id}/windows", response={200: list[WindowOut], **ERROR_RESPONSES})
def windows(request, point_id: int):
    """Windows with their businesses, the clerk signed on and the number at the window now."""
    return [_window_out(w, w.current) for w in manage_sel.windows_on_duty(point=_point(request, point_id))]


@router.post("/points/{point_id}/windows", response={201: WindowOut, **ERROR_RESPONSES})
def window_create(request, point_id: int, payload: WindowIn):
    point = _point(request, point_id)
    window = points_svc.window_create(
        point=point, number=payload.number, zone=_zone_of(point, payload.zone),
        business_types=_businesses(payload.business_types), actor=request.user,
    )
    return Status(201, _window_out(window))


@router.put("/windows/{window_id}", response={200: WindowOut, **ERROR_RESPONSES})
def window_update(request, window_id: int, payload: WindowIn):
    _require(request, MANAGERS)
    window = manage_sel.window_get_managed(user=request.user, window_id=window_id)
    points_svc.window_update(
        window=window, number=payload.number, zone=_zone_of(window.point, payload.zone),
        business_types=_businesses(payload.business_types), actor=request.user,
    )
    return _window_out(window, queue_sel.ticket_at_window(window=window))


@router.post("/windows/{window_id}/sign-off", response={200: WindowOut, **ERROR_RESPONSES})
def window_sign_off(request, window_id: int):
    """Sign the clerk on duty off the window (the number at the window stays)."""
    _require(request, MANAGERS)
    window = manage_sel.window_get_managed(user=request.user, window_id=window_id)
    window = windows_svc.window_sign_off(window=window, clerk=request.user)
    return _window_out(window, queue_sel.ticket_at_window(window=window))


# --- opening hours and closures -------------------------------------------------------------
def _periods_out(point: ServicePoint) -> list[dict]:
    return [{"weekday": h.weekday, "opens": h.opens, "closes": h.closes} for h in point.opening_hours.all()]


@router.get("/points/{point_id}/hours", response={200: list[PeriodIn], **ERROR_RESPONSES})
def hours(request, point_id: int):
    return _periods_out(_point(request, point_id))


@router.put("/points/{point_id}/hours", response={200: list[PeriodIn], **ERROR_RESPONSES})
def hours_set(request, point_id: int, payload: HoursIn):
    """Replace the weekly hours; a weekday with no period is closed (no period at all: always open)."""
    point = _point(request, point_id)
    periods = [(p.weekday, _local_time(p.opens, "opens"), _local_time(p.closes, "closes")) for p in payload.periods]
    schedule_svc.hours_set(point=point, periods=periods, actor=request.user)
    return _periods_out(point)


@router.get("/points/{point_id}/closures", response={200: list[ClosureOut], **ERROR_RESPONSES})
def closures(request, point_id: int):
    """Closed days from today on."""
    point = _point(request, point_id)
    return [{"id": c.pk, "date": c.date, "reason": c.reason}
            for c in point.closures.filter(date__gte=timezone.localdate()).order_by("date")]


@router.post("/points/{point_id}/closures", response={201: list[ClosureOut], **ERROR_RESPONSES})
def closures_add(request, point_id: int, payload: ClosureIn):
    """Close the point from date_from to date_to (one day without date_to); days already closed stay."""
    point = _point(request, point_id)
    added = schedule_svc.closures_add(point=point, date_from=payload.date_from, date_to=payload.date_to,
                                       reason=payload.reason, actor=request.user)
    ids = dict(point.closures.filter(date__in=[c.date for c in added]).values_list("date", "pk"))
    return Status(201, [{"id": ids.get(c.date), "date": c.date, "reason": c.reason} for c in added])


@router.delete("/closures/{closure_id}", response={204: None, **ERROR_RESPONSES})
def closure_remove(request, closure_id: int):
    _require(request, MANAGERS)
    closure = manage_sel.closure_get_managed(user=request.user, closure_id=closure_id)
    schedule_svc.closure_remove(closure=closure, actor=request.user)
    return Status(204, None)


# --- appointment slots and the day's appointments --------------------------------------------
@router.post("/points/{point_id}/slots", response={201: SlotsCreatedOut, **ERROR_RESPONSES})
def slots_create(request, point_id: int, payload: SlotsIn):
    """Slots over a day range, only where and when the point is open; existing slots are kept."""
    point = _point(request, point_id)
    biz = _businesses([payload.business_type], field="business_type")[0]
    created = schedule_svc.slots_create_range(
        point=point, business_type=biz, date_from=payload.date_from, date_to=payload.date_to,
        start=_local_time(payload.start, "start"), end=_local_time(payload.end, "end"), minutes=payload.minutes, capacity=payload.capacity,
        actor=request.user,
    )
    return Status(201, {"created": created})


@router.get("/points/{point_id}/slots", response={200: list[SlotOut], **ERROR_RESPONSES})
def slots(request, point_id: int, day: date | None = None):
    return [{"id": s.pk, "business_type": s.business_type.code, "starts_at": s.starts_at, "ends_at": s.ends_at,
             "capacity": s.capacity, "booked": s.booked}
            for s in manage_sel.slots_for_day(point=_point(request, point_id), day=_day(day))]


@router.delete("/slots/{slot_id}", response={204: None, **ERROR_RESPONSES})
def slot_delete(request, slot_id: int):
    """Remove a slot nobody booked."""
    _require(request, MANAGERS)
    schedule_svc.slot_delete(slot=manage_sel.slot_get_managed(user=request.user, slot_id=slot_id), actor=request.user)
    return Status(204, None)


@router.get("/points/{point_id}/appointments", response={200: list[AppointmentOut], **ERROR_RESPONSES})
def appointments(request, point_id: int, day: date | None = None):
    """The day's appointments (today by default): who, when, state, the number taken."""
    rows = manage_sel.appointments_for_day(point=_point(request, point_id), day=_day(day))
    out = []
    for a in rows:
        ticket = getattr(a, "ticket", None)  # None until the appointment is checked in
        out.append({
            "id": a.pk, "slot": a.slot_id, "business_type": a.slot.business_type.code, "starts_at": a.slot.starts_at,
            "state": a.state, "state_label": str(a.get_state_display()),
            "name": a.person.name if a.person else (a.user.name or a.user.username),
            "phone_masked": a.person.phone_masked if a.person else "",
            "ticket_number": ticket.number if ticket else None,
        })
    return out


# --- business types (city-wide) ----------------------------------------------------------------
@router.get("/business-types", response={200: list[BusinessTypeOut], **ERROR_RESPONSES})
def business_types(request):
    _require(request, BUSINESS)
    return [_business_out(b) for b in manage_sel.business_types_all()]


@router.post("/business-types", response={201: BusinessTypeOut, **ERROR_RESPONSES})
def business_type_create(request, payload: BusinessTypeCreateIn):
    _require(request, BUSINESS)
    biz = business_types_svc.business_type_create(actor=request.user, **payload.dict())
    return Status(201, _business_out(biz))


@router.put("/business-types/{business_type_id}", response={200: BusinessTypeOut, **ERROR_RESPONSES})
def business_type_update(request, business_type_id: int, payload: BusinessTypeIn):
    """The code stays; a new prefix letter applies to numbers issued from now on."""
    _require(request, BUSINESS)
    biz = manage_sel.business_type_get(business_type_id=business_type_id)
    return _business_out(business_types_svc.business_type_update(business_type=biz, actor=request.user, **payload.dict()))
