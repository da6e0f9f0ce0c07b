"""Statistics of the halls: waiting and service minutes, appointment no-shows."""

import statistics
from collections import defaultdict
from datetime import date

from django.utils import timezone

from minsheng.access.selectors import scope_q
from minsheng.core.natural import natural_key

from ..apps import STATS
from ..models import Appointment, AppointmentState, ServicePoint, Ticket


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
        "wait_by": {k: {str(g): _summary(v) for g, v in sorted(d.items(), key=lambda kv: natural_key(kv[0]))} for k, d in waits.items()},
        "service_by": {k: {str(g): _summary(v) for g, v in sorted(d.items(), key=lambda kv: natural_key(kv[0]))} for k, d in service.items()},
        "appointments": appointments.count(),
        "appointment_no_shows": no_show,
        "appointment_no_show_rate": round(no_show / total_closed, 3) if total_closed else None,
    }


def points_for_stats(*, user):
    return ServicePoint.objects.filter(
        scope_q(user=user, roles=STATS, region_field="region", organisation_field=None)
    )


def median_wait_minutes(*, day: date) -> float | None:
    rows = Ticket.objects.filter(service_date=day, first_called_at__isnull=False).values_list(
        "issued_at", "first_called_at"
    )
    waits = [_minutes(a, b) for a, b in rows]
    return round(statistics.median(waits), 1) if waits else None
