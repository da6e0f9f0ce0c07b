"""Writes for service halls: tickets, windows, appointments, service points.

Concurrency: ticket numbers come from one INSERT … ON CONFLICT DO UPDATE …
RETURNING on the (point, prefix, day) counter row, which holds the row lock
until commit (PostgreSQL) or runs inside SQLite's IMMEDIATE transaction, so
no two tickets share a number. Call-next locks the chosen ticket with
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two windows never call the
same ticket; SQLite serialises writers. Nothing lives in memory: a restart
leaves the queue as the database has it.
"""

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, timedelta

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.selectors import scope_q
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed

from . import lookups, queue_pg, realtime
from .models import (
    Appointment,
    AppointmentSlot,
    AppointmentState,
    BusinessType,
    Channel,
    EventKind,
    PriorityFlags,
    PriorityReason,
    ServicePoint,
    Ticket,
    TicketEvent,
    TicketState,
    Window,
)
from .selectors import points_managed

CLERK_ROLES = ("window_clerk", "hall_manager")
ELDERLY_AGE = 70
APPOINTMENT_EARLY = timedelta(minutes=10)  # an appointment is called from 10 min before its slot


# --- opening hours and priority ---------------------------------------------
def _open_at(hours, closed: bool, local: datetime) -> bool:
    if closed:
        return False
    if not hours:
        return True
    now = local.time()
    return any(h.weekday == local.weekday() and h.opens <= now < h.closes for h in hours)


def point_is_open(*, point: ServicePoint, at: datetime | None = None) -> bool:
    """Open when in service, not closed that day, and within a row of its hours
    (a point with no hours configured is open whenever it is in service)."""
    if not point.is_active:
        return False
    local = timezone.localtime(at or timezone.now())
    closed = point.closures.filter(date=local.date()).exists()
    return _open_at(list(point.opening_hours.all()), closed, local)


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


# --- issuing ------------------------------------------------------------------
_COUNTER_SQL = (
    "INSERT INTO service_halls_ticketcounter (point_id, prefix, service_date, last) "
    "VALUES (%s, %s, %s, 1) "
    "ON CONFLICT (point_id, prefix, service_date) "
    "DO UPDATE SET last = service_halls_ticketcounter.last + 1 RETURNING last"
)


def _next_number(*, point_id: int, prefix: str, day: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_COUNTER_SQL, [point_id, prefix, day])
        return cursor.fetchone()[0]


def _event(ticket: Ticket, kind: str, *, window=None, actor=None, detail=None) -> TicketEvent:
    event = TicketEvent.objects.create(
        point_id=ticket.point_id,
        ticket=ticket,
        kind=kind,
        at=timezone.now(),
        window=window,
        actor=actor if getattr(actor, "pk", None) else None,
        detail=detail or {},
    )
    if kind in realtime.DISPLAY_KINDS:
        payload = realtime.event_payload(
            event, number=ticket.number, window_number=window.number if window else None
        )
        realtime.announce(ticket.point_id, payload)
    return event


def _appointment_check_in(appointment: Appointment, now: datetime) -> None:
    updated = Appointment.objects.filter(
        pk=appointment.pk, state=AppointmentState.BOOKED
    ).update(state=AppointmentState.CHECKED_IN, updated_at=now)
    if not updated:
        raise Conflict(_("This appointment was already used to take a number."))


def _ticket_insert_pg(*, point, business_type, day, now, channel, reason, person, user, appointment) -> Ticket:
    token = Ticket._meta.get_field("token").get_default()
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    due_at = appointment.slot.starts_at if appointment is not None else None
    tid, number = queue_pg.ticket_insert(
        point_id=point.pk, business_type_id=business_type.pk, prefix=business_type.prefix, day=day,
        now=now, channel=channel, is_priority=bool(reason), reason=reason or "",
        person_id=getattr(person, "pk", None), user_id=user_id,
        appointment_id=getattr(appointment, "pk", None), due_at=due_at, token=token,
    )
    ticket = Ticket(
        pk=tid, point=point, business_type=business_type, service_date=day, number=number,
        channel=channel, is_priority=bool(reason), priority_reason=reason or "", person=person,
        user_id=user_id, appointment=appointment, due_at=due_at, issued_at=now, token=token,
    )
    ticket._state.adding, ticket._state.db = False, connection.alias
    return ticket


