"""Reads for service halls: points, queue position and wait, displays, statistics, coverage."""

import statistics
from collections import defaultdict
from datetime import date

from django.db.models import Case, Count, IntegerField, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import active_assignments, scope_q
from minsheng.core.errors import NotFound

from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    Closure,
    CoverageRun,
    ServicePoint,
    Ticket,
    TicketState,
    Window,
    Zone,
)

CLERK_ROLES = ("window_clerk", "hall_manager")
STATS_ROLES = ("hall_manager", "supervisor")
MANAGER_ROLES = ("hall_manager",)
BUSINESS_ROLES = ("hall_manager", "supervisor")  # business types are city-wide


def point_get(*, point_id: int) -> ServicePoint:
    point = ServicePoint.objects.filter(pk=point_id, is_active=True).select_related("region").first()
    if point is None:
        raise NotFound(_("This service point does not exist or is no longer in service."))
    return point


def hall_get(*, point_id: int):
    """The point with its businesses, hours and closures, from the per-process
    lookup cache (lookups.py) — for the kiosk, the issuing hot path."""
    from .lookups import point_lookup

    hall = point_lookup(point_id=point_id)
    if hall is None:
        raise NotFound(_("This service point does not exist or is no longer in service."))
    return hall


def points_list(*, q: str = "", region_prefix: str = ""):
    qs = ServicePoint.objects.filter(is_active=True).select_related("region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(region__name__icontains=q))
    if region_prefix:
        qs = qs.filter(region__prefix__startswith=region_prefix)
    return qs.order_by("region_id", "name")


def ticket_by_token(*, token: str) -> Ticket:
    ticket = (
        Ticket.objects.filter(token=token)
        .select_related("point", "business_type", "window")
        .first()
    )
    if ticket is None:
        raise NotFound(_("This queue number does not exist. Check the link on your ticket."))
    return ticket


def windows_for(*, user):
    """Windows of the service points within the user's clerk/manager assignments."""
    return Window.objects.filter(
        scope_q(user=user, roles=CLERK_ROLES, region_field="point__region",
                organisation_field="point__organisation")
    ).select_related("point", "clerk")


@scoped_gate(model="service_halls.window", id_arg="window_id")
def window_get_for(*, user, window_id: int) -> Window:
    window = windows_for(user=user).filter(pk=window_id).first()
    if window is None:
        raise NotFound(_("This window does not exist or is outside your assignment."))
    return window


def ticket_at_window(*, window: Window) -> Ticket | None:
    return (
        Ticket.objects.filter(
            window=window, service_date=timezone.localdate(),
            state__in=[TicketState.CALLED, TicketState.SERVING],
        )
        .select_related("business_type")
        .first()
    )


def ticket_get_for_window(*, window: Window, ticket_id: int) -> Ticket:
    ticket = Ticket.objects.filter(pk=ticket_id, point_id=window.point_id).first()
    if ticket is None:
        raise NotFound(_("This number does not exist at this service point."))
    return ticket


def queue_status(*, ticket: Ticket) -> dict:
    """Position (people ahead for the same business), estimated wait in minutes,
    and whether it is the ticket's turn. Estimate: people ahead × the business's
    typical minutes ÷ open windows serving it."""
    status = {
        "number": ticket.number,
        "state": ticket.state,
        "state_label": str(TicketState(ticket.state).label),
        "business": ticket.business_type.name,
        "point": ticket.point.name,
        "window": ticket.window.number if ticket.window_id else None,
        "your_turn": ticket.state == TicketState.CALLED,
        "ahead": 0,
        "wait_minutes": 0,
        "is_priority": ticket.is_priority,
    }
    if ticket.state != TicketState.WAITING:
        return status
    waiting = Ticket.objects.filter(
        point_id=ticket.point_id, service_date=ticket.service_date, state=TicketState.WAITING,
        business_type_id=ticket.business_type_id,
    )
    if ticket.is_priority:
        ahead = waiting.filter(is_priority=True, issued_at__lt=ticket.issued_at).count()
    else:
        ahead = waiting.filter(Q(is_priority=True) | Q(issued_at__lt=ticket.issued_at)).count()
    windows = Window.objects.filter(
        point_id=ticket.point_id, is_open=True, business_types=ticket.business_type_id
    ).count()
    per = ticket.business_type.typical_minutes
    status["ahead"] = ahead
    status["wait_minutes"] = round(ahead * per / max(1, windows)) if windows else None
    return status


def waiting_counts(*, point: ServicePoint) -> dict[int, int]:
    rows = (
        Ticket.objects.filter(point=point, service_date=timezone.localdate(), state=TicketState.WAITING)
        .values("business_type_id")
        .annotate(n=Count("id"))
    )
    return {r["business_type_id"]: r["n"] for r in rows}


def display_snapshot(*, point: ServicePoint, recent: int = 8) -> dict:
    """What the hall's TV shows: current calls per window and the last calls."""
    today = timezone.localdate()
    current = (
        Ticket.objects.filter(point=point, service_date=today,
                              state__in=[TicketState.CALLED, TicketState.SERVING])
        .select_related("window")
        .order_by("-called_at")
    )
    recent_rows = (
        Ticket.objects.filter(point=point, service_date=today, called_at__isnull=False)
        .select_related("window")
        .order_by("-called_at")[:recent]
    )
    from .realtime import last_event_id

    return {
        "point": point.name,
        "last_event_id": last_event_id(point_id=point.pk),
        "current": [
            {"number": t.number, "window": t.window.number if t.window else None, "state": t.state}
            for t in current
        ],
        "recent": [
            {"number": t.number, "window": t.window.number if t.window else None, "state": t.state}
            for t in recent_rows
        ],
        "waiting": Ticket.objects.filter(point=point, service_date=today, state=TicketState.WAITING).count(),
    }


# --- statistics -------------------------------------------------------------------
def _minutes(a, b) -> float:
    return (b - a).total_seconds() / 60


def _summary(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "mean": None, "median": None, "p90": None}
    values = sorted(values)
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 1),
        "median": round(statistics.median(values), 1),
        "p90": round(values[min(len(values) - 1, int(0.9 * len(values)))], 1),
    }


