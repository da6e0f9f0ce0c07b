"""What a guardian sees: their children, the offerings open to them, their applications."""

from datetime import date

from django.utils import timezone

from minsheng.identity.models import Person

from ..models import (
    ACTIVE_STATES,
    Allocation,
    Application,
    ApplicationState,
    Offering,
    SeatState,
    Term,
)
from .eligibility import children_of, offerings_open_to
from .satisfaction import can_rate, my_ratings


def current_term(*, today: date | None = None) -> Term | None:
    today = today or timezone.localdate()
    return (Term.objects.filter(ends_on__gte=today).order_by("starts_on").first()
            or Term.objects.order_by("-starts_on").first())


def held_offerings(*, students) -> dict[int, set[int]]:
    """Per child, the offerings an application still holds or waits for a place in: a second
    application for one of them is refused, so the page and the API say so instead of offering it."""
    held: dict[int, set[int]] = {s.pk: set() for s in students}
    rows = Application.objects.filter(student_id__in=list(held), state__in=ACTIVE_STATES).values_list(
        "student_id", "offering_id")
    for student_id, offering_id in rows:
        held[student_id].add(offering_id)
    return held


def application_page(*, user) -> list[tuple[Person, list[Offering], set[int]]]:
    """What the application page shows (the page and ``GET /children``): per child of ``user``,
    the offerings open to them now and those the child already holds an application for. A
    fixed number of queries, whatever the number of children and offerings."""
    children = children_of(user=user)
    if not children:
        return []
    open_to = offerings_open_to(children=children)
    held = held_offerings(students=children)
    return [(child, open_to[child.pk], held[child.pk]) for child in children]


def applications_of(*, user, children: list[Person] | None = None) -> list[Application]:
    """The applications for ``user``'s children (``children`` when read already), each with
    ``my_rating`` (the level ``user`` gave, or None) and ``can_rate`` (a place is held, the term
    has begun, not rated yet)."""
    ids = [p.pk for p in (children_of(user=user) if children is None else children)]
    if not ids:
        return []
    apps = list(
        Application.objects.filter(student_id__in=ids)
        .select_related("offering__host", "offering__term", "student", "window")
        .prefetch_related("seats")
        .order_by("-created_at")
    )
    rated = my_ratings(user=user, application_ids=[a.pk for a in apps]) if apps else {}
    today = timezone.localdate()
    for app in apps:
        app.results_pending = _hide_unpublished(app)
        app.my_rating = rated.get(app.pk)
        app.can_rate = app.my_rating is None and can_rate(application=app, today=today)
    return apps


def _hide_unpublished(app: Application) -> bool:
    """A lottery application whose window's results are not published yet is shown as it was
    before the draw (on these read-only rows only), so no family learns a result early."""
    if app.offering.allocation != Allocation.LOTTERY or not app.window.results_pending:
        return False
    if app.state in (ApplicationState.ADMITTED, ApplicationState.WAITLISTED, ApplicationState.REJECTED):
        app.state = ApplicationState.SUBMITTED
    for seat in app.seats.all():
        if seat.state in (SeatState.ADMITTED, SeatState.WAITLISTED, SeatState.SUPERSEDED):
            seat.state, seat.waitlist_position = SeatState.PENDING, None
    return True
