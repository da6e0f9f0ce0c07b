"""Writes of the after-school program: offerings, windows, applications, seats, the lottery,
waitlist promotion, attendance and pick-up. Views, the API and tasks call these."""

import functools
import re
import secrets
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import monotonic as time_monotonic
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core import prepared
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, NotFound, ValidationFailed
from minsheng.identity.models import Person, PersonRelation

from . import integrations, submit_pg
from .models import (
    WEEKDAY_NAMES,
    Activity,
    Allocation,
    Application,
    ApplicationState,
    ApplicationWindow,
    Attendance,
    AttendanceStatus,
    FeeWaiverRule,
    Offering,
    OfferingDay,
    OfferingKind,
    PickUp,
    SeatRequest,
    SeatState,
    Session,
    SessionState,
    Teacher,
    Term,
)

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _setting(name: str, default):
    return getattr(settings, name, default)


def workday_end() -> time:
    """The local end of the working day; weekday care must not end before it."""
    return _setting("AFTER_SCHOOL_WORKDAY_END", time(17, 30))


# --- offerings and windows -------------------------------------------------
def offering_validate(*, kind, activity, weekdays, start_time, end_time, grade_min, grade_max,
                      capacity, fee) -> list[int]:
    """Check an offering against the 5+2 rules; returns the cleaned weekdays."""
    errors: dict[str, list[str]] = {}
    try:
        days = sorted({int(d) for d in weekdays})
    except (TypeError, ValueError):
        days = []
    if not days or any(d < 0 or d > 6 for d in days):
        errors["weekdays"] = [_("Choose at least one day of the week.")]
    elif kind == OfferingKind.WEEKDAY and any(d > 4 for d in days):
        errors["weekdays"] = [_("Weekday care runs Monday to Friday only.")]
    elif kind == OfferingKind.WEEKEND and any(d < 5 for d in days):
        errors["weekdays"] = [_("Weekend care runs on Saturday or Sunday only.")]
    if start_time >= end_time:
        errors["end_time"] = [_("The end time must be after the start time.")]
    elif kind == OfferingKind.WEEKDAY:
        minutes = (end_time.hour * 60 + end_time.minute) - (start_time.hour * 60 + start_time.minute)
        if minutes < _setting("AFTER_SCHOOL_MIN_MINUTES", 120):
            errors["end_time"] = [_("Weekday care must last at least two hours a day.")]
        elif end_time < workday_end():
            errors["end_time"] = [
                _("Weekday care must not end before %(time)s, the end of the working day.")
                % {"time": workday_end().strftime("%H:%M")}
            ]
        elif grade_min >= 7 and end_time > time(20, 30):
            errors["end_time"] = [_("Evening study for junior secondary must end by 20:30.")]
    if kind == OfferingKind.HOLIDAY and activity != Activity.SUPERVISION:
        errors["activity"] = [_("Holiday care is supervision only: no group lessons or new teaching.")]
    if not (1 <= grade_min <= grade_max <= 9):
        errors["grade_max"] = [_("Grades run from 1 to 9, and the lowest may not exceed the highest.")]
    if capacity is None or capacity < 1:
        errors["capacity"] = [_("Give at least one place per day.")]
    if fee is None or fee < 0:
        errors["fee"] = [_("The fee cannot be negative.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return days


@transaction.atomic
def offering_create(*, actor, term: Term, title: str, kind: str, activity: str, host,
                    school=None, weekdays, start_time: time, end_time: time, capacity: int,
                    grade_min: int = 1, grade_max: int = 9, fee: Decimal = Decimal("0"),
                    fee_basis: str = "term", allocation: str = Allocation.FIRST_COME,
                    teachers=()) -> Offering:
    days = offering_validate(
        kind=kind, activity=activity, weekdays=weekdays, start_time=start_time, end_time=end_time,
        grade_min=grade_min, grade_max=grade_max, capacity=capacity, fee=fee,
    )
    if not title.strip():
        raise ValidationFailed.for_field("title", _("Give the offering a title."))
    offering = Offering.objects.create(
        term=term, title=title.strip()[:100], kind=kind, activity=activity, host=host,
        school=school, region=(school or host).region, weekdays=days, start_time=start_time,
        end_time=end_time, capacity=capacity, grade_min=grade_min, grade_max=grade_max, fee=fee,
        fee_basis=fee_basis, allocation=allocation,
        supervision_only=kind == OfferingKind.HOLIDAY or activity == Activity.SUPERVISION,
    )
    OfferingDay.objects.bulk_create(
        [OfferingDay(offering=offering, weekday=d, capacity=capacity) for d in days]
    )
    if teachers:
        offering.teachers.set(teachers)
    hot_cache_clear()
    audit_record(event_type="after_school.offering_create", actor=actor, target=offering,
                 new={"capacity": capacity, "weekdays": days, "allocation": allocation})
    return offering


@transaction.atomic
def window_create(*, actor, term: Term, opens_at: datetime, closes_at: datetime, school=None,
                  region=None, accept_days: int = 3, lower_grades_first: bool = True,
                  dual_working_first: bool = True, keep_siblings_together: bool = True,
                  seed: str | None = None) -> ApplicationWindow:
    """Open an application window; its lottery seed is committed (hash published) now."""
    if closes_at <= opens_at:
        raise ValidationFailed.for_field("closes_at", _("The window must close after it opens."))
    if school is None and region is None:
        raise ValidationFailed.for_field("region", _("Choose a school or a region for the window."))
    window = ApplicationWindow.objects.create(
        term=term, school=school, region=region or school.region, opens_at=opens_at,
        closes_at=closes_at, accept_days=accept_days, lower_grades_first=lower_grades_first,
        dual_working_first=dual_working_first, keep_siblings_together=keep_siblings_together,
    )
    from minsheng.core.draws.services import draw_commit

    draw, _seed = draw_commit(
        purpose=f"after-school lottery: {term} / {school or window.region}",
        key=f"after-school-window-{window.pk}", seed=seed, actor=actor,
    )
    window.draw_id, window.seed_hash, window.lottery_state = draw.pk, draw.seed_hash, "committed"
    window.save(update_fields=["draw_id", "seed_hash", "lottery_state"])
    hot_cache_clear()
    audit_record(event_type="after_school.window_create", actor=actor, target=window,
                 new={"opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
                      "seed_hash": draw.seed_hash})
    return window


# --- applications -------------------------------------------------------------
def _reference() -> str:
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


# --- the enrolment rush: a brief per-process cache of offerings and windows -----------
# Offerings and windows are read by every submit but change rarely; each worker keeps
# them for AFTER_SCHOOL_HOT_CACHE_SECONDS (default 5). Places are never cached: the seat
# is taken by a conditional UPDATE in the database. Window times are compared with the
# clock on every request, so a window still closes on the second.
_HOT: dict = {}


def hot_cache_clear() -> None:
    """Forget cached offerings and windows (services that edit them call this; tests too)."""
    _HOT.clear()


def _hot(key, loader):
    ttl = _setting("AFTER_SCHOOL_HOT_CACHE_SECONDS", 5)
    if ttl <= 0:
        return loader()
    now = time_monotonic()
    hit = _HOT.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = loader()
    if len(_HOT) > 20000:
        _HOT.clear()
    _HOT[key] = (now + ttl, value)
    return value


def _day_ids(offering: Offering) -> dict[int, int]:
    """{weekday: OfferingDay id} (ids never change)."""
    ids = getattr(offering, "_day_ids", None)
    if ids is None:
        ids = dict(OfferingDay.objects.filter(offering=offering).values_list("weekday", "pk"))
        offering._day_ids = ids
    return ids


def _offering_hot(offering_id: int) -> Offering:
    def load():
        offering = Offering.objects.select_related("term", "region").filter(pk=offering_id).first()
        if offering is not None:
            _day_ids(offering)
        return offering

    offering = _hot(("offering", offering_id), load)
    if offering is None:
        raise NotFound()
    return offering


def _windows_of(term_id: int, *, cached: bool) -> list[ApplicationWindow]:
    def load():
        return list(ApplicationWindow.objects.filter(term_id=term_id).select_related("region"))

    return _hot(("windows", term_id), load) if cached else load()


def _window_for(*, offering: Offering, school_id: int, school_prefix: str, now: datetime,
                cached: bool) -> ApplicationWindow | None:
    """The open window for students of ``school_id`` applying to ``offering``, or None."""
    for w in _windows_of(offering.term_id, cached=cached):
        if (w.school_id in (None, school_id) and (w.school_id or school_prefix.startswith(w.region.prefix))
                and w.opens_at <= now < w.closes_at):
            return w
    return None


def _open_window(*, offering: Offering, school_id: int, school_prefix: str, now: datetime,
                 cached: bool = False) -> ApplicationWindow:
    window = _window_for(offering=offering, school_id=school_id, school_prefix=school_prefix, now=now,
                         cached=cached)
    if window is not None:
        return window
    windows = [
        w for w in _windows_of(offering.term_id, cached=cached)
        if (w.school_id in (None, school_id))
        and (w.school_id or school_prefix.startswith(w.region.prefix))
    ]
    upcoming = sorted((w for w in windows if w.opens_at > now), key=lambda w: w.opens_at)
    if upcoming:
        msg = _("Applications open at %(time)s. Please come back then.") % {
            "time": timezone.localtime(upcoming[0].opens_at).strftime("%Y-%m-%d %H:%M")}
    else:
        msg = _("Applications for this offering are closed. Contact the school if your child still needs a place.")
    raise ValidationFailed(msg, fields={"offering": [msg]})


@functools.cache
def _applicant_sql() -> str:
    from minsheng.access.models import Organisation
    from minsheng.regions.models import Region

    from .models import Enrolment

    person, relation = Person._meta.db_table, PersonRelation._meta.db_table
    enrolment, org, region = Enrolment._meta.db_table, Organisation._meta.db_table, Region._meta.db_table
    return (
        f"SELECT (SELECT r.person_id FROM {relation} r JOIN {person} g ON g.id = r.person_id "  # noqa: S608
        f"WHERE g.user_id = %s AND r.relative_id = s.id AND r.kind = 'guardian' "
        f"AND (r.valid_from IS NULL OR r.valid_from <= %s) AND (r.valid_to IS NULL OR r.valid_to >= %s) "
        f"ORDER BY r.id LIMIT 1), "
        f"e.id, e.school_id, e.grade_level, e.family_category, e.dual_working, rg.prefix "
        f"FROM {person} s LEFT JOIN {enrolment} e ON e.student_id = s.id AND e.school_year = %s "
        f"LEFT JOIN {org} o ON o.id = e.school_id LEFT JOIN {region} rg ON rg.code = o.region_id "
        f"WHERE s.id = %s"
    )


def _applicant(*, guardian_user, student_id: int, school_year: int):
    """One query: (guardian person id or None, enrolment id, school id, grade, family category,
    dual-working, school region prefix — None when not enrolled that year) for the child, or None
    when there is no such person. Written in SQL: it runs on every submit of the rush, and the
    ORM's FilteredRelation + Subquery cost more CPU to build than the query costs to run."""
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(_applicant_sql(),
                    [guardian_user.pk, today, today, school_year, student_id])
        row = cur.fetchone()
    if row is None:
        return None
    return (*row[:5], None if row[5] is None else bool(row[5]), row[6])


def _eligibility_error(*, offering: Offering, school_id, grade_level, prefix) -> str | None:
    if school_id is None:
        return _("This child is not on a school roll for this school year. Ask the school to add the child.")
    if offering.school_id and offering.school_id != school_id:
        return _("This offering is for students of another school. Choose an offering of your child's school.")
    if not offering.school_id and not (prefix or "").startswith(offering.region.prefix):
        return _("This offering is for students of another area. Choose an offering near your child's school.")
    if not (offering.grade_min <= grade_level <= offering.grade_max):
        return _("This offering is not for your child's grade. Choose an offering for grade %(grade)s.") % {
            "grade": grade_level}
    if not offering.is_published:
        return _("This offering is not open for applications.")
    return None


class _Asked(NamedTuple):
    """What a submit asked for: a repeat of its key must ask for the same."""

    student_id: int
    offering_id: int
    weekdays: tuple
    rank: object


def _asked_days(weekdays) -> tuple:
    try:
        return tuple(sorted({int(d) for d in weekdays}))
    except (TypeError, ValueError):
        return ("invalid",)


def _existing_for_key(*, key: str, guardian_user, asked: _Asked,
                      app: Application | None = None) -> Application | None:
    """The application this key already made (``app`` when read already), if it was the caller's
    and asked for the same. A key reused for another request is refused with 422, as the IETF
    Idempotency-Key draft says, rather than answered with the first request's result."""
    app = app or Application.objects.filter(idempotency_key=key).first()
    if app is None:
        return None
    if app.submitted_by_id != guardian_user.pk:
        raise Conflict(_("This request key was already used. Reload the page and submit again."))
    first = _Asked(app.student_id, app.offering_id,
                   tuple(sorted(set(app.seats.values_list("weekday", flat=True)))), app.rank)
    if first != asked:
        msg = _("This request key was already used for a different request. "
                "Reload the page and submit again.")
        raise ValidationFailed(msg, fields={"idempotency_key": [msg]})
    return app


def _take_places(*, day_ids: list[int]) -> set[int]:
    """Take one place on each day row that has one left; returns the weekdays taken.

    One statement: on PostgreSQL the rows are locked in weekday order (no deadlocks)
    and incremented only where ``taken < capacity``; on SQLite the IMMEDIATE
    transaction already serialises writers.
    """
    table = OfferingDay._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"UPDATE {table} AS d SET taken = d.taken + 1 "  # noqa: S608 - table name from the model
                f"FROM (SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY weekday FOR NO KEY UPDATE) AS l "
                "WHERE d.id = l.id AND d.taken < d.capacity RETURNING d.weekday",
                [list(day_ids)],
            )
        else:
            marks = ",".join(["%s"] * len(day_ids))
            cur.execute(
                f"UPDATE {table} SET taken = taken + 1 "  # noqa: S608 - table name from the model
                f"WHERE id IN ({marks}) AND taken < capacity RETURNING weekday",
                list(day_ids),
            )
        return {r[0] for r in cur.fetchall()}


def application_submit(*, guardian_user, student: Person, offering: Offering, weekdays,
                       rank: int = 1, idempotency_key: str, now: datetime | None = None) -> Application:
    """Apply for ``student`` to ``offering`` on ``weekdays`` (0 = Monday).

    Safe to repeat: the same ``idempotency_key`` returns the same application.
    First-come offerings take the places now, per day, with one conditional UPDATE,
    and refuse when any chosen day is full; lottery offerings wait for the draw.
    """
    return _submit(guardian_user=guardian_user, student_id=student.pk, offering=offering, weekdays=weekdays,
                   rank=rank, idempotency_key=idempotency_key, now=now, cached=False)


def application_apply(*, guardian_user, student_id: int, offering_id: int, weekdays, rank: int = 1,
                      idempotency_key: str, now: datetime | None = None) -> Application:
    """The rush path (API and page): like ``application_submit`` but by ids, with the offering
    and its windows read from a brief per-process cache. Unknown student or offering: 404."""
    try:
        student_id, offering_id = int(student_id), int(offering_id)
    except (TypeError, ValueError):
        raise NotFound() from None
    offering = _offering_hot(offering_id)
    return _submit(guardian_user=guardian_user, student_id=student_id, offering=offering, weekdays=weekdays,
                   rank=rank, idempotency_key=idempotency_key, now=now, cached=True)


def _refuse(exc: Exception, *, key: str, guardian_user, asked: _Asked) -> Application:
    """A repeat of an acknowledged submit gets its application even if it would now be refused."""
    existing = _existing_for_key(key=key, guardian_user=guardian_user, asked=asked)
    if existing is not None:
        return existing
    raise exc


def _weekdays(weekdays, offering: Offering) -> list[int] | None:
    try:
        days = sorted({int(d) for d in weekdays})
    except (TypeError, ValueError):
        return None
    if not days or any(d not in offering.weekdays for d in days):
        return None
    return days


def _school_prefix(offering: Offering, *, cached: bool) -> str:
    """The region prefix of the offering's school (for city-wide windows)."""
    from minsheng.access.models import Organisation

    def load():
        return Organisation.objects.filter(pk=offering.school_id).values_list("region__prefix", flat=True).first() or ""

    return _hot(("school_prefix", offering.school_id), load) if cached else load()


def _submit(*, guardian_user, student_id: int, offering: Offering, weekdays, rank, idempotency_key,
            now, cached: bool) -> Application:
    now = now or timezone.now()
    key = str(idempotency_key or "")
    if not IDEMPOTENCY_KEY.match(key):
        raise ValidationFailed.for_field(
            "idempotency_key", _("The request key is missing or malformed. Reload the page and submit again."))
    days = _weekdays(weekdays, offering)
    asked = _Asked(student_id, offering.pk, _asked_days(weekdays), rank)
    rank_ok = isinstance(rank, int) and 1 <= rank <= 10
    first_come = offering.allocation == Allocation.FIRST_COME
    postgresql = connection.vendor == "postgresql"
    # The rush: when Python alone can tell the request is well formed and the offering open for
    # its school, read the applicant and write in one statement (see submit_pg). Anything it
    # refuses is answered below from the row it read, in the usual order of checks.
    window = None
    if postgresql and days and rank_ok and offering.school_id and offering.is_published:
        window = _window_for(offering=offering, school_id=offering.school_id, now=now, cached=cached,
                             school_prefix=_school_prefix(offering, cached=cached))
    app = seats = prior = None
    full: list[int] = []
    if window is not None:
        app, seats, event = _new_application(
            guardian_user=guardian_user, student_id=student_id, offering=offering, window=window,
            school_id=offering.school_id, guardian_id=None, grade_level=None, dual_working=False, waiver=0,
            days=days, key=key, first_come=first_come, rank=rank)
        today = timezone.localdate()
        read = {"user": guardian_user.pk, "today": today, "school_year": offering.term.school_year,
                "student": student_id, "school": offering.school_id, "grade_min": offering.grade_min,
                "grade_max": offering.grade_max}
        try:
            written = submit_pg.write(app=app, seats=seats, event=event, take_places=first_come, read=read)
        except IntegrityError:
            return _twin_answer(key=key, guardian_user=guardian_user, asked=asked)
        if app.pk is not None:
            return _answer(app, seats)
        row, full, prior = written.applicant, written.full, written.prior
    else:
        row = _applicant(guardian_user=guardian_user, student_id=student_id, school_year=offering.term.school_year)
    if row is None:
        return _refuse(NotFound(), key=key, guardian_user=guardian_user, asked=asked)
    guardian_id, enrolment_id, school_id, grade_level, category, dual_working, prefix = row
    if guardian_id is None:
        return _refuse(NotAllowed(_(
            "You can apply only for a child in your care. Ask the school to record you as the child's guardian.")),
            key=key, guardian_user=guardian_user, asked=asked)
    if not days:
        raise ValidationFailed.for_field(
            "weekdays", _("Choose one or more of the days on which this offering runs."))
    if not rank_ok:
        raise ValidationFailed.for_field("rank", _("The choice rank must be a number from 1 to 10."))
    msg = _eligibility_error(offering=offering, school_id=school_id, grade_level=grade_level, prefix=prefix)
    if msg:
        return _refuse(ValidationFailed(msg, fields={"offering": [msg]}), key=key, guardian_user=guardian_user, asked=asked)
    try:
        window = _open_window(offering=offering, school_id=school_id, school_prefix=prefix or "", now=now,
                              cached=cached)
    except ValidationFailed as exc:
        return _refuse(exc, key=key, guardian_user=guardian_user, asked=asked)
    if full:
        return _full_answer(full, key=key, guardian_user=guardian_user, student_id=student_id, offering=offering, asked=asked,
                            prior=prior)
    waiver = waiver_percent_for(category=category, term=offering.term)
    app, seats, event = _new_application(
        guardian_user=guardian_user, student_id=student_id, offering=offering, window=window, school_id=school_id,
        guardian_id=guardian_id, grade_level=grade_level, dual_working=dual_working, waiver=waiver, days=days,
        key=key, first_come=first_come, rank=rank, app=app)
    try:
        if postgresql:
            written = submit_pg.write(app=app, seats=seats, event=event, take_places=first_come)
            full, prior = written.full, written.prior
        else:
            full = _write_orm(app=app, seats=seats, first_come=first_come, guardian_user=guardian_user)
    except IntegrityError:
        return _twin_answer(key=key, guardian_user=guardian_user, asked=asked)
    if full:
        return _full_answer(full, key=key, guardian_user=guardian_user, student_id=student_id, offering=offering, asked=asked,
                            prior=prior)
    return _answer(app, seats)


def _new_application(*, guardian_user, student_id, offering, window, school_id, guardian_id, grade_level,
                     dual_working, waiver, days, key, first_come, rank, app=None):
    """The unsaved application, its seat requests and (for PostgreSQL) its audit row."""
    state = ApplicationState.ADMITTED if first_come else ApplicationState.SUBMITTED
    if app is None:
        app = Application(
            reference=_reference(), student_id=student_id, submitted_by=guardian_user, offering=offering,
            window=window, idempotency_key=key, rank=rank, state=state)
    app.guardian_id, app.window, app.school_id = guardian_id, window, school_id
    app.grade_level, app.dual_working = grade_level, bool(dual_working)
    app.waiver_percent, app.fee_due = waiver, fee_after_waiver(fee=offering.fee, waiver=waiver)
    all_days = _day_ids(offering)
    seat_state = SeatState.ADMITTED if first_come else SeatState.PENDING
    seats = [SeatRequest(application=app, day_id=all_days[d], weekday=d, state=seat_state) for d in days]
    event = submit_pg.audit_event(
        event_type="after_school.apply", actor=guardian_user, target_type=Application._meta.label_lower,
        target_label=app.reference, new={"offering": offering.pk, "weekdays": days, "state": state})
    return app, seats, event


def _write_orm(*, app, seats, first_come, guardian_user) -> list[int]:
    """The ORM path (SQLite): places, application, seats and audit row in one transaction;
    returns the full weekdays (nothing written) or []."""
    try:
        with transaction.atomic():
            if first_come:
                taken = _take_places(day_ids=[s.day_id for s in seats])
                if len(taken) < len(seats):
                    raise _Full(sorted({s.weekday for s in seats} - taken))
            app.save(force_insert=True)
            SeatRequest.objects.bulk_create(seats)
            audit_record(event_type="after_school.apply", actor=guardian_user, target=app,
                         new={"offering": app.offering_id, "weekdays": [s.weekday for s in seats],
                              "state": app.state})
    except _Full as exc:
        return exc.weekdays
    return []


_FULL_ANSWER_SQL = submit_pg.prior_sql()


def _full_answer(full: list[int], *, key, guardian_user, student_id, offering, asked: _Asked,
                 prior: list[tuple[int, str]] | None = None) -> Application:
    """Nothing was written. A repeat of an acknowledged submit still gets its application.
    One read, in a statement of its own (a twin that committed while this one waited for the
    places is seen): this request's key (a repeat) or the child's active application (a
    duplicate). Most refusals of a rush are "full", so the read is plain SQL returning two
    columns, prepared like the submit on PostgreSQL (core.prepared: no planning, and no
    second round trip for the connection check of a request's first Django cursor); the
    application is loaded only for a repeat. ``prior``: the same read, made by the submit
    statement itself when it could (submit_pg.Written.prior)."""
    found = prior if prior is not None else _full_answer_read(key=key, student_id=student_id, offering=offering)
    repeat = next((pk for pk, found_key in found if found_key == key), None)
    if repeat is not None:
        return _existing_for_key(key=key, guardian_user=guardian_user, asked=asked,
                                 app=Application.objects.get(pk=repeat))
    if found:
        raise Conflict(_("You have already applied for this child to this offering. See its state under My applications."),
                       code=ErrorCode.DUPLICATE)
    names = "、".join(str(WEEKDAY_NAMES[d]) for d in full)
    msg = _("No places are left on %(days)s. Choose other days or another offering.") % {"days": names}
    raise Conflict(msg, fields={"weekdays": [msg]}, code=ErrorCode.FULL)


def _full_answer_read(*, key, student_id, offering) -> list[tuple[int, str]]:
    params = {"key": key, "student": student_id, "offering": offering.pk}
    if prepared.available():
        with prepared.execute(_FULL_ANSWER_SQL, params) as cur:
            return cur.fetchall()
    with connection.cursor() as cur:
        cur.execute(_FULL_ANSWER_SQL, params)
        return cur.fetchall()


def _twin_answer(*, key, guardian_user, asked: _Asked) -> Application:
    """A repeat or a concurrent twin (double-click) won: return its application. The places this
    request took were rolled back with its failed insert."""
    existing = _existing_for_key(key=key, guardian_user=guardian_user, asked=asked)
    if existing is not None:
        return existing
    raise Conflict(_("You have already applied for this child to this offering. See its state under My applications."),
                   code=ErrorCode.DUPLICATE) from None


def _answer(app: Application, seats: list[SeatRequest]) -> Application:
    # The answer lists the seats without another query.
    qs = app.seats.all()
    qs._result_cache, qs._prefetch_done = seats, True
    app._prefetched_objects_cache = {"seats": qs}
    app.created_now = True
    return app


class _Full(Exception):
    def __init__(self, weekdays):
        super().__init__(weekdays)
        self.weekdays = weekdays


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
    elif states <= {"withdrawn"}:
        new = ApplicationState.WITHDRAWN
    else:
        new = ApplicationState.DECLINED
    if new != app.state:
        app.state = new
        app.save(update_fields=["state", "updated_at"])


def _release_and_promote(*, day_id: int, now: datetime, accept_days: int) -> list[SeatRequest]:
    """A place on ``day_id`` came free: offer it to the next on the waiting list (day row locked)."""
    day = OfferingDay.objects.select_for_update().get(pk=day_id)
    day.taken = max(0, day.taken - 1)
    offered = []
    while day.taken < day.capacity:
        nxt = (SeatRequest.objects.select_for_update().filter(day=day, state=SeatState.WAITLISTED)
               .order_by("waitlist_position").select_related("application__student", "application__offering").first())
        if nxt is None:
            break
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
        integrations.notify(
            recipients=integrations.guardian_users_of(seat.application.student_id),
            template="after_school.offer",
            context={"offering": seat.application.offering, "student": seat.application.student,
                     "deadline": timezone.localtime(seat.offered_until).strftime("%Y-%m-%d %H:%M")},
            dedupe_key=f"after_school.offer:{seat.pk}:{seat.offered_until.isoformat()}",
        )
    return offered


def application_get_for_guardian(*, guardian_user, application_id: int) -> Application:
    """The access gate: an application of a child in ``guardian_user``'s care, else 404."""
    in_care = [p.pk for p in integrations.persons_in_care_of(user=guardian_user)]
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
            state__in=["withdrawn", "declined", "expired"]).order_by("day_id"))
        if not seats:
            raise Conflict(_("This application is already closed."), code=ErrorCode.STATE_CHANGED)
        old = app.state
        for seat in seats:
            held = seat.state in ("admitted", "offered")
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


