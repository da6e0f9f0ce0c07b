"""Setting up a hall (the hall manager's work): service points, zones and windows.

Every change is validated before anything is written (one ValidationFailed naming
each bad field), runs in one transaction and writes one audit row in it. Adding, moving,
closing or reopening a point recomputes the 15-minute circle after commit.

Scope (which points a manager may touch) is checked by the gates in
``selectors.manage`` before these are called; creating a point or moving it to another
region is checked here, against the actor's own assignments.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.access.selectors import active_assignments
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed

from ..models import (
    AT_WINDOW,
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    PointLevel,
    ServicePoint,
    Ticket,
    TicketState,
    Window,
    Zone,
    ZoneKind,
)
from .checks import FieldErrors, text_ok

MANAGER_ROLES = ("hall_manager",)


def _recompute_after_commit(trigger: str, point_id: int) -> None:
    from ..tasks import coverage_recompute

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
    errors: FieldErrors, *, name: str, level: str, region, address: str, priority_every: int,
    exclude_pk: int | None = None,
) -> None:
    if (
        text_ok(errors, "name", name, max_length=200, required=_("Enter the service point's name."))
        and ServicePoint.objects.filter(name=name).exclude(pk=exclude_pk).exists()
    ):
        errors.add("name", _("A service point named “%(name)s” already exists. Choose another name.")
                   % {"name": name})
    if level not in PointLevel.values:
        errors.add("level", _("Choose county service centre, town service station or village service point."))
    if region is None or region.valid_to is not None:
        errors.add("region", _("Choose a region that is in use (its division code)."))
    text_ok(errors, "address", address, max_length=200)
    if not isinstance(priority_every, int) or not 0 <= priority_every <= 20:
        errors.add("priority_every", _(
            "Enter how many normal numbers are called between two priority numbers, from 0 to 20 "
            "(0 calls priority numbers first)."))


def _check_location(errors: FieldErrors, latitude, longitude) -> None:
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
    errors = FieldErrors()
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
    errors = FieldErrors()
    _check_point_fields(errors, name=name, level=level, region=region, address=address,
                        priority_every=priority_every, exclude_pk=point.pk)
    old_ids = set(point.business_types.values_list("pk", flat=True))
    new_ids = {b.pk for b in business_types}
    dropped = old_ids - new_ids
    now = timezone.now()
    if dropped:
        in_hall = Ticket.objects.filter(
            point=point, service_date=timezone.localdate(now), business_type_id__in=dropped,
            state__in=[TicketState.WAITING, *AT_WINDOW],
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
    errors = FieldErrors()
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
def _check_zone(errors: FieldErrors, *, point: ServicePoint, kind: str, name: str, exclude_pk=None) -> None:
    if kind not in ZoneKind.values:
        errors.add("kind", _("Choose one of the listed kinds of zone."))
    if (
        text_ok(errors, "name", name, max_length=100, required=_("Enter the zone's name."))
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
    errors = FieldErrors()
    _check_zone(errors, point=point, kind=kind, name=name)
    errors.raise_if_any()
    with transaction.atomic():
        zone = _zone_saved(lambda: Zone.objects.create(point=point, kind=kind, name=name), name)
        audit_record(event_type="service_halls.zone_create", actor=actor, target=zone,
                     new={"point": point.pk, "kind": kind, "name": name})
    return zone


def zone_update(*, zone: Zone, kind: str, name: str, actor=None) -> Zone:
    name = (name or "").strip()
    errors = FieldErrors()
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
    errors: FieldErrors, *, point: ServicePoint, number, zone: Zone | None, business_types: list, exclude_pk=None,
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
    errors = FieldErrors()
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
    errors = FieldErrors()
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