def ticket_issue(
    *,
    point: ServicePoint,
    business_type: BusinessType,
    channel: str,
    person=None,
    user=None,
    priority_reason: str | None = None,
    appointment: Appointment | None = None,
) -> Ticket:
    """Issue the next number for ``business_type`` at ``point`` (A001, A002 … per day)."""
    now = timezone.now()
    today = timezone.localdate(now)
    if channel not in Channel.values:
        raise ValidationFailed.for_field("channel", _("Choose kiosk, phone or appointment."))
    if priority_reason and priority_reason not in PriorityReason.values:
        raise ValidationFailed.for_field(
            "priority_reason", _("Choose one of the listed reasons for priority service.")
        )
    # The hall's hours, closures and businesses: read once per process for a few
    # seconds (lookups.py); the number itself always comes from the database.
    hall = lookups.point_lookup(point_id=point.pk)
    local = timezone.localtime(now)
    if hall is None or not _open_at(hall.hours, local.date() in hall.closed_on, local):
        raise ValidationFailed(
            _("%(point)s is closed now. Please come back during its opening hours.")
            % {"point": point.name}
        )
    if not business_type.is_active or not hall.handles(business_type.pk):
        raise ValidationFailed.for_field(
            "business_type",
            _("%(point)s does not handle “%(business)s”. Please choose another business or service point.")
            % {"point": point.name, "business": business_type.name},
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
    if queue_pg.available():
        # One statement: the number, the ticket and its event. An appointment's
        # check-in goes in the same transaction.
        with transaction.atomic() if appointment is not None else nullcontext():
            if appointment is not None:
                _appointment_check_in(appointment, now)
            return _ticket_insert_pg(point=point, business_type=business_type, day=today, now=now,
                                     channel=channel, reason=reason, person=person, user=user,
                                     appointment=appointment)
    with transaction.atomic():
        if appointment is not None:
            _appointment_check_in(appointment, now)
        seq = _next_number(point_id=point.pk, prefix=business_type.prefix, day=today)
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
            due_at=appointment.slot.starts_at if appointment is not None else None,
            issued_at=now,
        )
        _event(ticket, EventKind.ISSUED, detail={"channel": channel})
    return ticket


def ticket_cancel(*, ticket: Ticket, user) -> Ticket:
    """The citizen who took a number gives it up while still waiting."""
    if ticket.user_id is None or ticket.user_id != getattr(user, "pk", None):
        raise NotAllowed(_("Only the person who took this number can cancel it."))
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if locked.state != TicketState.WAITING:
            raise Conflict(_("This number has already been called and can no longer be cancelled."), code=ErrorCode.STATE_CHANGED)
        locked.state = TicketState.CANCELLED
        locked.save(update_fields=["state"])
        _event(locked, EventKind.CANCELLED, actor=user)
    return locked


# --- windows ------------------------------------------------------------------
def windows_in_scope(*, user):
    return Window.objects.filter(
        scope_q(user=user, roles=CLERK_ROLES, region_field="point__region", organisation_field="point__organisation")
    )


