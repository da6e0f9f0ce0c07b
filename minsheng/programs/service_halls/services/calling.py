"""At the window: call the next number, call it again, mark a no-show, start, finish,
transfer. Each is one function here; each applies a transition declared in
``models.queue.TRANSITIONS`` as a conditional update, writes its TicketEvent and one
audit row in the same transaction.

Concurrency (PostgreSQL, READ COMMITTED): call-next locks the window's row first, so a double tap waits and then sees the number the first tap called (each later
statement takes a fresh snapshot); it picks with ``FOR UPDATE SKIP LOCKED``, so two windows
never take the same ticket. An action locks the ticket's row before it checks the state. On
SQLite the IMMEDIATE transaction serialises writers.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.selectors import user_has_role
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed

from ..apps import CLERKS
from ..models import (
    AT_WINDOW,
    TRANSITIONS,
    BusinessType,
    Ticket,
    TicketEvent,
    TicketState,
    Transition,
    Window,
)
from .tickets import ticket_event
from .windows import windows_in_scope

APPOINTMENT_EARLY = timedelta(minutes=10)  # an appointment is called from 10 min before its slot


# --- the priority policy (老弱病残孕), declared once -----------------------------------
@dataclass(frozen=True)
class CallPolicy:
    """Which waiting ticket a window calls next.

    Appointments due at their slot (from ``APPOINTMENT_EARLY`` before it) come first, by
    slot time; then one priority ticket after every ``every`` normal calls at the window
    (0: priority tickets always first; a window that has called no priority ticket today
    wants one), the other kind when none of the wanted kind waits; first issued, first
    called within each. Each call's event records ``normals`` (normal calls at the window
    since its last priority call today, None before the day's first priority call): the
    next call reads it from the window's last call of the day (``window_history``)."""

    every: int
    normals: int | None

    @staticmethod
    def window_history(*, now: datetime) -> dict:
        """An annotation of a Window queryset that ``from_window`` reads."""
        day_start = datetime.combine(timezone.localdate(now), time.min, tzinfo=timezone.get_current_timezone())
        calls = TicketEvent.objects.filter(window_id=OuterRef("pk"), kind=TRANSITIONS["call"].event,
                                           at__gte=day_start)
        recorded = Cast(KeyTextTransform("normals", "detail"), IntegerField())
        last = calls.order_by("-at", "-id")  # index ticketevent_window_calls_at: one entry read
        return {"normals_since_priority": Subquery(last.annotate(n=recorded).values("n")[:1])}

    @classmethod
    def from_window(cls, window: Window) -> "CallPolicy":
        return cls(every=window.point.priority_every, normals=window.normals_since_priority)

    @property
    def wants_priority(self) -> bool:
        return self.every == 0 or self.normals is None or self.normals >= self.every

    def pick(self, queue: QuerySet[Ticket], *, now: datetime) -> Coalesce:
        """The id of the ticket to call of ``queue`` (a window's waiting tickets), in the order
        above, as one expression: a ``LIMIT 1`` per tier in the order of the tier's index
        (``ticket_queue_due``, ``ticket_queue``), each locking its ticket with
        ``FOR UPDATE SKIP LOCKED``; COALESCE runs a tier only when the ones before it found
        nothing. The queue's length does not matter: no tier reads past its first free ticket."""

        def first(tier: QuerySet[Ticket], *order: str) -> Subquery:
            return Subquery(tier.select_for_update(skip_locked=True).order_by(*order).values("pk")[:1])

        return Coalesce(
            first(queue.filter(due_at__lte=now + APPOINTMENT_EARLY), "due_at", "issued_at", "id"),
            first(queue.filter(is_priority=self.wants_priority), "issued_at", "id"),
            first(queue.filter(is_priority=not self.wants_priority), "issued_at", "id"),
        )

    def after(self, ticket: Ticket) -> dict:
        """What the call of ``ticket`` records for the window's next call."""
        if ticket.is_priority:
            return {"normals": 0}
        return {"normals": None if self.normals is None else self.normals + 1}


def _still_at_window(number: str) -> Conflict:
    return Conflict(
        _("Number %(number)s is still at this window. Finish it, mark it as a no-show or transfer it before calling the next one.")
        % {"number": number},
        code=ErrorCode.STATE_CHANGED,
    )


def _not_your_window(number) -> NotAllowed:
    return NotAllowed(
        _("You are not signed on to window %(n)s. Sign on to your own window before calling numbers.")
        % {"n": number}
    )


