"""Writes for setting up and running a hall (the hall manager's work): service
points, zones, windows, business types, opening hours, closures, appointment slots.

Every change is validated before anything is written (one ValidationFailed
naming each bad field), runs in one transaction and writes one audit row in
it. Changes that the kiosk's per-process cache holds (a point, its businesses,
hours and closures; business types) clear it after commit; adding, moving,
closing or reopening a point recomputes the 15-minute circle after commit.

Scope (which points a manager may touch) is checked by the gates in
selectors.py before these are called; creating a point or moving it to
another region is checked here, against the actor's own assignments.
"""

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.access.selectors import active_assignments
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed

from . import lookups
from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    Closure,
    OpeningHours,
    PointLevel,
    ServicePoint,
    Ticket,
    TicketState,
    Window,
    Zone,
    ZoneKind,
)

MANAGER_ROLES = ("hall_manager",)
MAX_RANGE_DAYS = 62  # slots and closures are set at most about two months at a time
MAX_PERIODS_PER_DAY = 4
MAX_AHEAD_DAYS = 366  # closed days and slots are planned at most a year ahead
_PREFIX_RE = re.compile(r"^[A-Z]$")
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


class _Errors:
    """Collects per-field messages so one refusal names every bad field."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def raise_if_any(self) -> None:
        if not self.fields:
            return
        messages = [m for ms in self.fields.values() for m in ms]
        if len(messages) == 1:
            raise ValidationFailed(messages[0], fields=self.fields)
        raise ValidationFailed(fields=self.fields)


def _text_ok(errors: _Errors, field: str, value: str, *, max_length: int, required=None) -> bool:
    """A one-line text: present (when ``required`` gives the message), short enough,
    without control characters (PostgreSQL refuses NUL). True when it may be looked up."""
    if not value:
        if required:
            errors.add(field, required)
        return False
    if any(ord(c) < 32 for c in value):
        errors.add(field, _("Remove the line breaks and control characters from this text."))
        return False
    if len(value) > max_length:
        errors.add(field, _("Keep this text to %(n)d characters or fewer.") % {"n": max_length})
        return False
    return True


def _after_commit_clear(point_id: int | None) -> None:
    """Forget the point (None: every point and business) in this process's kiosk cache."""
    transaction.on_commit(partial(lookups.lookups_clear, point_id=point_id))


def _recompute_after_commit(trigger: str, point_id: int | None = None) -> None:
    from .tasks import coverage_recompute

    if point_id is not None:
        _after_commit_clear(point_id)
    transaction.on_commit(lambda: coverage_recompute.enqueue(trigger=trigger))


# --- service points ----------------------------------------------------------------
def _may_place(actor, *, organisation_ids: set[int | None], region) -> bool:
    """The actor holds a hall-manager assignment at one of ``organisation_ids``
    whose region subtree contains ``region`` (superusers and the system may)."""
    if actor is None or actor.is_superuser:
        return True
    return any(
        a.organisation_id in organisation_ids and region.prefix.startswith(a.region.prefix)
        for a in active_assignments(user=actor, roles=MANAGER_ROLES)
    )


def _check_point_fields(
    errors: _Errors, *, name: str, level: str, region, address: str, priority_every: int,
    exclude_pk: int | None = None,
) -> None:
    if (
        _text_ok(errors, "name", name, max_length=200, required=_("Enter the service point's name."))
        and ServicePoint.objects.filter(name=name).exclude(pk=exclude_pk).exists()
    ):
        errors.add("name", _("A service point named “%(name)s” already exists. Choose another name.")
                   % {"name": name})
    if level not in PointLevel.values:
        errors.add("level", _("Choose county service centre, town service station or village service point."))
    if region is None or region.valid_to is not None:
        errors.add("region", _("Choose a region that is in use (its division code)."))
    _text_ok(errors, "address", address, max_length=200)
    if not isinstance(priority_every, int) or not 0 <= priority_every <= 20:
        errors.add("priority_every", _(
            "Enter how many normal numbers are called between two priority numbers, from 0 to 20 "
            "(0 calls priority numbers first)."))


def _check_location(errors: _Errors, latitude, longitude) -> None:
    if (
        not isinstance(latitude, int | float) or not isinstance(longitude, int | float)
        or not -90 <= latitude <= 90 or not -180 <= longitude <= 180
    ):
        errors.add("latitude", _("Enter a latitude between -90 and 90 and a longitude between -180 and 180 (WGS-84 degrees)."))


