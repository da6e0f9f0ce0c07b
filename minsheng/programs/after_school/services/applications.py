"""Applications: submit, withdraw, answer an offer, and the waiting list's promotions.

Places are per offering and weekday (``OfferingDay``). A first-come submit holds the child's row,
reads the chosen days (asking again, in the same statement, that the child holds nothing at
overlapping hours), writes the application, its seat requests and the audit entry, and takes
one place on each day last — one ``update`` with ``F`` that locks the days in weekday order, so
the rows every submit to the offering queues on are held only from that statement to COMMIT; a
full day breaks the ``as_never_oversold`` constraint and the whole submit rolls back. All in one
transaction. Who may apply for which child is ``selectors.eligibility``.
"""

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.refusals import scoped_gate
from minsheng.audit.services import audit_record
from minsheng.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotFound,
    ValidationFailed,
)
from minsheng.identity.models import Person

from .. import notices
from ..models import (
    ACTIVE_STATES,
    HOLDING_SEAT,
    WEEKDAY_NAMES,
    Allocation,
    Application,
    ApplicationState,
    FeeWaiverRule,
    Offering,
    OfferingDay,
    SeatRequest,
    SeatState,
    Term,
)
from ..selectors.eligibility import (
    Applicant,
    applicant_get,
    guardian_relations,
    guardian_users_of,
    offering_refusal,
    school_window,
    window_closed,
    window_for,
    with_open_windows,
)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    # 10 letters from a 32-letter alphabet: 50 random bits, 5 to a letter.
    bits = int.from_bytes(secrets.token_bytes(7), "big")
    return "KH" + "".join(REFERENCE_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))


def waiver_percent_for(*, category: str, term: Term) -> int:
    if not category:
        return 0  # most families: no query
    rules = {r.term_id: r.waiver_percent for r in FeeWaiverRule.objects.filter(category=category)}
    return rules.get(term.pk, rules.get(None, 0))


def fee_after_waiver(*, fee: Decimal, waiver: int) -> Decimal:
    return (Decimal(fee) * (100 - waiver) / 100).quantize(Decimal("0.01"))


class _Full(Exception):
    def __init__(self, weekdays: list[int]):
        super().__init__(weekdays)
        self.weekdays = weekdays


def application_submit(*, guardian_user, student_id: int, offering_id: int, weekdays, rank: int = 1,
                       idempotency_key: str, now: datetime | None = None) -> Application:
    """Apply for the child ``student_id`` to ``offering_id`` on ``weekdays`` (0 = Monday).

    Refuses an unknown child or offering (404), a child not in the caller's care (403), a bad
    form, another school's or grade's offering, a closed window (422), a second application for
    the child to the offering (409 ``duplicate``) and a full day of a first-come offering (409
    ``full``: nothing is taken on the other days). Safe to repeat: the same ``idempotency_key``
    returns the first application (``created_now`` is False then), even if it would now be
    refused; another family's key is a 409.
    """
    key = str(idempotency_key or "")
    if not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed.for_field(
            "idempotency_key", _("The request key is missing or malformed. Reload the page and submit again."))
    try:
        return _submit(guardian_user=guardian_user, student_id=student_id, offering_id=offering_id,
                       weekdays=weekdays, rank=rank, key=key, now=now or timezone.now())
    except DomainError as refusal:
        return _answer_refused(refusal, key=key, guardian_user=guardian_user, student_id=student_id,
                               offering_id=offering_id, weekdays=weekdays, rank=rank)