# --- daily running ------------------------------------------------------------
def _teacher_for(*, teacher_user, session: Session) -> Teacher:
    teacher = Teacher.objects.filter(person__user=teacher_user, school=session.offering.host_id,
                                     is_active=True).first()
    if teacher is None or not (session.teacher_id == teacher.pk or session.offering.teachers.filter(pk=teacher.pk).exists()):
        raise NotAllowed(_("This session is not one of yours. You can mark only your own sessions."))
    return teacher


def _admitted(*, session: Session, student_id: int) -> bool:
    return SeatRequest.objects.filter(
        application__offering_id=session.offering_id, application__student_id=student_id,
        weekday=session.date.weekday(), state=SeatState.ADMITTED).exists()


def attendance_mark(*, teacher_user, session: Session, student: Person, status: str,
                    now: datetime | None = None) -> Attendance:
    now = now or timezone.now()
    _teacher_for(teacher_user=teacher_user, session=session)
    if status not in AttendanceStatus.values:
        raise ValidationFailed.for_field("status", _("Choose present, absent or on leave."))
    if not _admitted(session=session, student_id=student.pk):
        raise ValidationFailed.for_field("student", _("This child has no place in this session."))
    with transaction.atomic():
        record, created = Attendance.objects.select_for_update().get_or_create(
            session=session, student=student,
            defaults={"status": status, "marked_by": teacher_user, "marked_at": now})
        old = None if created else record.status
        if not created and record.status != status:
            record.status, record.marked_by, record.marked_at = status, teacher_user, now
            record.save(update_fields=["status", "marked_by", "marked_at"])
        if session.state != SessionState.HELD:
            Session.objects.filter(pk=session.pk).update(state=SessionState.HELD)
            session.state = SessionState.HELD
        audit_record(event_type="after_school.attendance", actor=teacher_user, target=session,
                     old={"status": old} if old else None, new={"student": student.pk, "status": status})
        if status == AttendanceStatus.ABSENT and old != status:
            integrations.notify(
                recipients=integrations.guardian_users_of(student.pk), template="after_school.absent",
                context={"student": student.name, "offering": session.offering, "date": session.date},
                dedupe_key=f"after_school.absent:{session.pk}:{student.pk}")
    return record