def window_sign_on(*, window: Window, clerk) -> Window:
    """The clerk takes the window for their shift; only they can then call from it."""
    if not windows_in_scope(user=clerk).filter(pk=window.pk).exists():
        raise NotAllowed(_("This window belongs to a service point outside your assignment."))
    with transaction.atomic():
        locked = Window.objects.select_for_update().get(pk=window.pk)
        if locked.clerk_id and locked.clerk_id != clerk.pk:
            raise Conflict(
                _("Another clerk is signed on to window %(n)s. Ask them to sign off first.")
                % {"n": locked.number}
            )
        old = locked.clerk_id
        locked.clerk = clerk
        locked.is_open = True
        locked.save(update_fields=["clerk", "is_open"])
        audit_record(event_type="service_halls.window_sign_on", actor=clerk, target=locked,
                     old={"clerk": old}, new={"clerk": clerk.pk})
    return locked


def windows_release_out_of_scope(*, user_id: int | None = None) -> int:
    """Sign clerks off windows outside their current assignments.

    Window actions trust the signed-on clerk (signing on checked the assignment),
    so an assignment that is removed, moved or expires must end the shift: on a
    change to the user's assignments (a signal) and every few minutes for
    assignments that lapse by date. Returns the number of windows released."""
    from django.contrib.auth import get_user_model

    signed_on = Window.objects.filter(clerk__isnull=False)
    if user_id is not None:
        signed_on = signed_on.filter(clerk_id=user_id)
    released = 0
    for clerk_id in set(signed_on.values_list("clerk_id", flat=True)):
        clerk = get_user_model().objects.get(pk=clerk_id)
        allowed = set(windows_in_scope(user=clerk).values_list("pk", flat=True)) if clerk.is_active else set()
        with transaction.atomic():
            for window in Window.objects.select_for_update().filter(clerk_id=clerk_id).exclude(pk__in=allowed):
                window.clerk = None
                window.is_open = False
                window.save(update_fields=["clerk", "is_open"])
                audit_record(event_type="service_halls.window_sign_off", actor=None, target=window,
                             old={"clerk": clerk_id}, new={"clerk": None, "reason": "out_of_scope"})
                released += 1
    return released


def window_sign_off(*, window: Window, clerk) -> Window:
    """The clerk ends their shift, or the hall manager signs a clerk off (a number
    still at the window stays there for whoever signs on next)."""
    with transaction.atomic():
        locked = Window.objects.select_for_update().get(pk=window.pk)
        by_manager = locked.clerk_id != clerk.pk
        if by_manager and not points_managed(user=clerk).filter(pk=locked.point_id).exists():
            raise NotAllowed(_("Only the clerk on duty or the hall manager can sign off this window."))
        if locked.clerk_id is None:
            raise Conflict(_("Nobody is signed on to window %(n)s.") % {"n": locked.number},
                           code=ErrorCode.STATE_CHANGED)
        old = locked.clerk_id
        locked.clerk = None
        locked.is_open = False
        locked.save(update_fields=["clerk", "is_open"])
        audit_record(event_type="service_halls.window_sign_off", actor=clerk, target=locked,
                     old={"clerk": old}, new={"clerk": None, **({"reason": "hall_manager"} if by_manager else {})})
    return locked


def _require_own_window(window: Window, clerk) -> None:
    if window.clerk_id is None or window.clerk_id != getattr(clerk, "pk", None):
        raise NotAllowed(
            _("You are not signed on to window %(n)s. Sign on to your own window before calling numbers.")
            % {"n": window.number}
        )


_NO_PRIORITY_YET = 32767  # a new day: the first priority ticket waiting goes first


def _want_priority(*, every: int, day: date, policy_day: date | None, normals: int) -> bool:
    """One priority ticket after every ``every`` normal calls at this window (0 = always first)."""
    if every == 0:
        return True
    return (normals if policy_day == day else _NO_PRIORITY_YET) >= every


def _audit_ticket(event_type: str, clerk, ticket: Ticket, old_state: str, **extra) -> None:
    audit_record(
        event_type=f"service_halls.{event_type}",
        actor=clerk,
        target=ticket,
        old={"state": old_state},
        new={"state": ticket.state, **extra},
    )