def _refuse_window(*, window_id: int, clerk, window: Window | None):
    """Why ``clerk`` cannot act at this window: not found (or outside their assignment,
    404 — 403 for someone who is no clerk at all) or not the window they are signed on to."""
    if window is None or not windows_in_scope(user=clerk).filter(pk=window_id).exists():
        if not clerk.is_superuser and not user_has_role(user=clerk, roles=CLERKS):
            return NotAllowed()
        return NotFound(_("This window does not exist or is outside your assignment."))
    return _not_your_window(window.number)


def _audit(transition: Transition, clerk, ticket: Ticket, old_state: str, **extra) -> None:
    audit_record(event_type=transition.audit_type, actor=clerk, target=ticket,
                 old={"state": old_state}, new={"state": ticket.state, **extra})


def _apply(transition: Transition, ticket: Ticket, *, now: datetime, **changes) -> None:
    """Move the locked ``ticket`` along ``transition`` with a conditional update; its row
    count says whether the ticket was still in a state the transition applies from."""
    fields = {"state": transition.target, **changes}
    if transition.stamp:
        fields[transition.stamp] = now
    if transition.counter:
        fields[transition.counter] = F(transition.counter) + 1
    if not Ticket.objects.filter(pk=ticket.pk, state__in=transition.sources).update(**fields):
        raise _state_changed(ticket)
    for name, value in fields.items():
        setattr(ticket, name, getattr(ticket, name) + 1 if name == transition.counter else value)


def _state_changed(ticket: Ticket) -> Conflict:
    return Conflict(
        _("Number %(number)s is now “%(state)s”; reload the page to see where it stands.")
        % {"number": ticket.number, "state": TicketState(ticket.state).label},
        code=ErrorCode.STATE_CHANGED,
    )


# --- call next ------------------------------------------------------------------------
def _refuse_call(*, window_id: int, clerk, today: date):
    """Why nothing was called: not the clerk's window, or a number still at it."""
    window = Window.objects.filter(pk=window_id).first()
    if window is None or window.clerk_id != clerk.pk:
        return _refuse_window(window_id=window_id, clerk=clerk, window=window)
    busy = (Ticket.objects.filter(window_id=window_id, service_date=today, state__in=AT_WINDOW)
            .values_list("number", flat=True).first())
    return _still_at_window(busy) if busy is not None else None


def window_call_next(*, window_id: int, clerk) -> Ticket | None:
    """Call the next ticket at the clerk's window (``CallPolicy``), or None when nobody
    waits for its businesses. Refused while a number is still at the window.

    The window's row is locked first (``SELECT … FOR UPDATE``, on condition that the clerk
    is signed on to it): a second tap on the same window waits there, then finds the first
    tap's number at the window and calls nothing. The pick that follows locks the ticket
    with ``FOR UPDATE SKIP LOCKED``, so racing windows take different tickets."""
    now = timezone.now()
    today = timezone.localdate(now)
    call = TRANSITIONS["call"]
    with transaction.atomic():
        # The window's history is read here, before a concurrent tap's call could commit; that
        # tap's number at the window then stops this one from calling (``at_window``).
        window = (Window.objects.select_for_update(of=("self",)).select_related("point")
                  .annotate(**CallPolicy.window_history(now=now))
                  .filter(pk=window_id, clerk_id=clerk.pk).first())
        if window is None:
            raise _refuse_call(window_id=window_id, clerk=clerk, today=today) or _not_your_window("")
        policy = CallPolicy.from_window(window)
        served = Window.business_types.through.objects.filter(window_id=window_id).values("businesstype_id")
        at_window = Ticket.objects.filter(window_id=window_id, service_date=today, state__in=AT_WINDOW)
        queue = (Ticket.objects.filter(point_id=window.point_id, service_date=today, state__in=call.sources)
                 .filter(Q(target_window_id=window_id) | Q(target_window__isnull=True, business_type_id__in=served)))
        ticket = (Ticket.objects.select_related("business_type")
                  .filter(~Exists(at_window), pk=policy.pick(queue, now=now)).first())
        if ticket is None:
            refusal = _refuse_call(window_id=window_id, clerk=clerk, today=today)
            if refusal is not None:
                raise refusal
            return None
        ticket.point = window.point
        _apply(call, ticket, now=now, window=window, target_window=None,
               first_called_at=ticket.first_called_at or now)
        ticket_event(ticket, call.event, window=window, actor=clerk, detail=policy.after(ticket))
        _audit(call, clerk, ticket, call.sources[0], window=window.number)
    return ticket