def hall_stats(*, points, date_from: date, date_to: date) -> dict:
    """Waiting (issue → first call) and service (start → finish) minutes per
    business, window and hour; tickets by state; appointment no-show rate."""
    tickets = (
        Ticket.objects.filter(point__in=points, service_date__range=(date_from, date_to))
        .select_related("business_type", "window")
        .only("state", "issued_at", "first_called_at", "started_at", "finished_at",
              "business_type__name", "business_type__prefix", "window__number", "window__point_id",
              "point_id", "is_priority")
    )
    waits: dict[str, dict] = {"business": defaultdict(list), "window": defaultdict(list), "hour": defaultdict(list)}
    service: dict[str, dict] = {"business": defaultdict(list), "window": defaultdict(list), "hour": defaultdict(list)}
    states: dict[str, int] = defaultdict(int)
    all_waits = []
    for t in tickets.iterator(chunk_size=5000):
        states[t.state] += 1
        business = f"{t.business_type.prefix} {t.business_type.name}"
        hour = timezone.localtime(t.issued_at).hour
        window = f"{t.point_id}-{t.window.number}" if t.window_id else None
        if t.first_called_at:
            w = _minutes(t.issued_at, t.first_called_at)
            all_waits.append(w)
            waits["business"][business].append(w)
            waits["hour"][hour].append(w)
            if window:
                waits["window"][window].append(w)
        if t.started_at and t.finished_at:
            s = _minutes(t.started_at, t.finished_at)
            service["business"][business].append(s)
            service["hour"][hour].append(s)
            if window:
                service["window"][window].append(s)
    appointments = Appointment.objects.filter(
        slot__point__in=points, slot__starts_at__date__range=(date_from, date_to)
    ).exclude(state=AppointmentState.CANCELLED)
    counted = appointments.filter(state__in=[AppointmentState.CHECKED_IN, AppointmentState.NO_SHOW])
    no_show = counted.filter(state=AppointmentState.NO_SHOW).count()
    total_closed = counted.count()
    return {
        "tickets": sum(states.values()),
        "states": dict(states),
        "wait": _summary(all_waits),
        "wait_by": {k: {str(g): _summary(v) for g, v in sorted(d.items())} for k, d in waits.items()},
        "service_by": {k: {str(g): _summary(v) for g, v in sorted(d.items())} for k, d in service.items()},
        "appointments": appointments.count(),
        "appointment_no_shows": no_show,
        "appointment_no_show_rate": round(no_show / total_closed, 3) if total_closed else None,
    }


def points_for_stats(*, user):
    return ServicePoint.objects.filter(
        scope_q(user=user, roles=STATS_ROLES, region_field="region", organisation_field=None)
    )


def median_wait_minutes(*, day: date) -> float | None:
    rows = Ticket.objects.filter(service_date=day, first_called_at__isnull=False).values_list(
        "issued_at", "first_called_at"
    )
    waits = [_minutes(a, b) for a, b in rows]
    return round(statistics.median(waits), 1) if waits else None


# --- coverage -------------------------------------------------------------------
def coverage_current() -> CoverageRun | None:
    return CoverageRun.objects.filter(finished_at__isnull=False).order_by("-id").first()


def coverage_rows(*, run: CoverageRun):
    return run.rows.select_related("community", "nearest_point").order_by("community_id")


# --- the hall manager's gates -------------------------------------------------------
def _managed_q(*, user, via: str = "") -> Q:
    """Records of the points within the user's hall-manager assignments: the
    assignment's organisation (or a child of it) and region subtree."""
    return scope_q(user=user, roles=MANAGER_ROLES, region_field=f"{via}region",
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
    for a in active_assignments(user=user, roles=MANAGER_ROLES).order_by("organisation__name"):
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
            state__in=[TicketState.CALLED, TicketState.SERVING],
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