def _call_next_sql(vendor: str) -> str:
    """One statement that picks the ticket a window calls next and marks it called.

    Waiting tickets for the window's businesses (or transferred to it), ordered by
    one expression encoding the policy — appointments due at their slot, then
    priority or normal tickets as the policy wants, then the others; first issued
    first within each — and none while a number is still at this window. On
    PostgreSQL the pick is locked with SKIP LOCKED, so two windows never take the
    same ticket; SQLite's IMMEDIATE transaction serialises writers. Written out by
    hand because it is the hall's hottest statement: built by the ORM it cost more
    Python than the database spent running it."""
    ticket = Ticket._meta.db_table
    lock = "FOR UPDATE OF t SKIP LOCKED" if vendor == "postgresql" else ""
    columns = ", ".join(f.column for f in Ticket._meta.concrete_fields)
    return f"""
        UPDATE {ticket} SET state = %(called)s, window_id = %(window)s, called_at = %(now)s,
               first_called_at = COALESCE(first_called_at, %(now)s), target_window_id = NULL
        WHERE id = (
            SELECT t.id FROM {ticket} t
            WHERE t.point_id = %(point)s AND t.service_date = %(day)s AND t.state = %(waiting)s
              AND (t.target_window_id = %(window)s
                   OR (t.target_window_id IS NULL AND t.business_type_id IN (
                       SELECT businesstype_id FROM {Window.business_types.through._meta.db_table}
                       WHERE window_id = %(window)s)))
              AND NOT EXISTS (
                  SELECT 1 FROM {ticket} b WHERE b.window_id = %(window)s AND b.service_date = %(day)s
                  AND b.state IN (%(called)s, %(serving)s))
            ORDER BY CASE WHEN t.due_at <= %(due_by)s THEN 0
                          WHEN t.is_priority = %(want_priority)s THEN 1 ELSE 2 END,
                     CASE WHEN t.due_at <= %(due_by)s THEN t.due_at END NULLS LAST,
                     t.issued_at, t.id
            LIMIT 1 {lock}
        )
        RETURNING {columns}"""  # noqa: S608 — names from the models; values are parameters


def _call_next_ticket(*, window: Window, day: date, now: datetime, want_priority: bool) -> Ticket | None:
    """Pick and mark the next ticket for ``window`` (see _call_next_sql); None when nobody waits."""
    ops = connection.ops
    params = {
        "called": TicketState.CALLED.value, "serving": TicketState.SERVING.value,
        "waiting": TicketState.WAITING.value, "window": window.pk, "point": window.point_id,
        "day": ops.adapt_datefield_value(day), "now": ops.adapt_datetimefield_value(now),
        "due_by": ops.adapt_datetimefield_value(now + APPOINTMENT_EARLY), "want_priority": want_priority,
    }
    # raw() converts the returned columns as the ORM would (SQLite hands back text)
    return next(iter(Ticket.objects.raw(_call_next_sql(connection.vendor), params)), None)


