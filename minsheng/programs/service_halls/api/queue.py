"""/api/v1/service_halls/ — taking a number, following it, the hall's screen, a window's
calls and actions, statistics and the 15-minute circle: the same services as the pages.

A window's tablet signs in with its clerk's API token (``Authorization: Token …``) or the
browser session, as every API call does (``minsheng.api``'s ``TokenAuth`` and
``SessionAuth``): ``request.user`` is the clerk before the view runs."""

from datetime import date, timedelta

from django.utils import timezone
from ninja import Router, Schema, Status

from minsheng.access.selectors import user_has_role
from minsheng.core.errors import NotAllowed, NotFound

from ..apps import STATS
from ..models import BusinessType, Window
from ..selectors.coverage import coverage_current
from ..selectors.halls import point_get
from ..selectors.queue import display_snapshot, queue_status, ticket_by_token
from ..selectors.stats import hall_stats, points_for_stats
from ..services.calling import (
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    ticket_transfer,
    window_call_next,
)
from ..services.tickets import ticket_issue

router = Router(tags=["service_halls"])


class IssueIn(Schema):
    business_type: str  # code, e.g. "insurance-registration"
    channel: str = "phone"
    priority_reason: str | None = None


class TicketOut(Schema):
    token: str
    number: str
    state: str
    state_label: str
    business: str
    point: str
    window: int | None
    your_turn: bool
    ahead: int
    wait_minutes: int | None
    is_priority: bool


class WindowTicketOut(TicketOut):
    id: int  # for the window's next action (recall, skip, start, finish, transfer)


class TransferIn(Schema):
    business_type: str | None = None
    window: int | None = None


class ActionIn(Schema):
    ticket: int


def _ticket_out(ticket) -> dict:
    return {"token": ticket.token, **queue_status(ticket=ticket)}


def _window_ticket_out(ticket) -> dict:
    return {"id": ticket.pk, **_ticket_out(ticket)}


@router.post("/points/{point_id}/tickets", response={201: TicketOut})
def issue_ticket(request, point_id: int, payload: IssueIn):
    """Take a number. Kiosk devices and phones; priority is also set from the person's record."""
    point = point_get(point_id=point_id)
    biz = BusinessType.objects.filter(code=payload.business_type).first()
    if biz is None:
        raise NotFound(fields={"business_type": ["unknown business type"]})
    ticket = ticket_issue(
        point=point, business_type=biz, channel=payload.channel,
        person=getattr(request.user, "person", None), user=request.user,
        priority_reason=payload.priority_reason,
    )
    return Status(201, _ticket_out(ticket))


@router.get("/tickets/{token}", response=TicketOut, auth=None)
def ticket_status(request, token: str):
    """Where a number stands: position, estimated wait, your turn."""
    return _ticket_out(ticket_by_token(token=token))


@router.get("/points/{point_id}/display", auth=None)
def display_feed(request, point_id: int):
    """Current and recent calls for the hall's screen (no personal data)."""
    return display_snapshot(point=point_get(point_id=point_id))


@router.post("/windows/{window_id}/call-next", response={200: WindowTicketOut, 204: None})
def call_next(request, window_id: int):
    ticket = window_call_next(window_id=window_id, clerk=request.user)
    if ticket is None:
        return Status(204, None)
    return Status(200, _window_ticket_out(ticket))


@router.post("/windows/{window_id}/recall", response=WindowTicketOut)
def recall(request, window_id: int, payload: ActionIn):
    return _window_ticket_out(ticket_recall(window_id=window_id, ticket_id=payload.ticket, clerk=request.user))


@router.post("/windows/{window_id}/skip", response=WindowTicketOut)
def skip(request, window_id: int, payload: ActionIn):
    return _window_ticket_out(ticket_skip(window_id=window_id, ticket_id=payload.ticket, clerk=request.user))


@router.post("/windows/{window_id}/start", response=WindowTicketOut)
def start(request, window_id: int, payload: ActionIn):
    return _window_ticket_out(ticket_start(window_id=window_id, ticket_id=payload.ticket, clerk=request.user))


@router.post("/windows/{window_id}/finish", response=WindowTicketOut)
def finish(request, window_id: int, payload: ActionIn):
    return _window_ticket_out(ticket_finish(window_id=window_id, ticket_id=payload.ticket, clerk=request.user))


@router.post("/windows/{window_id}/tickets/{ticket_id}/transfer", response=WindowTicketOut)
def transfer(request, window_id: int, ticket_id: int, payload: TransferIn):
    window = Window.objects.filter(pk=window_id).first()
    biz = BusinessType.objects.filter(code=payload.business_type).first() if payload.business_type else None
    to = None
    if payload.window is not None:
        to = Window.objects.filter(point_id=window.point_id if window else None, number=payload.window).first()
        if to is None:
            raise NotFound(fields={"window": ["no such window at this service point"]})
    return _window_ticket_out(ticket_transfer(window_id=window_id, ticket_id=ticket_id, clerk=request.user,
                                              business_type=biz, to_window=to))


@router.get("/stats", url_name="service_halls_stats")
def stats(request, date_from: date | None = None, date_to: date | None = None):
    """Waiting and service minutes per business, window and hour; appointment no-show rate."""
    if not request.user.is_superuser and not user_has_role(user=request.user, roles=STATS):
        raise NotAllowed()
    today = timezone.localdate()
    return hall_stats(
        points=points_for_stats(user=request.user),
        date_from=date_from or today - timedelta(days=6), date_to=date_to or today,
    )


@router.get("/coverage", auth=None)
def coverage(request):
    """The current 15-minute circle: share of residents covered and the communities left out."""
    run = coverage_current()
    if run is None:
        return {"computed": False}
    uncovered = run.rows.filter(covered=False).order_by("-population").values(
        "community_id", "population", "mode", "method", "minutes"
    )[:500]
    return {
        "computed": True, "finished_at": run.finished_at, "share": round(run.share, 4),
        "population": run.population, "covered_population": run.covered_population,
        "communities": run.communities, "covered_communities": run.covered_communities,
        "uncovered": list(uncovered),
    }


class PriorityIn(Schema):
    disabled: bool = False
    ill: bool = False
    pregnant_until: date | None = None


class PriorityOut(Schema):
    disabled: bool
    ill: bool
    pregnant_until: date | None


@router.put("/me/priority", response=PriorityOut)
def priority_set(request, payload: PriorityIn):
    """Record your own priority (disability certificate, serious illness, pregnancy until the
    expected date of delivery); the clerk checks the certificate at the window."""
    from ..services.priority import priority_flags_set

    return priority_flags_set(person=getattr(request.user, "person", None), actor=request.user,
                              disabled=payload.disabled, ill=payload.ill, pregnant_until=payload.pregnant_until)