def point_create(
    *, name: str, level: str, region, latitude: float, longitude: float, address: str = "",
    business_types: Iterable[BusinessType] = (), organisation=None, parent=None,
    priority_every: int = 2, actor=None,
) -> ServicePoint:
    """Open a service point. Without ``organisation`` its access organisation
    (kind service_point) is created under ``parent`` — the manager's own
    organisation, so the new point falls within their scope."""
    name, address = (name or "").strip(), (address or "").strip()
    errors = _Errors()
    _check_point_fields(errors, name=name, level=level, region=region, address=address,
                        priority_every=priority_every)
    _check_location(errors, latitude, longitude)
    errors.raise_if_any()
    if organisation is None and not _may_place(actor, organisation_ids={getattr(parent, "pk", None)},
                                               region=region):
        raise NotAllowed(_("You can add service points only in the area and under the organisation of your own assignment."))
    with transaction.atomic():
        if organisation is None:
            organisation = Organisation.objects.create(
                name=name, kind=OrganisationKind.SERVICE_POINT, region=region, parent=parent,
                address=address, latitude=latitude, longitude=longitude,
            )
        point = ServicePoint.objects.create(
            organisation=organisation, name=name, level=level, region=region,
            latitude=latitude, longitude=longitude, address=address, priority_every=priority_every,
        )
        if business_types:
            point.business_types.set(business_types)
        audit_record(event_type="service_halls.point_create", actor=actor, target=point,
                     new={"latitude": latitude, "longitude": longitude, "level": level,
                          "region": region.pk, "business_types": sorted(b.code for b in business_types)})
        _recompute_after_commit(f"point {point.pk} added", point.pk)
    return point


def point_update(
    *, point: ServicePoint, name: str, level: str, region, address: str, priority_every: int,
    business_types: Iterable[BusinessType], actor=None,
) -> ServicePoint:
    """Change a point's name, level, region, address, priority policy and the
    businesses it handles. A business can be dropped only when none of its
    numbers is still in the hall today and no appointment for it is booked
    ahead; its windows stop serving it and its empty future slots go."""
    name, address = (name or "").strip(), (address or "").strip()
    business_types = list(business_types)
    errors = _Errors()
    _check_point_fields(errors, name=name, level=level, region=region, address=address,
                        priority_every=priority_every, exclude_pk=point.pk)
    old_ids = set(point.business_types.values_list("pk", flat=True))
    new_ids = {b.pk for b in business_types}
    dropped = old_ids - new_ids
    now = timezone.now()
    if dropped:
        in_hall = Ticket.objects.filter(
            point=point, service_date=timezone.localdate(now), business_type_id__in=dropped,
            state__in=[TicketState.WAITING, TicketState.CALLED, TicketState.SERVING],
        ).count()
        booked = Appointment.objects.filter(
            slot__point=point, slot__business_type_id__in=dropped, slot__ends_at__gt=now,
            state=AppointmentState.BOOKED,
        ).count()
        if in_hall or booked:
            errors.add("business_types", _(
                "The point cannot stop handling a business while %(tickets)d of its numbers are still in the "
                "hall today and %(appointments)d appointments for it are booked ahead. Serve them first, or "
                "keep the business until they are done.") % {"tickets": in_hall, "appointments": booked})
    errors.raise_if_any()
    if region.pk != point.region_id and not _may_place(
        actor, organisation_ids={point.organisation_id, point.organisation.parent_id}, region=region
    ):
        raise NotAllowed(_("You can move a service point only to a region within your own assignment."))
    old = {"name": point.name, "level": point.level, "region": point.region_id, "address": point.address,
           "priority_every": point.priority_every,
           "business_types": sorted(BusinessType.objects.filter(pk__in=old_ids).values_list("code", flat=True))}
    with transaction.atomic():
        point.name, point.level, point.region, point.address = name, level, region, address
        point.priority_every = priority_every
        point.save(update_fields=["name", "level", "region", "address", "priority_every", "updated_at"])
        org = point.organisation
        if org.kind == OrganisationKind.SERVICE_POINT:
            org.name, org.region, org.address = name, region, address
            org.save(update_fields=["name", "region", "address", "updated_at"])
        point.business_types.set(business_types)
        if dropped:
            Window.business_types.through.objects.filter(
                window__point=point, businesstype_id__in=dropped
            ).delete()
            _close_future_slots(point=point, business_ids=dropped, after=now)
        new = {"name": name, "level": level, "region": region.pk, "address": address,
               "priority_every": priority_every, "business_types": sorted(b.code for b in business_types)}
        audit_record(event_type="service_halls.point_update", actor=actor, target=point,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v})
        _after_commit_clear(point.pk)
    return point