def _loaded(model, values: dict):
    """An instance of ``model`` holding just these column values, as the ORM's ``only()``
    leaves a row: any other column is read from the database if something asks for it
    (Django's deferred attributes), never made up from a default.

    Built as ``Model.from_db`` builds one, without its pass over every field: ``from_db``
    hands ``__init__`` a placeholder for each of the ticket's ~25 columns, and that pass
    was ~7% of a window's call-next in a profile. The model must have no ``pre_init`` or
    ``post_init`` receivers (tests/test_queue_paths.py checks the ticket and the window)."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    return instance


def _ticket_from_row(row: queue_pg.Row, *, point: ServicePoint | None = None) -> Ticket:
    """A Ticket for showing after a one-statement action, with its business, point
    and window from what the statement returned and the per-process lookups."""
    ticket = _loaded(Ticket, {"id": row.id, "number": row.number, "token": row.token, "state": row.state,
                              "is_priority": row.is_priority, "point_id": row.point_id,
                              "business_type_id": row.business_type_id})
    ticket.business_type = lookups.business_type_lookup(business_type_id=row.business_type_id)
    if point is None or point.pk != row.point_id:
        hall = lookups.point_lookup(point_id=row.point_id)
        point = hall.point if hall is not None else ServicePoint.objects.get(pk=row.point_id)
    ticket.point = point
    if row.window_id is not None:
        ticket.window = _loaded(Window, {"id": row.window_id, "number": row.window_number, "point_id": row.point_id})
    return ticket


def _announce(row: queue_pg.Row, kind: str) -> None:
    """Tell the hall's screens about a one-statement action (other than on the ``postgres``
    bus, where the statement itself notified)."""
    payload = {"id": row.event_id, "kind": kind, "number": row.number, "window": row.window_number,
               "at": row.event_at.isoformat()}
    realtime.announce(row.point_id, payload)


def _still_at_window(number: str) -> Conflict:
    return Conflict(
        _("Number %(number)s is still at this window. Finish it, mark it as a no-show or transfer it before calling the next one.")
        % {"number": number},
        code=ErrorCode.STATE_CHANGED,
    )


# What the one-statement paths return when their statement did not apply: not on PostgreSQL,
# not the caller's window or ticket, or (with an API token) not the caller's token.
NOT_APPLIED = object()


def window_call_next_in_statement(*, window_id: int, clerk_id: int, token_digest: str | None = None):
    """Call-next as one statement (queue_pg.call_next): the ticket, None when nobody waits,
    or NOT_APPLIED — then nothing was written. With ``token_digest`` (an API token not
    checked yet, ADR 0006 §8) the statement also checks that the clerk holds that token;
    when it does not apply, the caller checks the token the usual way and calls
    ``window_call_next_at``, whose refusals say why."""
    if not queue_pg.available():
        return NOT_APPLIED
    now = timezone.now()
    notify = realtime.bus() == realtime.BUS_POSTGRES
    result = queue_pg.call_next(window_id=window_id, clerk_id=clerk_id, token_digest=token_digest, now=now,
                                day=timezone.localdate(now), due_by=now + APPOINTMENT_EARLY, notify=notify)
    if result is None:
        return NOT_APPLIED
    if result.row is not None:
        if not notify:
            _announce(result.row, EventKind.CALLED)
        return _ticket_from_row(result.row)
    if result.busy_number is not None:
        raise _still_at_window(result.busy_number)
    return None


def window_call_next_at(*, window_id: int, clerk, window_for: Callable[[], Window]) -> Ticket | None:
    """Call the next ticket at the window with this id — the clerk's screen and the API.

    On PostgreSQL the clerk's own window is locked and the call made in one
    statement (queue_pg.call_next) without reading anything first; when the
    window is not the clerk's, ``window_for()`` reads it the usual way (its
    refusals are worded for the caller: not found, not allowed) and the ORM
    path below says why the clerk cannot call from it."""
    ticket = window_call_next_in_statement(window_id=window_id, clerk_id=clerk.pk)
    if ticket is not NOT_APPLIED:
        return ticket
    window = window_for()
    _require_own_window(window, clerk)
    return _window_call_next_orm(window=window, clerk=clerk)


def window_call_next(*, window: Window, clerk) -> Ticket | None:
    """Call the next ticket for this window, or None when nobody waits.

    Order: appointments due at their slot; then priority and normal tickets
    by the point's policy (one priority after every N normal calls at this
    window); within each, first issued first called.
    """
    _require_own_window(window, clerk)
    if queue_pg.available():
        return window_call_next_at(window_id=window.pk, clerk=clerk, window_for=lambda: window)
    return _window_call_next_orm(window=window, clerk=clerk)


def _window_call_next_orm(*, window: Window, clerk) -> Ticket | None:
    now = timezone.now()
    today = timezone.localdate(now)
    every = window.point.priority_every
    with transaction.atomic():
        # The window's row, locked: its calls are serialised (a double tap cannot
        # call two numbers) and its policy counter is read fresh.
        clerk_id, policy_day, normals = (
            Window.objects.select_for_update()
            .filter(pk=window.pk)
            .values_list("clerk_id", "policy_day", "normals_since_priority")
            .get()
        )
        if clerk_id != clerk.pk:  # signed off (or replaced) since the window was read
            window.clerk_id = clerk_id
            _require_own_window(window, clerk)
        want = _want_priority(every=every, day=today, policy_day=policy_day, normals=normals)
        ticket = _call_next_ticket(window=window, day=today, now=now, want_priority=want)
        if ticket is None:
            busy = Ticket.objects.filter(
                window_id=window.pk, service_date=today, state__in=[TicketState.CALLED, TicketState.SERVING]
            ).values_list("number", flat=True).first()
            if busy is not None:
                raise _still_at_window(busy)
            return None
        old = TicketState.WAITING
        ticket.window = window
        if ticket.is_priority:
            normals = 0
        else:
            normals = min((normals if policy_day == today else _NO_PRIORITY_YET) + 1, _NO_PRIORITY_YET)
        Window.objects.filter(pk=window.pk).update(policy_day=today, normals_since_priority=normals)
        window.policy_day, window.normals_since_priority = today, normals
        _event(ticket, EventKind.CALLED, window=window, actor=clerk)
        _audit_ticket("ticket_call", clerk, ticket, old, window=window.number)
    # The caller shows the ticket: its point and business without another read.
    if window.point_id == ticket.point_id and "point" in window._state.fields_cache:
        ticket.point = window.point
    ticket.business_type = lookups.business_type_lookup(business_type_id=ticket.business_type_id)
    return ticket


def _act(ticket: Ticket, clerk, *, allowed: tuple[str, ...]) -> Ticket:
    """Lock ``ticket`` and check it sits at the clerk's own window in an allowed state."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("window", "point", "business_type")
        .get(pk=ticket.pk)
    )
    if locked.window is None:
        raise NotAllowed(_("This number has not been called to a window yet."))
    _require_own_window(locked.window, clerk)
    if locked.state not in allowed:
        raise Conflict(
            _("Number %(number)s is now “%(state)s”; reload the page to see where it stands.")
            % {"number": locked.number, "state": locked.get_state_display()},
            code=ErrorCode.STATE_CHANGED,
        )
    return locked


