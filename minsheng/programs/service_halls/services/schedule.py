"""A hall's calendar: weekly opening hours, closed days and appointment slots."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, ValidationFailed

from ..models import AppointmentSlot, BusinessType, Closure, OpeningHours, ServicePoint
from .checks import FieldErrors, text_ok

MAX_RANGE_DAYS = 62  # slots and closures are set at most about two months at a time
MAX_PERIODS_PER_DAY = 4
MAX_AHEAD_DAYS = 366  # closed days and slots are planned at most a year ahead


# --- opening hours and closures ------------------------------------------------------
def _period_label(weekday: int, opens: time, closes: time) -> str:
    return f"{weekday} {opens:%H:%M}-{closes:%H:%M}"


def hours_set(*, point: ServicePoint, periods: Iterable[tuple[int, time, time]], actor=None) -> list[OpeningHours]:
    """Replace the point's weekly opening hours with ``periods`` — (weekday 0 =
    Monday, opens, closes). A weekday without a period is closed; a point with
    no period at all is open whenever it is in service."""
    periods = sorted(periods)
    errors = FieldErrors()
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
    return rows


def _check_range(errors: FieldErrors, date_from: date, date_to: date, *, field: str = "date_from") -> None:
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
    errors = FieldErrors()
    _check_range(errors, date_from, date_to)
    text_ok(errors, "reason", reason, max_length=200)
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
    return new


def closure_remove(*, closure: Closure, actor=None) -> None:
    with transaction.atomic():
        audit_record(event_type="service_halls.closure_remove", actor=actor, target=closure.point,
                     old={"date": closure.date.isoformat(), "reason": closure.reason})
        closure.delete()


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
    errors = FieldErrors()
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
