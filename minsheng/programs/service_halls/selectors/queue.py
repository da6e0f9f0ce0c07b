"""Reads of the queue: tickets, windows, where a number stands, what a hall's screen shows."""

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q
from minsheng.core.errors import NotFound

from ..apps import CLERKS
from ..models import (
    AT_WINDOW,
    DISPLAY_KINDS,
    ServicePoint,
    Ticket,
    TicketEvent,
    TicketState,
    Window,
)


def ticket_by_token(*, token: str) -> Ticket:
    ticket = (
        Ticket.objects.filter(token=token)
        .select_related("point", "business_type", "window")
        .first()
    )
    if ticket is None:
        raise NotFound(_("This queue number does not exist. Check the link on your ticket."))
    return ticket


def ticket_holder_q(*, user) -> Q:
    """Tickets that are ``user``'s: taken signed in, or at a kiosk with the phone they sign in with."""
    q = Q(user_id=user.pk)
    if getattr(user, "phone_hash", None):
        q |= Q(phone_hash=user.phone_hash)
    return q


def ticket_is_held_by(*, ticket: Ticket, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if ticket.user_id is not None and ticket.user_id == user.pk:
        return True
    return bool(ticket.phone_hash) and ticket.phone_hash == getattr(user, "phone_hash", None)


def windows_for(*, user):
    """Windows of the service points within the user's clerk/manager assignments."""
    return Window.objects.filter(
        scope_q(user=user, roles=CLERKS, region_field="point__region",
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
            state__in=AT_WINDOW,
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
                              state__in=AT_WINDOW)
        .select_related("window")
        .order_by("-called_at")
    )
    recent_rows = (
        Ticket.objects.filter(point=point, service_date=today, called_at__isnull=False)
        .select_related("window")
        .order_by("-called_at")[:recent]
    )
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


# --- the display's event log (TicketEvent ids are the server-sent event ids) --------
def event_payload(event: TicketEvent, *, number: str, window_number: int | None) -> dict:
    """What a hall's screen receives for one event (no personal data)."""
    return {"id": event.pk, "kind": event.kind, "number": number, "window": window_number,
            "at": event.at.isoformat()}


def events_after(*, point_id: int, after_id: int, limit: int = 50) -> list[dict]:
    rows = (
        TicketEvent.objects.filter(point_id=point_id, id__gt=after_id, kind__in=DISPLAY_KINDS)
        .select_related("ticket", "window")
        .order_by("id")[:limit]
    )
    return [
        event_payload(e, number=e.ticket.number, window_number=e.window.number if e.window else None)
        for e in rows
    ]


def last_event_id(*, point_id: int) -> int:
    last = TicketEvent.objects.filter(point_id=point_id).order_by("-id").values_list("id", flat=True).first()
    return last or 0