# --- the number at the window -----------------------------------------------------------
def _locked_at_window(*, window_id: int, ticket_id: int, clerk) -> Ticket:
    """The ticket, locked, when it is at the clerk's own window."""
    ticket = (Ticket.objects.select_for_update(of=("self",)).select_related("window", "point", "business_type")
              .filter(pk=ticket_id).first())
    if ticket is None:
        raise NotFound(_("This number does not exist at this service point."))
    if ticket.window is None:
        raise NotAllowed(_("This number has not been called to a window yet."))
    if ticket.window.clerk_id != clerk.pk:
        raise _not_your_window(ticket.window.number)
    if ticket.window_id != window_id:
        raise NotFound(_("This number is not at this window."))
    return ticket


def _act(action: str, *, window_id: int, ticket_id: int, clerk) -> Ticket:
    transition = TRANSITIONS[action]
    with transaction.atomic():
        ticket = _locked_at_window(window_id=window_id, ticket_id=ticket_id, clerk=clerk)
        old = ticket.state
        if old not in transition.sources:
            raise _state_changed(ticket)
        _apply(transition, ticket, now=timezone.now())
        ticket_event(ticket, transition.event, window=ticket.window, actor=clerk)
        extra = {"recalls": ticket.recall_count} if transition.counter == "recall_count" else {}
        _audit(transition, clerk, ticket, old, **extra)
    return ticket


def ticket_recall(*, window_id: int, ticket_id: int, clerk) -> Ticket:
    """Call the number at the window again (the display announces it once more)."""
    return _act("recall", window_id=window_id, ticket_id=ticket_id, clerk=clerk)


def ticket_skip(*, window_id: int, ticket_id: int, clerk) -> Ticket:
    """The citizen did not come: mark a no-show (过号)."""
    return _act("skip", window_id=window_id, ticket_id=ticket_id, clerk=clerk)


def ticket_start(*, window_id: int, ticket_id: int, clerk) -> Ticket:
    """The citizen is at the window: service starts."""
    return _act("start", window_id=window_id, ticket_id=ticket_id, clerk=clerk)


def ticket_finish(*, window_id: int, ticket_id: int, clerk) -> Ticket:
    """Service is done (the citizen may then rate it)."""
    return _act("finish", window_id=window_id, ticket_id=ticket_id, clerk=clerk)


def ticket_transfer(
    *, window_id: int, ticket_id: int, clerk, business_type: BusinessType | None = None,
    to_window: Window | None = None,
) -> Ticket:
    """Put the number back in the queue for another business and/or a named window.
    It keeps its number and its place by issue time."""
    if business_type is None and to_window is None:
        raise ValidationFailed.for_field(
            "business_type", _("Choose the business or the window to transfer this number to.")
        )
    transfer = TRANSITIONS["transfer"]
    with transaction.atomic():
        ticket = _locked_at_window(window_id=window_id, ticket_id=ticket_id, clerk=clerk)
        if ticket.state not in transfer.sources:
            raise _state_changed(ticket)
        point = ticket.point
        if business_type is not None and not point.business_types.filter(pk=business_type.pk).exists():
            raise ValidationFailed.for_field(
                "business_type",
                _("%(point)s does not handle “%(business)s”. Choose another business.")
                % {"point": point.name, "business": business_type.name},
            )
        if to_window is not None:
            if to_window.point_id != ticket.point_id:
                raise ValidationFailed.for_field("window", _("Choose a window of this service point."))
            if to_window.pk == ticket.window_id:
                raise ValidationFailed.for_field(
                    "window", _("The number is already at this window; choose another one.")
                )
        from_window, old = ticket.window, ticket.state
        _apply(transfer, ticket, now=timezone.now(), business_type=business_type or ticket.business_type,
               target_window=to_window, window=None)
        detail = {
            "from_window": from_window.number,
            "business_type": ticket.business_type.code,
            "to_window": to_window.number if to_window else None,
        }
        ticket_event(ticket, transfer.event, window=from_window, actor=clerk, detail=detail)
        _audit(transfer, clerk, ticket, old, **detail)
    return ticket


# The window's actions by the name the clerk's screen and the API use (WINDOW_ACTIONS).
WINDOW_ACTS = {"recall": ticket_recall, "skip": ticket_skip, "start": ticket_start, "finish": ticket_finish}
