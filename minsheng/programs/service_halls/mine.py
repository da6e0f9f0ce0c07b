"""What 我的 shows of the service halls: the person's queue numbers and appointments.

Three queries whatever the number of rows: tickets (with point, business and window),
the ratings already given to them, appointments (with slot, point and business).
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.registry import MineItem, MineSection
from minsheng.ratings.models import Rating

from .models import Appointment, AppointmentState, Ticket, TicketState
from .selectors.queue import ticket_holder_q

RECENT_DAYS = 60
LIMIT = 20

_TICKET_TONES = {
    TicketState.WAITING: "primary",
    TicketState.CALLED: "warning",
    TicketState.SERVING: "info",
    TicketState.DONE: "success",
}


def _ticket_step(ticket: Ticket, rated: bool) -> tuple[str, bool]:
    today = timezone.localdate()
    if ticket.state == TicketState.WAITING and ticket.service_date == today:
        return _("Wait to be called; open the number to see how many are ahead of you."), True
    if ticket.state == TicketState.CALLED:
        window = ticket.window.number if ticket.window_id else ""
        return _("It is your turn: please go to window %(window)s.") % {"window": window}, True
    if ticket.state == TicketState.SERVING:
        return _("You are being served."), False
    if ticket.state == TicketState.DONE and not rated:
        return _("Rate the service you received."), True
    if ticket.state == TicketState.DONE:
        return _("Done. Thank you for your rating."), False
    return _("Nothing more to do. Take a new number if you still need the service."), False


def tickets_of(*, user) -> list[MineItem]:
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    tickets = list(
        Ticket.objects.filter(ticket_holder_q(user=user), service_date__gte=since)
        .select_related("point", "business_type", "window")
        .order_by("-issued_at")[:LIMIT]
    )
    done = [str(t.pk) for t in tickets if t.state == TicketState.DONE]
    rated = set(
        Rating.objects.filter(
            rater=user, target_type=ContentType.objects.get_for_model(Ticket), target_id__in=done
        ).values_list("target_id", flat=True)
    ) if done else set()
    items = []
    for t in tickets:
        step, action = _ticket_step(t, str(t.pk) in rated)
        items.append(MineItem(
            section=MineSection.TICKETS,
            title=_("Number %(number)s · %(business)s") % {"number": t.number, "business": t.business_type.name},
            detail=t.point.name, status=t.get_state_display(), next_step=step, action=action,
            url=reverse("service_halls:ticket", args=[t.token]), at=t.issued_at,
            tone=_TICKET_TONES.get(t.state, "secondary"),
        ))
    return items


def appointments_of(*, user) -> list[MineItem]:
    now = timezone.now()
    rows = (
        Appointment.objects.filter(user=user, slot__starts_at__gte=now - timedelta(days=RECENT_DAYS))
        .select_related("slot__point", "slot__business_type")
        .order_by("-slot__starts_at")[:LIMIT]
    )
    items = []
    for a in rows:
        upcoming = a.state == AppointmentState.BOOKED and a.slot.ends_at >= now
        if upcoming and timezone.localdate(a.slot.starts_at) == timezone.localdate(now):
            step = _("Today: check in at the service point or on the appointments page to get your number.")
        elif upcoming:
            step = _("Come at the booked time, or cancel if you cannot.")
        else:
            step = _("Nothing more to do.")
        items.append(MineItem(
            section=MineSection.APPOINTMENTS,
            title=a.slot.business_type.name, detail=a.slot.point.name,
            status=a.get_state_display(), next_step=step, action=upcoming,
            url=reverse("service_halls:my_appointments"), at=a.slot.starts_at,
            tone="primary" if upcoming else "secondary",
        ))
    return items


def mine(user) -> list[MineItem]:
    return tickets_of(user=user) + appointments_of(user=user)