def session_end(session: Session) -> datetime:
    return timezone.make_aware(datetime.combine(session.date, session.offering.end_time))


def pickup_confirm(*, teacher_user, session: Session, student: Person, collected_by: Person,
                   at: datetime | None = None) -> PickUp:
    """Record who collected the child and when; after the end plus a grace period it is late."""
    at = at or timezone.now()
    _teacher_for(teacher_user=teacher_user, session=session)
    if not _admitted(session=session, student_id=student.pk):
        raise ValidationFailed.for_field("student", _("This child has no place in this session."))
    if not PersonRelation.objects.filter(person=collected_by, relative=student).exists():
        raise ValidationFailed.for_field(
            "collected_by", _("This person is not recorded as the child's guardian or family. Do not hand the child over; call the guardian."))
    grace = timedelta(minutes=_setting("AFTER_SCHOOL_PICKUP_GRACE_MINUTES", 15))
    late = at > session_end(session) + grace
    with transaction.atomic():
        pickup, created = PickUp.objects.update_or_create(
            session=session, student=student,
            defaults={"collected_by": collected_by, "collected_at": at, "late": late, "confirmed_by": teacher_user})
        audit_record(event_type="after_school.pickup", actor=teacher_user, target=session,
                     new={"student": student.pk, "collected_by": collected_by.pk, "late": late})
        if late:
            integrations.notify(
                recipients=integrations.guardian_users_of(student.pk), template="after_school.late_pickup",
                context={"student": student.name, "offering": session.offering,
                         "time": timezone.localtime(at).strftime("%H:%M")},
                dedupe_key=f"after_school.late:{session.pk}:{student.pk}")
    return pickup


def sessions_generate(*, offering: Offering, start: date, end: date, actor=None) -> int:
    """Create the offering's sessions between ``start`` and ``end`` on its days (teachers in turn)."""
    teachers = list(offering.teachers.order_by("pk"))
    have = set(Session.objects.filter(offering=offering, date__range=(start, end)).values_list("date", flat=True))
    new, i, day = [], 0, start
    while day <= end:
        if day.weekday() in offering.weekdays and day not in have:
            new.append(Session(offering=offering, date=day, teacher=teachers[i % len(teachers)] if teachers else None))
            i += 1
        day += timedelta(days=1)
    Session.objects.bulk_create(new, batch_size=2000)
    return len(new)