def ticket_recall(*, ticket: Ticket, clerk) -> Ticket:
    """Call the same number again (the display announces it once more)."""
    with transaction.atomic():
        t = _act(ticket, clerk, allowed=(TicketState.CALLED,))
        t.recall_count += 1
        t.called_at = timezone.now()
        t.save(update_fields=["recall_count", "called_at"])
        _event(t, EventKind.RECALLED, window=t.window, actor=clerk)
        _audit_ticket("ticket_recall", clerk, t, t.state, recalls=t.recall_count)
    return t


def ticket_skip(*, ticket: Ticket, clerk) -> Ticket:
    """The citizen did not come: mark a no-show (过号)."""
    with transaction.atomic():
        t = _act(ticket, clerk, allowed=(TicketState.CALLED,))
        old = t.state
        t.state = TicketState.NO_SHOW
        t.save(update_fields=["state"])
        _event(t, EventKind.SKIPPED, window=t.window, actor=clerk)
        _audit_ticket("ticket_skip", clerk, t, old)
    return t


def ticket_start(*, ticket: Ticket, clerk) -> Ticket:
    with transaction.atomic():
        t = _act(ticket, clerk, allowed=(TicketState.CALLED,))
        old = t.state
        t.state = TicketState.SERVING
        t.started_at = timezone.now()
        t.save(update_fields=["state", "started_at"])
        _event(t, EventKind.STARTED, window=t.window, actor=clerk)
        _audit_ticket("ticket_start", clerk, t, old)
    return t