def _close_future_slots(*, point: ServicePoint, business_ids: set[int], after: datetime) -> None:
    """The point's coming slots for businesses it no longer handles: removed, or,
    where a cancelled booking keeps the row on record, closed to booking. Locked
    first, so a booking racing this change is either refused or refuses it."""
    slots = list(AppointmentSlot.objects.select_for_update().filter(
        point=point, business_type_id__in=business_ids, starts_at__gt=after))
    if any(s.booked for s in slots):
        raise Conflict(_("Someone booked an appointment for this business just now. Reload and try again."))
    ids = [s.pk for s in slots]
    AppointmentSlot.objects.filter(pk__in=ids, appointments__isnull=True).delete()
    AppointmentSlot.objects.filter(pk__in=ids).update(capacity=0)


def point_move(*, point: ServicePoint, latitude: float, longitude: float, actor=None) -> ServicePoint:
    errors = _Errors()
    _check_location(errors, latitude, longitude)
    errors.raise_if_any()
    with transaction.atomic():
        old = {"latitude": point.latitude, "longitude": point.longitude}
        point.latitude, point.longitude = latitude, longitude
        point.save(update_fields=["latitude", "longitude", "updated_at"])
        org = point.organisation
        if org.kind == OrganisationKind.SERVICE_POINT:
            org.latitude, org.longitude = latitude, longitude
            org.save(update_fields=["latitude", "longitude", "updated_at"])
        audit_record(event_type="service_halls.point_move", actor=actor, target=point, old=old,
                     new={"latitude": latitude, "longitude": longitude})
        _recompute_after_commit(f"point {point.pk} moved", point.pk)
    return point


def point_close(*, point: ServicePoint, actor=None) -> ServicePoint:
    """Take the point out of service: no more numbers, gone from the station list
    and from the 15-minute circle. Numbers already in the hall can still be served."""
    with transaction.atomic():
        locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
        if not locked.is_active:
            raise Conflict(_("This service point is already closed."), code=ErrorCode.STATE_CHANGED)
        point.is_active = False
        point.save(update_fields=["is_active", "updated_at"])
        audit_record(event_type="service_halls.point_close", actor=actor, target=point,
                     old={"is_active": True}, new={"is_active": False})
        _recompute_after_commit(f"point {point.pk} closed", point.pk)
    return point


def point_reopen(*, point: ServicePoint, actor=None) -> ServicePoint:
    with transaction.atomic():
        locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
        if locked.is_active:
            raise Conflict(_("This service point is already in service."), code=ErrorCode.STATE_CHANGED)
        if locked.latitude is None or locked.longitude is None:
            raise ValidationFailed.for_field(
                "latitude", _("Set the point's location before reopening it, so the 15-minute circle can count it."))
        point.is_active = True
        point.save(update_fields=["is_active", "updated_at"])
        audit_record(event_type="service_halls.point_reopen", actor=actor, target=point,
                     old={"is_active": False}, new={"is_active": True})
        _recompute_after_commit(f"point {point.pk} reopened", point.pk)
    return point


# --- zones -------------------------------------------------------------------------
def _check_zone(errors: _Errors, *, point: ServicePoint, kind: str, name: str, exclude_pk=None) -> None:
    if kind not in ZoneKind.values:
        errors.add("kind", _("Choose one of the listed kinds of zone."))
    if (
        _text_ok(errors, "name", name, max_length=100, required=_("Enter the zone's name."))
        and Zone.objects.filter(point=point, name=name).exclude(pk=exclude_pk).exists()
    ):
        errors.add("name", _("This point already has a zone named “%(name)s”.") % {"name": name})


