"""Taking a number (排队取号) and what its citizen does with it: cancel it, rate the service.

Numbers run A001, A002 … per (point, letter, day) from one counter row: the
``UPDATE … SET last = last + 1`` holds the row's lock until its transaction commits, so no
two tickets share a number (SQLite's IMMEDIATE transactions serialise writers). Nothing lives in
memory: a restart leaves the queue as the database has it.
"""

from contextlib import nullcontext
from datetime import date

from django.db import transaction
from django.db.models import F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import phone_validate

from ..models import (
    TRANSITIONS,
    Appointment,
    AppointmentState,
    BusinessType,
    Channel,
    PriorityFlags,
    PriorityReason,
    ServicePoint,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketState,
)
from ..selectors.halls import handles, is_open, open_now
from ..selectors.queue import ticket_is_held_by
from . import display

ELDERLY_AGE = 70


def priority_reason_for(*, person, on: date) -> str:
    """老弱病残孕 from the person's record: age ≥ 70 by birth date, disability,
    serious illness, pregnancy. Empty string when none applies."""
    if person is None:
        return ""
    if person.birth_date:
        b = person.birth_date
        age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
        if age >= ELDERLY_AGE:
            return PriorityReason.ELDERLY
    flags = PriorityFlags.objects.filter(person=person).first()
    if flags:
        if flags.disabled:
            return PriorityReason.DISABLED
        if flags.pregnant_until and flags.pregnant_until >= on:
            return PriorityReason.PREGNANT
        if flags.ill:
            return PriorityReason.ILL
    return ""


def ticket_event(ticket: Ticket, kind: str, *, window=None, actor=None, detail=None) -> TicketEvent:
    """Write one TicketEvent (the ticket's history and the display's log) and tell the
    hall's screens after commit when they show it."""
    event = TicketEvent.objects.create(
        point_id=ticket.point_id, ticket=ticket, kind=kind, at=timezone.now(), window=window,
        actor=actor if getattr(actor, "pk", None) else None, detail=detail or {},
    )
    display.announce(event, number=ticket.number, window_number=window.number if window else None)
    return event


class _Refused(Exception):
    """The hall cannot issue this number (closed, or not handling the business)."""

    def __init__(self, *, closed: bool):
        super().__init__(closed)
        self.closed = closed


def _next_number(*, point_id: int, business_id: int, prefix: str, now) -> int:
    """The next number for (point, letter, day); the counter row stays locked until commit.

    The statement that reads the number also reads whether the point, in service, is open now
    and handles the business (``selectors.halls``): when not, ``_Refused`` rolls the number back.
    """
    counter = TicketCounter.objects.filter(point_id=point_id, prefix=prefix, service_date=timezone.localdate(now))
    if not counter.update(last=F("last") + 1):
        # The day's first number with this letter: create the row (a racing kiosk may too).
        TicketCounter.objects.bulk_create(
            [TicketCounter(point_id=point_id, prefix=prefix, service_date=timezone.localdate(now), last=0)],
            ignore_conflicts=True)
        counter.update(last=F("last") + 1)
    row = (counter.select_related("point").annotate(**open_now(at=now, point=OuterRef("point_id")),
                                                     handles=handles(business_id=business_id, point=OuterRef("point_id")))
           .only("last", "point__is_active").get())
    if not row.point.is_active or not is_open(row):
        raise _Refused(closed=True)
    if not row.handles:
        raise _Refused(closed=False)
    return row.last


def _check_in(appointment: Appointment, now) -> None:
    updated = Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.BOOKED).update(
        state=AppointmentState.CHECKED_IN, updated_at=now)
    if not updated:
        raise Conflict(_("This appointment was already used to take a number."))


