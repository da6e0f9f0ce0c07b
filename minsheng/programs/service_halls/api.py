"""/api/v1/service_halls/ — the same services as the pages. The hall manager's
operations live in hall_api.py, under /manage/."""

from datetime import date, timedelta

from django.utils import timezone
from ninja import Router, Schema, Status

from minsheng.access.selectors import user_has_role
from minsheng.api.auth import SessionAuth, TokenAuth, token_claim, verified_user
from minsheng.core.errors import NotAllowed, NotFound

from . import selectors, services
from .hall_api import router as manage_router
from .models import BusinessType, Window

router = Router(tags=["service_halls"])
router.add_router("/manage", manage_router)


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


# Built without validating their own values again (ninja dumps a schema instance as it is):
# a window's every call and action pays for the answer. tests/test_api.py checks that they
# equal the validated schemas.
def _ticket_out(ticket) -> TicketOut:
    return TicketOut.model_construct(token=ticket.token, **selectors.queue_status(ticket=ticket))


def _window_ticket_out(ticket) -> WindowTicketOut:
    return WindowTicketOut.model_construct(id=ticket.pk, token=ticket.token, **selectors.queue_status(ticket=ticket))


def _clerk_window(request, window_id: int) -> Window:
    """The window the clerk is signed on to, in one read: signing on checked their
    assignment, and every window action requires the signed-on clerk. Any other
    window goes through the assignment check (a manager sees the windows of their
    halls; the service then refuses to act for someone not signed on), and whether
    the user is a clerk at all is asked only when no window matched, to answer 403
    rather than 404."""
    own = Window.objects.select_related("point").filter(pk=window_id, clerk_id=request.user.pk).first()
    if own is not None:
        return own
    try:
        return selectors.window_get_for(user=request.user, window_id=window_id)
    except NotFound:
        _require_clerk(request)
        raise


def _require_clerk(request) -> None:
    if not request.user.is_superuser and not user_has_role(user=request.user, roles=selectors.CLERK_ROLES):
        raise NotAllowed()


@router.post("/points/{point_id}/tickets", response={201: TicketOut})
def issue_ticket(request, point_id: int, payload: IssueIn):
    """Take a number. Kiosk devices and phones; priority is also set from the person's record."""
    point = selectors.point_get(point_id=point_id)
    biz = BusinessType.objects.filter(code=payload.business_type).first()
    if biz is None:
        raise NotFound(fields={"business_type": ["unknown business type"]})
    ticket = services.ticket_issue(
        point=point, business_type=biz, channel=payload.channel,
        person=getattr(request.user, "person", None), user=request.user,
        priority_reason=payload.priority_reason,
    )
    return Status(201, _ticket_out(ticket))


@router.get("/tickets/{token}", response=TicketOut, auth=None)
def ticket_status(request, token: str):
    """Where a number stands: position, estimated wait, your turn."""
    return _ticket_out(selectors.ticket_by_token(token=token))


@router.get("/points/{point_id}/display", auth=None)
def display_feed(request, point_id: int):
    """Current and recent calls for the hall's screen (no personal data)."""
    return selectors.display_snapshot(point=selectors.point_get(point_id=point_id))


# A window's call-next and actions: a tablet's token is checked by the statement that acts
# (TokenAuth(claim=True), ADR 0006 §8); when that statement does not apply, the token is checked
# the usual way and the usual path says why the clerk cannot act (or 401).
WINDOW_AUTH = [TokenAuth(claim=True), SessionAuth()]


def _as_window_clerk(request, in_statement, usual):
    """Run a window's call or action for this request: with a token claim, first as the one
    statement that also checks the token (``in_statement(clerk_id, digest)``); otherwise, or
    when that did not apply, ``usual(user)`` for the verified user (401 if the claim fails)."""
    claim = token_claim(request)
    if claim is not None:
        done = in_statement(claim.user_id, claim.digest)
        if done is not services.NOT_APPLIED:
            return done
    return usual(verified_user(request))


@router.post("/windows/{window_id}/call-next", response={200: WindowTicketOut, 204: None}, auth=WINDOW_AUTH)
def call_next(request, window_id: int):
    ticket = _as_window_clerk(
        request,
        lambda clerk_id, digest: services.window_call_next_in_statement(
            window_id=window_id, clerk_id=clerk_id, token_digest=digest),
        lambda clerk: services.window_call_next_at(
            window_id=window_id, clerk=clerk, window_for=lambda: _clerk_window(request, window_id)),
    )
    if ticket is None:
        return Status(204, None)
    return Status(200, _window_ticket_out(ticket))


def _window_ticket(request, window_id: int, ticket_id: int):
    window = _clerk_window(request, window_id)
    return selectors.ticket_get_for_window(window=window, ticket_id=ticket_id)


def _act(request, action: str, window_id: int, ticket_id: int) -> dict:
    ticket = _as_window_clerk(
        request,
        lambda clerk_id, digest: services.window_ticket_act_in_statement(
            action=action, window_id=window_id, ticket_id=ticket_id, clerk_id=clerk_id, token_digest=digest),
        lambda clerk: services.window_ticket_act(
            action=action, window_id=window_id, ticket_id=ticket_id, clerk=clerk,
            ticket_for=lambda: _window_ticket(request, window_id, ticket_id)),
    )
    return _window_ticket_out(ticket)


@router.post("/windows/{window_id}/recall", response=WindowTicketOut, auth=WINDOW_AUTH)
def recall(request, window_id: int, payload: ActionIn):
    return _act(request, "recall", window_id, payload.ticket)


@router.post("/windows/{window_id}/skip", response=WindowTicketOut, auth=WINDOW_AUTH)
def skip(request, window_id: int, payload: ActionIn):
    return _act(request, "skip", window_id, payload.ticket)


@router.post("/windows/{window_id}/start", response=WindowTicketOut, auth=WINDOW_AUTH)
def start(request, window_id: int, payload: ActionIn):
    return _act(request, "start", window_id, payload.ticket)


@router.post("/windows/{window_id}/finish", response=WindowTicketOut, auth=WINDOW_AUTH)
def finish(request, window_id: int, payload: ActionIn):
    return _act(request, "finish", window_id, payload.ticket)


@router.post("/windows/{window_id}/tickets/{ticket_id}/transfer", response=WindowTicketOut)
def transfer(request, window_id: int, ticket_id: int, payload: TransferIn):
    ticket = _window_ticket(request, window_id, ticket_id)
    biz = BusinessType.objects.filter(code=payload.business_type).first() if payload.business_type else None
    to = Window.objects.filter(point_id=ticket.point_id, number=payload.window).first() if payload.window else None
    if payload.window and to is None:
        raise NotFound(fields={"window": ["no such window at this service point"]})
    return _window_ticket_out(services.ticket_transfer(ticket=ticket, clerk=request.user, business_type=biz, to_window=to))


@router.get("/stats", url_name="service_halls_stats")
def stats(request, date_from: date | None = None, date_to: date | None = None):
    """Waiting and service minutes per business, window and hour; appointment no-show rate."""
    if not request.user.is_superuser and not user_has_role(user=request.user, roles=selectors.STATS_ROLES):
        raise NotAllowed()
    today = timezone.localdate()
    return selectors.hall_stats(
        points=selectors.points_for_stats(user=request.user),
        date_from=date_from or today - timedelta(days=6), date_to=date_to or today,
    )


@router.get("/coverage", auth=None)
def coverage(request):
    """The current 15-minute circle: share of residents covered and the communities left out."""
    run = selectors.coverage_current()
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