def _zone_saved(save, name: str):
    """Run ``save`` in a savepoint; two managers adding the same name at once → one refusal."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as e:
        raise ValidationFailed.for_field(
            "name", _("This point already has a zone named “%(name)s”.") % {"name": name}) from e


def zone_create(*, point: ServicePoint, kind: str, name: str, actor=None) -> Zone:
    name = (name or "").strip()
    errors = _Errors()
    _check_zone(errors, point=point, kind=kind, name=name)
    errors.raise_if_any()
    with transaction.atomic():
        zone = _zone_saved(lambda: Zone.objects.create(point=point, kind=kind, name=name), name)
        audit_record(event_type="service_halls.zone_create", actor=actor, target=zone,
                     new={"point": point.pk, "kind": kind, "name": name})
    return zone


def zone_update(*, zone: Zone, kind: str, name: str, actor=None) -> Zone:
    name = (name or "").strip()
    errors = _Errors()
    _check_zone(errors, point=zone.point, kind=kind, name=name, exclude_pk=zone.pk)
    errors.raise_if_any()
    old = {"kind": zone.kind, "name": zone.name}
    with transaction.atomic():
        zone.kind, zone.name = kind, name
        _zone_saved(lambda: zone.save(update_fields=["kind", "name"]), name)
        audit_record(event_type="service_halls.zone_update", actor=actor, target=zone, old=old,
                     new={"kind": kind, "name": name})
    return zone


def zone_delete(*, zone: Zone, actor=None) -> None:
    """Remove a zone; its windows stay, without a zone."""
    with transaction.atomic():
        windows = list(Window.objects.filter(zone=zone).values_list("number", flat=True))
        audit_record(event_type="service_halls.zone_delete", actor=actor, target=zone,
                     old={"point": zone.point_id, "kind": zone.kind, "name": zone.name, "windows": windows})
        zone.delete()


# --- windows -----------------------------------------------------------------------
def _check_window(
    errors: _Errors, *, point: ServicePoint, number, zone: Zone | None, business_types: list, exclude_pk=None,
) -> None:
    if not isinstance(number, int) or not 1 <= number <= 999:
        errors.add("number", _("Enter a window number from 1 to 999."))
    elif Window.objects.filter(point=point, number=number).exclude(pk=exclude_pk).exists():
        errors.add("number", _("This point already has window %(n)s. Choose another number.") % {"n": number})
    if zone is not None and zone.point_id != point.pk:
        errors.add("zone", _("Choose a zone of this service point."))
    if not business_types:
        errors.add("business_types", _("Choose at least one business this window serves."))
    else:
        handled = set(point.business_types.values_list("pk", flat=True))
        foreign = [b.name for b in business_types if b.pk not in handled]
        if foreign:
            errors.add("business_types", _(
                "This point does not handle %(names)s. Add the business to the point first, or choose another.")
                % {"names": "、".join(foreign)})


def _window_saved(save, number: int):
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as e:
        raise ValidationFailed.for_field(
            "number", _("This point already has window %(n)s. Choose another number.") % {"n": number}) from e


def window_create(
    *, point: ServicePoint, number: int, business_types: Iterable[BusinessType], zone: Zone | None = None,
    actor=None,
) -> Window:
    business_types = list(business_types)
    errors = _Errors()
    _check_window(errors, point=point, number=number, zone=zone, business_types=business_types)
    errors.raise_if_any()
    with transaction.atomic():
        window = _window_saved(
            lambda: Window.objects.create(point=point, number=number, zone=zone, is_open=False), number)
        window.business_types.set(business_types)
        audit_record(event_type="service_halls.window_create", actor=actor, target=window,
                     new={"point": point.pk, "number": number, "zone": getattr(zone, "pk", None),
                          "business_types": sorted(b.code for b in business_types)})
    return window


def window_update(
    *, window: Window, number: int, business_types: Iterable[BusinessType], zone: Zone | None = None,
    actor=None,
) -> Window:
    """Renumber a window, put it in a zone, change the businesses it serves. The
    clerk on duty stays signed on; their next call follows the new businesses."""
    business_types = list(business_types)
    errors = _Errors()
    _check_window(errors, point=window.point, number=number, zone=zone, business_types=business_types,
                  exclude_pk=window.pk)
    errors.raise_if_any()
    old = {"number": window.number, "zone": window.zone_id,
           "business_types": sorted(window.business_types.values_list("code", flat=True))}
    with transaction.atomic():
        window.number, window.zone = number, zone
        # only these columns: call-next writes the policy counter on the same row
        _window_saved(lambda: window.save(update_fields=["number", "zone"]), number)
        window.business_types.set(business_types)
        new = {"number": number, "zone": getattr(zone, "pk", None),
               "business_types": sorted(b.code for b in business_types)}
        audit_record(event_type="service_halls.window_update", actor=actor, target=window,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v})
    return window


# --- business types (city-wide) ------------------------------------------------------
def _check_business(
    errors: _Errors, *, name: str, prefix: str, typical_minutes, order, exclude_pk=None,
) -> None:
    _text_ok(errors, "name", name, max_length=100, required=_("Enter the business's name."))
    if not _PREFIX_RE.match(prefix):
        errors.add("prefix", _("Enter one letter from A to Z as the ticket prefix."))
    else:
        taken = BusinessType.objects.filter(prefix=prefix).exclude(pk=exclude_pk).first()
        if taken is not None:
            errors.add("prefix", _("The letter %(prefix)s is already used by “%(name)s”. Choose another letter.")
                       % {"prefix": prefix, "name": taken.name})
    if not isinstance(typical_minutes, int) or not 1 <= typical_minutes <= 240:
        errors.add("typical_minutes", _("Enter the typical service time in minutes, from 1 to 240."))
    if not isinstance(order, int) or not 0 <= order <= 9999:
        errors.add("order", _("Enter the display order as a number from 0 to 9999."))


def _business_saved(save, prefix: str):
    try:
        with transaction.atomic():
            return save()
    except IntegrityError as e:  # another change took the letter (or code) at the same moment
        raise Conflict(
            _("The letter %(prefix)s or this code was taken just now. Reload and choose another.")
            % {"prefix": prefix}, code=ErrorCode.DUPLICATE,
        ) from e


def business_type_create(
    *, code: str, name: str, prefix: str, typical_minutes: int, order: int = 100, is_active: bool = True,
    actor=None,
) -> BusinessType:
    code, name, prefix = (code or "").strip(), (name or "").strip(), (prefix or "").strip().upper()
    errors = _Errors()
    if not _CODE_RE.match(code):
        errors.add("code", _("Enter a code of 2 to 40 lower-case letters, digits and hyphens, e.g. insurance-registration."))
    elif BusinessType.objects.filter(code=code).exists():
        errors.add("code", _("The code “%(code)s” is already used. Choose another.") % {"code": code})
    _check_business(errors, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order)
    errors.raise_if_any()
    with transaction.atomic():
        biz = _business_saved(lambda: BusinessType.objects.create(
            code=code, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order,
            is_active=is_active), prefix)
        audit_record(event_type="service_halls.business_type_create", actor=actor, target=biz,
                     new={"code": code, "name": name, "prefix": prefix, "typical_minutes": typical_minutes,
                          "order": order, "is_active": is_active})
    return biz


def business_type_update(
    *, business_type: BusinessType, name: str, prefix: str, typical_minutes: int, order: int,
    is_active: bool, actor=None,
) -> BusinessType:
    """Rename, reorder, retime, (de)activate, or give a business another letter.

    The code stays (it names the business in the API and in ratings). A new
    letter applies to numbers issued from now on: numbers already issued keep
    theirs, and the new letter continues that letter's count for the day
    (counters are per point, letter and day), so no number is ever issued twice."""
    name, prefix = (name or "").strip(), (prefix or "").strip().upper()
    errors = _Errors()
    _check_business(errors, name=name, prefix=prefix, typical_minutes=typical_minutes, order=order,
                    exclude_pk=business_type.pk)
    errors.raise_if_any()
    fields = ("name", "prefix", "typical_minutes", "order", "is_active")
    old = {f: getattr(business_type, f) for f in fields}
    new = {"name": name, "prefix": prefix, "typical_minutes": typical_minutes, "order": order,
           "is_active": is_active}
    with transaction.atomic():
        for f, v in new.items():
            setattr(business_type, f, v)
        _business_saved(lambda: business_type.save(update_fields=list(fields)), prefix)
        audit_record(event_type="service_halls.business_type_update", actor=actor, target=business_type,
                     old={k: v for k, v in old.items() if new[k] != v},
                     new={k: v for k, v in new.items() if old[k] != v})
        _after_commit_clear(None)  # every point's cached businesses, and the business cache
    return business_type


# --- opening hours and closures ------------------------------------------------------
def _period_label(weekday: int, opens: time, closes: time) -> str:
    return f"{weekday} {opens:%H:%M}-{closes:%H:%M}"


def hours_set(*, point: ServicePoint, periods: Iterable[tuple[int, time, time]], actor=None) -> list[OpeningHours]:
    """Replace the point's weekly opening hours with ``periods`` — (weekday 0 =
    Monday, opens, closes). A weekday without a period is closed; a point with
    no period at all is open whenever it is in service."""
    periods = sorted(periods)
    errors = _Errors()
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in periods:
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors.add("weekday", _("Weekdays run from 0 (Monday) to 6 (Sunday)."))
            continue
        if not opens < closes:
            errors.add(f"hours_{weekday}", _("Opening must be before closing (%(opens)s–%(closes)s).")
                       % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"})
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, rows in by_day.items():
        if len(rows) > MAX_PERIODS_PER_DAY:
            errors.add(f"hours_{weekday}", _("Enter at most %(n)d periods for one day.") % {"n": MAX_PERIODS_PER_DAY})
        if any(rows[i][1] > rows[i + 1][0] for i in range(len(rows) - 1)):
            errors.add(f"hours_{weekday}", _("The periods of one day must not overlap."))
    errors.raise_if_any()
    old = [_period_label(h.weekday, h.opens, h.closes) for h in point.opening_hours.all()]
    with transaction.atomic():
        OpeningHours.objects.filter(point=point).delete()
        rows = OpeningHours.objects.bulk_create(
            [OpeningHours(point=point, weekday=d, opens=o, closes=c) for d, o, c in periods])
        audit_record(event_type="service_halls.hours_set", actor=actor, target=point,
                     old={"hours": old}, new={"hours": [_period_label(*p) for p in periods]})
        _after_commit_clear(point.pk)
    return rows


def _check_range(errors: _Errors, date_from: date, date_to: date, *, field: str = "date_from") -> None:
    today = timezone.localdate()
    if date_from < today:
        errors.add(field, _("Choose today or a later day."))
    elif date_from > today + timedelta(days=MAX_AHEAD_DAYS):
        errors.add(field, _("Choose a day within the coming year."))
    if date_to < date_from:
        errors.add("date_to", _("The last day must not be before the first day."))
    elif (date_to - date_from).days >= MAX_RANGE_DAYS:
        errors.add("date_to", _("Choose at most %(n)d days at a time.") % {"n": MAX_RANGE_DAYS})


def closures_add(
    *, point: ServicePoint, date_from: date, date_to: date | None = None, reason: str = "", actor=None,
) -> list[Closure]:
    """Close the point on each day from ``date_from`` to ``date_to`` (holidays,
    training, repairs); days already closed are kept as they are."""
    date_to = date_to or date_from
    reason = (reason or "").strip()
    errors = _Errors()
    _check_range(errors, date_from, date_to)
    _text_ok(errors, "reason", reason, max_length=200)
    errors.raise_if_any()
    days = [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]
    have = set(Closure.objects.filter(point=point, date__in=days).values_list("date", flat=True))
    new = [Closure(point=point, date=d, reason=reason) for d in days if d not in have]
    if not new:
        raise ValidationFailed.for_field("date_from", _("The point is already closed on these days."))
    with transaction.atomic():
        Closure.objects.bulk_create(new, ignore_conflicts=True)
        audit_record(event_type="service_halls.closures_add", actor=actor, target=point,
                     new={"dates": [c.date.isoformat() for c in new], "reason": reason})
        _after_commit_clear(point.pk)
    return new


def closure_remove(*, closure: Closure, actor=None) -> None:
    with transaction.atomic():
        audit_record(event_type="service_halls.closure_remove", actor=actor, target=closure.point,
                     old={"date": closure.date.isoformat(), "reason": closure.reason})
        closure.delete()
        _after_commit_clear(closure.point_id)


# --- appointment slots -----------------------------------------------------------------
def _slot_starts(day: date, start: time, end: time, minutes: int) -> list[datetime]:
    tz = timezone.get_current_timezone()
    t, stop = datetime.combine(day, start, tz), datetime.combine(day, end, tz)
    out = []
    while t + timedelta(minutes=minutes) <= stop:
        out.append(t)
        t += timedelta(minutes=minutes)
    return out


def slots_create(
    *, point: ServicePoint, business_type: BusinessType, day: date, start: str = "09:00",
    end: str = "11:30", minutes: int = 30, capacity: int = 2,
) -> int:
    """Appointment slots for one day; existing slots at the same start are kept."""
    starts = _slot_starts(day, datetime.strptime(start, "%H:%M").time(),
                          datetime.strptime(end, "%H:%M").time(), minutes)
    have = set(AppointmentSlot.objects.filter(point=point, business_type=business_type,
                                              starts_at__in=starts).values_list("starts_at", flat=True))
    new = [AppointmentSlot(point=point, business_type=business_type, starts_at=t,
                           ends_at=t + timedelta(minutes=minutes), capacity=capacity)
           for t in starts if t not in have]
    AppointmentSlot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def slots_create_range(
    *, point: ServicePoint, business_type: BusinessType, date_from: date, date_to: date, start: time,
    end: time, minutes: int = 30, capacity: int = 2, actor=None,
) -> int:
    """Appointment slots of ``minutes`` from ``start`` to ``end`` on each day of
    the range the point is open: closure days and weekdays without hours are
    skipped, and so are slots outside the day's opening periods, slots that have
    begun and slots that already exist. Returns the number created."""
    errors = _Errors()
    if not business_type.is_active or not point.business_types.filter(pk=business_type.pk).exists():
        errors.add("business_type", _("%(point)s does not handle “%(business)s”. Choose another business.")
                   % {"point": point.name, "business": business_type.name})
    _check_range(errors, date_from, date_to)
    if not isinstance(minutes, int) or not 5 <= minutes <= 240:
        errors.add("minutes", _("Enter a slot length from 5 to 240 minutes."))
    elif not start < end or (datetime.combine(date_from, end) - datetime.combine(date_from, start)) < timedelta(minutes=minutes):
        errors.add("end", _("The last slot must end after the first one starts, at least one slot length later."))
    if not isinstance(capacity, int) or not 1 <= capacity <= 100:
        errors.add("capacity", _("Enter how many people one slot takes, from 1 to 100."))
    errors.raise_if_any()
    hours = list(point.opening_hours.all())
    closed = set(Closure.objects.filter(point=point, date__range=(date_from, date_to)).values_list("date", flat=True))
    now = timezone.now()
    candidates = []
    day = date_from
    while day <= date_to:
        periods = [(h.opens, h.closes) for h in hours if h.weekday == day.weekday()]
        if day not in closed and (periods or not hours):
            for t in _slot_starts(day, start, end, minutes):
                local_start = timezone.localtime(t).time()
                local_end = timezone.localtime(t + timedelta(minutes=minutes)).time()
                within = not hours or any(o <= local_start and local_end <= c for o, c in periods)
                if within and t > now:  # today's slots that have begun cannot be booked
                    candidates.append(t)
        day += timedelta(days=1)
    have = set(AppointmentSlot.objects.filter(point=point, business_type=business_type,
                                              starts_at__in=candidates).values_list("starts_at", flat=True))
    new = [AppointmentSlot(point=point, business_type=business_type, starts_at=t,
                           ends_at=t + timedelta(minutes=minutes), capacity=capacity)
           for t in candidates if t not in have]
    if not new:
        raise ValidationFailed(_(
            "No slot was added: on these days the point is closed, the times fall outside its opening hours, "
            "or the slots already exist."))
    with transaction.atomic():
        AppointmentSlot.objects.bulk_create(new, ignore_conflicts=True)
        audit_record(event_type="service_halls.slots_create", actor=actor, target=point, new={
            "business_type": business_type.code, "from": date_from.isoformat(), "to": date_to.isoformat(),
            "start": f"{start:%H:%M}", "end": f"{end:%H:%M}", "minutes": minutes, "capacity": capacity,
            "created": len(new)})
    return len(new)


def slot_delete(*, slot: AppointmentSlot, actor=None) -> None:
    """Remove a slot nobody has booked (a booked one must be cancelled by its citizen)."""
    with transaction.atomic():
        locked = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
        if locked.booked or locked.appointments.exists():  # cancelled bookings stay on record with their slot
            raise Conflict(_("This time has appointments on it and cannot be removed."), code=ErrorCode.STATE_CHANGED)
        audit_record(event_type="service_halls.slot_delete", actor=actor, target=locked.point,
                     old={"slot": locked.pk, "business_type": locked.business_type_id,
                          "starts_at": locked.starts_at.isoformat()})
        locked.delete()