def ticket_issue(
    *,
    point: ServicePoint,
    business_type: BusinessType,
    channel: str,
    person=None,
    user=None,
    priority_reason: str | None = None,
    appointment: Appointment | None = None,
    phone: str = "",
) -> Ticket:
    """Issue the next number for ``business_type`` at ``point`` (A001, A002 … per day).

    ``phone`` (optional, a kiosk's walk-in) is kept encrypted with its keyed hash, so the
    ticket shows in 我的 of whoever signs in with that number."""
    now = timezone.now()
    if phone:
        phone = phone_validate(phone)
    today = timezone.localdate(now)
    if channel not in Channel.values:
        raise ValidationFailed.for_field("channel", _("Choose kiosk, phone or appointment."))
    if priority_reason and priority_reason not in PriorityReason.values:
        raise ValidationFailed.for_field(
            "priority_reason", _("Choose one of the listed reasons for priority service.")
        )
    if appointment is not None:
        slot = appointment.slot
        if (
            appointment.state != AppointmentState.BOOKED
            or slot.point_id != point.pk
            or slot.business_type_id != business_type.pk
            or timezone.localdate(slot.starts_at) != today
        ):
            raise ValidationFailed.for_field(
                "appointment",
                _("This appointment is not for this service point, business and day, or it was already used."),
            )
        channel = Channel.APPOINTMENT
        person = person or appointment.person
        user = user or appointment.user
    reason = priority_reason or priority_reason_for(person=person, on=today)
    # The number in a transaction of its own: the counter row is locked only while it is taken
    # (a kiosk rush queues on that row). Should the ticket then fail to save, its number is
    # skipped, never issued twice.
    # The hall's checks (in service, open now, handles the business) are read with the number.
    try:
        with transaction.atomic():
            seq = _next_number(point_id=point.pk, business_id=business_type.pk, prefix=business_type.prefix,
                               now=now)
    except _Refused as refused:
        if refused.closed:
            raise ValidationFailed(
                _("%(point)s is closed now. Please come back during its opening hours.") % {"point": point.name}
            ) from None
        raise ValidationFailed.for_field(
            "business_type",
            _("%(point)s does not handle “%(business)s”. Please choose another business or service point.")
            % {"point": point.name, "business": business_type.name},
        ) from None
    with transaction.atomic() if appointment is not None else nullcontext():
        if appointment is not None:
            _check_in(appointment, now)
        ticket = Ticket.objects.create(
            point=point,
            business_type=business_type,
            service_date=today,
            number=f"{business_type.prefix}{seq:03d}",
            channel=channel,
            is_priority=bool(reason),
            priority_reason=reason or "",
            person=person,
            user=user if getattr(user, "is_authenticated", False) else None,
            appointment=appointment,
            # the slot's start, so the queue calls a due appointment without a join
            due_at=appointment.slot.starts_at if appointment is not None else None,
            issued_at=now,
            phone=phone,
            phone_hash=keyed_hash(phone) if phone else "",
        )
    # The ticket row is its own record of issue (issued_at, channel): events start at the call.
    return ticket


def ticket_cancel(*, ticket: Ticket, user) -> Ticket:
    """The citizen who took a number gives it up while still waiting."""
    if not ticket_is_held_by(ticket=ticket, user=user):
        raise NotAllowed(_("Only the person who took this number can cancel it."))
    cancel = TRANSITIONS["cancel"]
    with transaction.atomic():
        if not Ticket.objects.filter(pk=ticket.pk, state__in=cancel.sources).update(state=cancel.target):
            raise Conflict(_("This number has already been called and can no longer be cancelled."),
                           code=ErrorCode.STATE_CHANGED)
        ticket.state = cancel.target
        ticket_event(ticket, cancel.event, actor=user)
    return ticket


def ticket_rate(*, ticket: Ticket, user, level: int, comment: str = ""):
    """The citizen who took the number rates the finished service (好差评, core ratings)."""
    from minsheng.ratings.services import rating_submit

    if not ticket_is_held_by(ticket=ticket, user=user):
        raise NotAllowed(_("Only the person who took this number can rate the service."))
    if ticket.state != TicketState.DONE:
        raise ValidationFailed(_("You can rate the service once it is finished. Please come back then."))
    point = ticket.point
    return rating_submit(
        rater=user, target=ticket, level=level, comment=comment,
        organisation=point.organisation, service_key=f"service_halls.{ticket.business_type.code}",
        region=point.region,
    )