def _submit(*, guardian_user, student_id, offering_id, weekdays, rank, key, now) -> Application:
    try:
        student_id, offering_id = int(student_id), int(offering_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    # The offering with its term's windows open now, the areas' and its school's (none: read it
    # alone, to say why).
    rows = list(with_open_windows(Offering.objects.filter(pk=offering_id), now=now))
    offering = rows[0] if rows else Offering.objects.select_related("term", "region").filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    days = _weekdays(weekdays, offering)
    rank_ok = isinstance(rank, int) and 1 <= rank <= 10
    clashes = (_clashing_seats(student=OuterRef("pk"), offering=offering, weekdays=days, rank=rank)
               if days and rank_ok else None)
    applicant = applicant_get(user=guardian_user, student_id=student_id, school_year=offering.term.school_year,
                              clashes=clashes)
    if applicant is None:
        raise NotFound()
    if not days:
        raise ValidationFailed.for_field("weekdays", _("Choose one or more of the days on which this offering runs."))
    if not (isinstance(rank, int) and 1 <= rank <= 10):
        raise ValidationFailed.for_field("rank", _("The choice rank must be a number from 1 to 10."))
    refusal = offering_refusal(offering=offering, applicant=applicant)
    if refusal:
        raise ValidationFailed(refusal, fields={"offering": [refusal]})
    if applicant.has_clash:
        clash = overlapping_application(student_id=student_id, offering=offering, weekdays=days, rank=rank)
        if clash is not None:
            raise ValidationFailed(clash, fields={"weekdays": [clash]})
    window_id = window_for(rows, applicant=applicant)
    if window_id is None and offering.school_id is None:
        window_id = school_window(offering=offering, applicant=applicant, now=now)
    if window_id is None:
        raise window_closed(offering=offering, applicant=applicant, now=now)
    first_come = offering.allocation == Allocation.FIRST_COME
    app = _new_application(guardian_user=guardian_user, applicant=applicant, offering=offering, window_id=window_id,
                           key=key, rank=rank, first_come=first_come)
    seat_state = SeatState.ADMITTED if first_come else SeatState.PENDING
    day_rows: list[OfferingDay] = []
    try:
        with transaction.atomic():
            # The early check above ran before any lock: a racing submit for the same child may
            # have taken overlapping hours since. With the child's row held, ask again — in the
            # same statement that reads the chosen days (their ids for the seat requests).
            child_lock(student_id=student_id)
            day_rows = list(OfferingDay.objects.filter(offering=offering, weekday__in=days).order_by("weekday")
                            .annotate(clash=Exists(_clashing_seats(student=student_id, offering=offering,
                                                                   weekdays=days, rank=rank))))
            if day_rows and day_rows[0].clash:
                clash = overlapping_application(student_id=student_id, offering=offering, weekdays=days, rank=rank)
                raise ValidationFailed(clash, fields={"weekdays": [clash]})
            if first_come and any(d.free == 0 for d in day_rows):
                # Full as this statement saw them; a place may be freed by a transaction still
                # holding the row: judge on the rows locked, and write nothing if they are full.
                _days_locked(day_rows)
            app.save(force_insert=True)
            seats = SeatRequest.objects.bulk_create(
                [SeatRequest(application=app, day=d, weekday=d.weekday, state=seat_state) for d in day_rows])
            audit_record(event_type="after_school.apply", actor=guardian_user, target=app,
                         new={"offering": offering.pk, "weekdays": days, "state": app.state})
            if first_come:
                _places_take(day_rows)
    except _Full as exc:
        # Which days: read after the rollback when the taking update was refused.
        full = exc.weekdays or [d.weekday for d in OfferingDay.objects.filter(
            pk__in=[d.pk for d in day_rows]).order_by("weekday") if d.free == 0] or days
        names = "、".join(str(WEEKDAY_NAMES[d]) for d in full)
        msg = _("No places are left on %(days)s. Choose other days or another offering.") % {"days": names}
        raise Conflict(msg, fields={"weekdays": [msg]}, code=ErrorCode.FULL) from None
    except IntegrityError:
        # The key, or the child's one active application on the offering, is taken: a repeat,
        # a racing twin or a second submit. The places this one took were rolled back.
        raise Conflict(_("You have already applied for this child to this offering. See its state under My applications."),
                       code=ErrorCode.DUPLICATE) from None
    app.created_now = True
    app.seat_requests = sorted(seats, key=lambda s: s.weekday)
    return app


def _days_locked(day_rows: list[OfferingDay]) -> None:
    """Lock the chosen days in weekday order (concurrent submits queue and never deadlock) and
    refuse if one of them is full in its newest version."""
    locked = OfferingDay.objects.select_for_update(no_key=True).filter(
        pk__in=[d.pk for d in day_rows]).order_by("weekday")
    full = [d.weekday for d in locked if d.free == 0]
    if full:
        raise _Full(full)


def _places_take(day_rows: list[OfferingDay]) -> None:
    """One place on each chosen day, in one statement and as the transaction's last one, so the
    days' rows — which every submit to the offering queues on — are held only from here to
    COMMIT. The rows are locked in weekday order by the subquery (no deadlock between submits
    choosing different days) and updated in their newest version; a day already full breaks the
    model's ``as_never_oversold`` constraint, and the whole submit is refused (``_Full``)."""
    ids = [d.pk for d in day_rows]
    in_order = (OfferingDay.objects.select_for_update(no_key=True).filter(pk__in=ids)
                .order_by("weekday").values("pk")[:len(ids)])
    try:
        OfferingDay.objects.filter(pk__in=in_order).update(taken=F("taken") + 1)
    except IntegrityError:
        raise _Full([]) from None


def child_lock(*, student_id: int) -> None:
    """Hold the child's row until the transaction ends. Every write that gives a child a place
    (a submit, a promotion from the waiting list) takes this lock before it checks the child's
    other places at overlapping hours (``overlapping_seats``), so two such writes for one child
    run one after the other and the second sees the first's seats. ``FOR NO KEY UPDATE``: the
    rows that refer to the child (applications) may still be inserted meanwhile."""
    list(Person.objects.select_for_update(no_key=True).filter(pk=student_id).values_list("pk", flat=True))


def overlapping_seats(*, student, offering: Offering, weekdays: list[int]):
    """The one home of the rule "one child cannot hold two offerings at overlapping times": the
    child's seats (``student``: an id or ``OuterRef``) in another active application of the same
    term whose hours overlap ``offering``'s on one of ``weekdays``, closed seats left out. The
    submit refuses on them (``_clashing_seats``), a promotion passes the child over on the held
    ones; both with the child's row locked (``child_lock``)."""
    return (SeatRequest.objects
            .filter(application__student_id=student, application__state__in=ACTIVE_STATES,
                    application__offering__term_id=offering.term_id, weekday__in=weekdays,
                    application__offering__start_time__lt=offering.end_time,
                    application__offering__end_time__gt=offering.start_time)
            .exclude(application__offering_id=offering.pk)
            .exclude(state__in=[SeatState.DECLINED, SeatState.EXPIRED, SeatState.WITHDRAWN, SeatState.SUPERSEDED]))


def _clashing_seats(*, student, offering: Offering, weekdays: list[int], rank: int):
    """What refuses a submit: ``overlapping_seats``, except that two lottery applications with
    different choice ranks are alternatives, not a clash: the lottery admits the child to the
    better-ranked one first and drops the other's overlapping days."""
    qs = overlapping_seats(student=student, offering=offering, weekdays=weekdays)
    if offering.allocation == Allocation.LOTTERY:
        qs = qs.exclude(Q(state=SeatState.PENDING) & Q(application__offering__allocation=Allocation.LOTTERY)
                        & ~Q(application__rank=rank))
    return qs


def overlapping_application(*, student_id: int, offering: Offering, weekdays: list[int],
                            rank: int) -> str | None:
    """Why the child cannot also take ``offering`` on ``weekdays`` (None when nothing clashes).
    The submit asks only when its applicant query found a clash, so the message costs a read
    only on the refusal."""
    clashing = list(_clashing_seats(student=student_id, offering=offering, weekdays=weekdays, rank=rank)
                    .select_related("application__offering").order_by("weekday"))
    if not clashing:
        return None
    other = clashing[0].application.offering
    return _(
        "This child already has %(offering)s on %(days)s from %(start)s to %(end)s, at the same time. "
        "Choose other days, or withdraw that application first."
    ) % {"offering": other.title, "days": "、".join(str(WEEKDAY_NAMES[s.weekday]) for s in clashing),
         "start": other.start_time.strftime("%H:%M"), "end": other.end_time.strftime("%H:%M")}


def _asked(student_id, offering_id, weekdays, rank) -> tuple:
    """What a submit asked for, comparable with what an earlier one under the same key asked."""
    try:
        days = tuple(sorted({int(d) for d in weekdays}))
    except (TypeError, ValueError):
        days = ("invalid",)
    return (str(student_id), str(offering_id), days, rank)


def _answer_refused(refusal: DomainError, *, key, guardian_user, student_id, offering_id, weekdays,
                    rank) -> Application:
    """A refused submit: the application this key already made (a repeat or a twin that won)
    is the answer — when it asked for the same; a key reused for another request is refused
    (422, as the IETF Idempotency-Key draft says). A "full" offering the child already applied
    to is a duplicate; else the refusal stands."""
    existing = Application.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.submitted_by_id != guardian_user.pk:
            raise Conflict(_("This request key was already used. Reload the page and submit again.")) from None
        first = _asked(existing.student_id, existing.offering_id,
                       existing.seats.values_list("weekday", flat=True), existing.rank)
        if first != _asked(student_id, offering_id, weekdays, rank):
            msg = _("This request key was already used for a different request. "
                    "Reload the page and submit again.")
            raise ValidationFailed(msg, fields={"idempotency_key": [msg]}) from None
        existing.created_now = False
        return existing
    if refusal.code == ErrorCode.FULL and Application.objects.filter(
            student_id=student_id, offering_id=offering_id, state__in=ACTIVE_STATES).exists():
        raise Conflict(_("You have already applied for this child to this offering. See its state under My applications."),
                       code=ErrorCode.DUPLICATE) from None
    raise refusal


def _weekdays(weekdays, offering: Offering) -> list[int] | None:
    try:
        days = sorted({int(d) for d in weekdays})
    except (TypeError, ValueError):
        return None
    if not days or any(d not in offering.weekdays for d in days):
        return None
    return days


def _new_application(*, guardian_user, applicant: Applicant, offering: Offering, window_id: int, key, rank,
                     first_come: bool) -> Application:
    waiver = waiver_percent_for(category=applicant.family_category, term=offering.term)
    return Application(
        reference=new_reference(), student_id=applicant.student_id, guardian_id=applicant.guardian_id,
        submitted_by=guardian_user, offering=offering, window_id=window_id, school_id=applicant.school_id,
        grade_level=applicant.grade_level, dual_working=applicant.dual_working, rank=rank,
        state=ApplicationState.ADMITTED if first_come else ApplicationState.SUBMITTED, idempotency_key=key,
        waiver_percent=waiver, fee_due=fee_after_waiver(fee=offering.fee, waiver=waiver))


def _summarise(app: Application) -> None:
    states = set(app.seats.values_list("state", flat=True))
    if "offered" in states:
        new = ApplicationState.OFFERED
    elif "admitted" in states:
        new = ApplicationState.ACCEPTED if app.state in ("offered", "accepted") else ApplicationState.ADMITTED
    elif "waitlisted" in states:
        new = ApplicationState.WAITLISTED
    elif "pending" in states:
        new = ApplicationState.SUBMITTED
    elif states <= {"withdrawn", "superseded"}:
        new = ApplicationState.WITHDRAWN
    else:
        new = ApplicationState.DECLINED
    if new != app.state:
        app.state = new
        app.save(update_fields=["state", "updated_at"])


def waitlist_promote(*, day_id: int, now: datetime | None = None) -> list[SeatRequest]:
    """Places were added on ``day_id`` (an offering's places raised): offer them to those waiting,
    with the accept-by days of their window."""
    now = now or timezone.now()
    first = (SeatRequest.objects.filter(day_id=day_id, state=SeatState.WAITLISTED)
             .select_related("application__window").order_by("waitlist_position").first())
    if first is None:
        return []
    with transaction.atomic():
        return _release_and_promote(day_id=day_id, now=now, accept_days=first.application.window.accept_days,
                                    released=0)


def _release_and_promote(*, day_id: int, now: datetime, accept_days: int, released: int = 1) -> list[SeatRequest]:
    """A place on ``day_id`` came free: offer it to the next on the waiting list (day row locked).

    A child who already holds a place (admitted or offered) at overlapping hours on that day is
    passed over — they keep their position, and the place goes to the next — so a promotion
    never gives one child two offerings at the same time. The check runs with the child's row
    locked (``child_lock``): two places freed at once on overlapping offerings cannot both be
    offered to the same child."""
    day = OfferingDay.objects.select_for_update().get(pk=day_id)
    day.taken = max(0, day.taken - released)
    offered, passed = [], []
    while day.taken < day.capacity:
        nxt = (SeatRequest.objects.select_for_update().filter(day=day, state=SeatState.WAITLISTED)
               .exclude(pk__in=passed)
               .order_by("waitlist_position").select_related("application__student", "application__offering").first())
        if nxt is None:
            break
        child_lock(student_id=nxt.application.student_id)
        if overlapping_seats(student=nxt.application.student_id, offering=nxt.application.offering,
                             weekdays=[nxt.weekday]).filter(state__in=HOLDING_SEAT).exists():
            passed.append(nxt.pk)
            audit_record(event_type="after_school.offer_passed_over", target=nxt.application,
                         new={"weekday": nxt.weekday, "reason": "overlapping_place_held"})
            continue
        nxt.state = SeatState.OFFERED
        nxt.offered_until = now + timedelta(days=accept_days)
        nxt.waitlist_position = None
        nxt.save(update_fields=["state", "offered_until", "waitlist_position"])
        day.taken += 1
        offered.append(nxt)
    day.save(update_fields=["taken"])
    for seat in offered:
        _summarise(seat.application)
        audit_record(event_type="after_school.offer", target=seat.application,
                     new={"weekday": seat.weekday, "offered_until": seat.offered_until.isoformat()})
        notices.send(
            recipients=guardian_users_of(student_id=seat.application.student_id),
            template="after_school.offer",
            context={"offering": seat.application.offering, "student": seat.application.student,
                     "deadline": timezone.localtime(seat.offered_until).strftime("%Y-%m-%d %H:%M")},
            dedupe_key=f"after_school.offer:{seat.pk}:{seat.offered_until.isoformat()}",
        )
    return offered


@scoped_gate(model="after_school.application", id_arg="application_id", user_arg="guardian_user")
def application_get_for_guardian(*, guardian_user, application_id: int) -> Application:
    """The access gate: an application of a child in ``guardian_user``'s care, else 404 (the
    refusal audited)."""
    in_care = guardian_relations().filter(person__user=guardian_user).values("relative_id")
    app = Application.objects.filter(pk=application_id, student_id__in=in_care).select_related(
        "window", "offering__term", "offering__host__region").first()
    if app is None:
        raise NotFound()
    return app


def application_withdraw(*, guardian_user, application_id: int, now: datetime | None = None) -> Application:
    """Withdraw an application; each place it held passes to the next on that day's waiting list."""
    now = now or timezone.now()
    app = application_get_for_guardian(guardian_user=guardian_user, application_id=application_id)
    with transaction.atomic():
        seats = list(SeatRequest.objects.select_for_update().filter(application=app).exclude(
            state__in=["withdrawn", "declined", "expired", "superseded"]).order_by("day_id"))
        if not seats:
            raise Conflict(_("This application is already closed."), code=ErrorCode.STATE_CHANGED)
        old = app.state
        for seat in seats:
            held = seat.state in HOLDING_SEAT
            seat.state, seat.waitlist_position, seat.offered_until = SeatState.WITHDRAWN, None, None
            seat.save(update_fields=["state", "waitlist_position", "offered_until"])
            if held:
                _release_and_promote(day_id=seat.day_id, now=now, accept_days=app.window.accept_days)
        _summarise(app)
        audit_record(event_type="after_school.withdraw", actor=guardian_user, target=app,
                     old={"state": old}, new={"state": app.state})
    return app


def offer_respond(*, guardian_user, application_id: int, accept: bool, now: datetime | None = None) -> Application:
    """Accept or decline the places offered from the waiting list (before the deadline)."""
    now = now or timezone.now()
    app = application_get_for_guardian(guardian_user=guardian_user, application_id=application_id)
    with transaction.atomic():
        seats = list(SeatRequest.objects.select_for_update().filter(application=app, state=SeatState.OFFERED))
        live = [s for s in seats if s.offered_until and s.offered_until > now]
        if not live:
            raise Conflict(_("There is no open offer on this application, or its deadline has passed."),
                           code=ErrorCode.STATE_CHANGED)
        for seat in live:
            seat.state = SeatState.ADMITTED if accept else SeatState.DECLINED
            seat.offered_until = None
            seat.save(update_fields=["state", "offered_until"])
            if not accept:
                _release_and_promote(day_id=seat.day_id, now=now, accept_days=app.window.accept_days)
        _summarise(app)
        audit_record(event_type="after_school.offer_" + ("accept" if accept else "decline"),
                     actor=guardian_user, target=app, new={"state": app.state})
    return app


def offers_expire(*, now: datetime | None = None) -> int:
    """Periodic: offers past their deadline lapse and pass to the next on the waiting list."""
    now = now or timezone.now()
    count = 0
    for seat_id in list(SeatRequest.objects.filter(state=SeatState.OFFERED, offered_until__lte=now)
                        .values_list("pk", flat=True)[:5000]):
        with transaction.atomic():
            seat = SeatRequest.objects.select_for_update().select_related("application__window").filter(
                pk=seat_id, state=SeatState.OFFERED).first()
            if seat is None:
                continue
            seat.state, seat.offered_until = SeatState.EXPIRED, None
            seat.save(update_fields=["state", "offered_until"])
            _release_and_promote(day_id=seat.day_id, now=now, accept_days=seat.application.window.accept_days)
            _summarise(seat.application)
            audit_record(event_type="after_school.offer_expire", target=seat.application,
                         new={"weekday": seat.weekday})
            count += 1
    return count