def ticket_finish(*, ticket: Ticket, clerk) -> Ticket:
    with transaction.atomic():
        t = _act(ticket, clerk, allowed=(TicketState.SERVING,))
        old = t.state
        t.state = TicketState.DONE
        t.finished_at = timezone.now()
        t.save(update_fields=["state", "finished_at"])
        _event(t, EventKind.FINISHED, window=t.window, actor=clerk)
        _audit_ticket("ticket_finish", clerk, t, old)
    return t


_ACTIONS: dict[str, Callable[..., Ticket]] = {}  # filled below: recall, skip, start, finish


def window_ticket_act_in_statement(*, action: str, window_id: int, ticket_id: int, clerk_id: int,
                                   token_digest: str | None = None):
    """A window action as one statement (queue_pg.ticket_act): the ticket, or NOT_APPLIED
    (as ``window_call_next_in_statement``, token check included)."""
    if action not in _ACTIONS:
        raise NotFound()
    if not queue_pg.available():
        return NOT_APPLIED
    notify = realtime.bus() == realtime.BUS_POSTGRES
    result = queue_pg.ticket_act(key=action, window_id=window_id, ticket_id=ticket_id, clerk_id=clerk_id,
                                 token_digest=token_digest, now=timezone.now(), notify=notify)
    if result is None:
        return NOT_APPLIED
    if not result.applied:
        raise Conflict(
            _("Number %(number)s is now “%(state)s”; reload the page to see where it stands.")
            % {"number": result.row.number, "state": TicketState(result.old_state).label},
            code=ErrorCode.STATE_CHANGED,
        )
    if not notify:
        _announce(result.row, queue_pg.ACTS[action].event_kind)
    return _ticket_from_row(result.row)


def window_ticket_act(*, action: str, window_id: int, ticket_id: int, clerk,
                      ticket_for: Callable[[], Ticket]) -> Ticket:
    """Recall, skip (no-show), start or finish the number at the clerk's window.

    On PostgreSQL one statement checks the ticket is at the clerk's own window,
    locks it, checks its state and writes the change, its event and the audit
    row (queue_pg.ticket_act). When the ticket is not at the clerk's window,
    ``ticket_for()`` reads it the caller's way and the ORM path refuses with the
    reason; SQLite always goes the ORM way."""
    if action not in _ACTIONS:
        raise NotFound()
    ticket = window_ticket_act_in_statement(action=action, window_id=window_id, ticket_id=ticket_id,
                                            clerk_id=clerk.pk)
    if ticket is not NOT_APPLIED:
        return ticket
    return _ACTIONS[action](ticket=ticket_for(), clerk=clerk)


def ticket_transfer(
    *, ticket: Ticket, clerk, business_type: BusinessType | None = None, to_window: Window | None = None
) -> Ticket:
    """Put the ticket back in the queue for another business and/or a named window.
    It keeps its number and its place by issue time."""
    if business_type is None and to_window is None:
        raise ValidationFailed.for_field(
            "business_type", _("Choose the business or the window to transfer this number to.")
        )
    with transaction.atomic():
        t = _act(ticket, clerk, allowed=(TicketState.CALLED, TicketState.SERVING))
        point = t.point
        if business_type is not None and not point.business_types.filter(pk=business_type.pk).exists():
            raise ValidationFailed.for_field(
                "business_type",
                _("%(point)s does not handle “%(business)s”. Choose another business.")
                % {"point": point.name, "business": business_type.name},
            )
        if to_window is not None:
            if to_window.point_id != t.point_id:
                raise ValidationFailed.for_field(
                    "window", _("Choose a window of this service point.")
                )
            if to_window.pk == t.window_id:
                raise ValidationFailed.for_field(
                    "window", _("The number is already at this window; choose another one.")
                )
        from_window = t.window
        old = t.state
        t.state = TicketState.WAITING
        if business_type is not None:
            t.business_type = business_type
        t.target_window = to_window
        t.window = None
        t.transfer_count += 1
        t.save(update_fields=["state", "business_type", "target_window", "window", "transfer_count"])
        detail = {
            "from_window": from_window.number,
            "business_type": t.business_type.code,
            "to_window": to_window.number if to_window else None,
        }
        _event(t, EventKind.TRANSFERRED, window=from_window, actor=clerk, detail=detail)
        _audit_ticket("ticket_transfer", clerk, t, old, **detail)
    return t


