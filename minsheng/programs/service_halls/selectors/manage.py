"""The hall manager's reads: the gates to the records of the points they manage (the
hall-manager assignment's organisation, or a child of it, and region subtree, through
``scope_q``), and the lists of their pages."""

from datetime import date

from django.db.models import Case, Count, IntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.selectors import active_assignments, scope_q
from minsheng.core.errors import NotFound

from ..apps import MANAGERS
from ..models import (
    AT_WINDOW,
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    Closure,
    ServicePoint,
    Ticket,
    TicketState,
    Window,
    Zone,
)


def _managed_q(*, user, via: str = "") -> Q:
    """Records of the points within the user's hall-manager assignments: the
    assignment's organisation (or a child of it) and region subtree."""
    return scope_q(user=user, roles=MANAGERS, region_field=f"{via}region",
                   organisation_field=f"{via}organisation")


def points_managed(*, user):
    """Every point the user manages, in service or closed."""
    return ServicePoint.objects.filter(_managed_q(user=user)).select_related("region", "organisation")


def point_get_managed(*, user, point_id: int) -> ServicePoint:
    point = points_managed(user=user).filter(pk=point_id).first()
    if point is None:
        raise NotFound(_("This service point does not exist or is outside your assignment."))
    return point


def zone_get_managed(*, user, zone_id: int) -> Zone:
    zone = Zone.objects.filter(_managed_q(user=user, via="point__"), pk=zone_id).select_related("point").first()
    if zone is None:
        raise NotFound(_("This zone does not exist or is outside your assignment."))
    return zone


def window_get_managed(*, user, window_id: int) -> Window:
    window = (
        Window.objects.filter(_managed_q(user=user, via="point__"), pk=window_id)
        .select_related("point", "zone", "clerk").first()
    )
    if window is None:
        raise NotFound(_("This window does not exist or is outside your assignment."))
    return window


def closure_get_managed(*, user, closure_id: int) -> Closure:
    closure = Closure.objects.filter(_managed_q(user=user, via="point__"), pk=closure_id).select_related("point").first()
    if closure is None:
        raise NotFound(_("This closure does not exist or is outside your assignment."))
    return closure


def slot_get_managed(*, user, slot_id: int) -> AppointmentSlot:
    slot = AppointmentSlot.objects.filter(_managed_q(user=user, via="point__"), pk=slot_id).select_related("point").first()
    if slot is None:
        raise NotFound(_("This appointment time does not exist or is outside your assignment."))
    return slot


def manager_parents(*, user) -> list:
    """The organisations a manager may add points under (those of their hall-manager
    assignments), each once, with the region subtree of the assignment."""
    seen, out = set(), []
    for a in active_assignments(user=user, roles=MANAGERS).order_by("organisation__name"):
        if (a.organisation_id, a.region_id) not in seen:
            seen.add((a.organisation_id, a.region_id))
            out.append(a)
    return out


def business_types_all():
    return BusinessType.objects.order_by("order", "prefix")


def business_type_get(*, business_type_id: int) -> BusinessType:
    biz = BusinessType.objects.filter(pk=business_type_id).first()
    if biz is None:
        raise NotFound(_("This business type does not exist."))
    return biz


def windows_on_duty(*, point: ServicePoint) -> list[Window]:
    """The point's windows with their zone, businesses, the clerk signed on and the
    number at the window now (``current``), in three reads."""
    windows = list(
        Window.objects.filter(point=point).select_related("zone", "clerk")
        .prefetch_related("business_types").order_by("number")
    )
    current = {
        t.window_id: t
        for t in Ticket.objects.filter(
            point=point, service_date=timezone.localdate(), window__isnull=False,
            state__in=AT_WINDOW,
        ).select_related("business_type")
    }
    for w in windows:
        w.current = current.get(w.pk)
    return windows


def in_hall_counts(*, point: ServicePoint) -> dict[str, int]:
    """Today's numbers still waiting, and being called or served."""
    rows = (
        Ticket.objects.filter(point=point, service_date=timezone.localdate(),
                              state__in=[TicketState.WAITING, TicketState.CALLED, TicketState.SERVING])
        .values("state").annotate(n=Count("id"))
    )
    by = {r["state"]: r["n"] for r in rows}
    return {"waiting": by.get(TicketState.WAITING, 0),
            "at_windows": by.get(TicketState.CALLED, 0) + by.get(TicketState.SERVING, 0)}


def slots_for_day(*, point: ServicePoint, day: date):
    """The day's slots, each with ``appointment_rows`` (cancelled ones included:
    a slot with any cannot be removed)."""
    return (
        AppointmentSlot.objects.filter(point=point, starts_at__date=day)
        .select_related("business_type").annotate(appointment_rows=Count("appointments"))
        .order_by("starts_at", "business_type__order")
    )


def appointments_for_day(*, point: ServicePoint, day: date):
    """The day's appointments at the point with who booked, the state, and the
    number taken on check-in (cancelled ones last)."""
    return (
        Appointment.objects.filter(slot__point=point, slot__starts_at__date=day)
        .select_related("slot__business_type", "person", "user", "ticket")
        .order_by("slot__starts_at",
                  Case(When(state=AppointmentState.CANCELLED, then=1), default=0, output_field=IntegerField()),
                  "pk")
    )


def booked_on(*, point: ServicePoint, days) -> int:
    """Appointments still booked at the point on any of ``days``."""
    return Appointment.objects.filter(
        slot__point=point, slot__starts_at__date__in=list(days), state=AppointmentState.BOOKED
    ).count()


def regions_for_manager(*, user, limit: int = 800):
    """Regions in use within the user's hall-manager assignments (a datalist to
    pick a point's region from), counties and towns first."""
    from minsheng.regions.models import Region

    prefixes = {a.region.prefix for a in manager_parents(user=user)}
    if user.is_superuser and not prefixes:
        q = Q(level__in=["county", "town"])
    else:
        q = Q(pk__in=[])
        for p in prefixes:
            q |= Q(prefix__startswith=p)
    return Region.objects.filter(q, valid_to__isnull=True).order_by("code")[:limit]