_ACTIONS.update(recall=ticket_recall, skip=ticket_skip, start=ticket_start, finish=ticket_finish)


# --- appointments ---------------------------------------------------------------
def appointment_book(*, slot: AppointmentSlot, user, person=None) -> Appointment:
    if slot.starts_at <= timezone.now():
        raise ValidationFailed.for_field("slot", _("This time has passed. Please choose a later time."))
    with transaction.atomic():
        locked = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
        if Appointment.objects.filter(slot=locked, user=user, state=AppointmentState.BOOKED).exists():
            raise Conflict(_("You have already booked this time."), code=ErrorCode.DUPLICATE)
        if locked.booked >= locked.capacity:
            raise Conflict(_("This time is fully booked. Please choose another time."), code=ErrorCode.FULL)
        locked.booked += 1
        locked.save(update_fields=["booked"])
        appointment = Appointment.objects.create(slot=locked, user=user, person=person)
        audit_record(event_type="service_halls.appointment_book", actor=user, target=appointment,
                     new={"slot": locked.pk})
    return appointment


def appointment_cancel(*, appointment: Appointment, user) -> Appointment:
    if appointment.user_id != user.pk:
        raise NotAllowed(_("Only the person who booked this appointment can cancel it."))
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.BOOKED).update(
            state=AppointmentState.CANCELLED, updated_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This appointment can no longer be cancelled."), code=ErrorCode.STATE_CHANGED)
        slot = AppointmentSlot.objects.select_for_update().get(pk=appointment.slot_id)
        slot.booked = max(0, slot.booked - 1)
        slot.save(update_fields=["booked"])
        audit_record(event_type="service_halls.appointment_cancel", actor=user, target=appointment,
                     old={"state": AppointmentState.BOOKED}, new={"state": AppointmentState.CANCELLED})
    appointment.refresh_from_db()
    return appointment


def appointments_mark_no_show(*, ended_before: datetime | None = None) -> int:
    """Booked appointments whose slot has ended without a check-in become no-shows."""
    ended_before = ended_before or timezone.now()
    return Appointment.objects.filter(
        state=AppointmentState.BOOKED, slot__ends_at__lt=ended_before
    ).update(state=AppointmentState.NO_SHOW, updated_at=timezone.now())


# Setting up a hall (points, zones, windows, business types, hours, closures, slots)
# lives in hall_services.py; these names stay importable from here.
from .hall_services import (  # noqa: E402, F401 — re-exported
    point_close,
    point_create,
    point_move,
    slots_create,
)


# --- 好差评 after service ------------------------------------------------------------
def ticket_rate(*, ticket: Ticket, user, level: int, comment: str = ""):
    """The citizen who took the number rates the finished service (core ratings)."""
    from minsheng.ratings.services import rating_submit

    if ticket.user_id is None or ticket.user_id != getattr(user, "pk", None):
        raise NotAllowed(_("Only the person who took this number can rate the service."))
    if ticket.state != TicketState.DONE:
        raise ValidationFailed(_("You can rate the service once it is finished. Please come back then."))
    point = ticket.point
    return rating_submit(
        rater=user, target=ticket, level=level, comment=comment,
        organisation=point.organisation, service_key=f"service_halls.{ticket.business_type.code}",
        region=point.region,
    )
