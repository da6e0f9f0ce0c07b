"""/api/v1/after_school/ — the same services as the pages.

Submitting is idempotent: send an ``Idempotency-Key`` header (or the
``idempotency_key`` field); a repeat returns the first application (200)
instead of creating a second (201).
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from minsheng.access.selectors import user_has_role
from minsheng.core.errors import NotFound, ValidationFailed
from minsheng.core.schemas import ERROR_RESPONSES

from .apps import MANAGERS, SUPERVISORS
from .selectors import family, teaching
from .selectors import supervision as figures
from .services import applications as applying
from .services import lottery, running, satisfaction

router = Router(tags=["after_school"])


class SeatOut(Schema):
    weekday: int
    state: str
    waitlist_position: int | None
    offered_until: datetime | None


class ApplicationOut(Schema):
    id: int
    reference: str
    student_id: int
    offering_id: int
    rank: int
    state: str
    fee_due: Decimal
    waiver_percent: int
    created_at: datetime
    seats: list[SeatOut]

    @staticmethod
    def resolve_seats(obj):
        # A submit's answer carries the seats it wrote (no second read).
        return obj.seat_requests if hasattr(obj, "seat_requests") else list(obj.seats.all())


class MyApplicationOut(ApplicationOut):
    my_rating: int | None = Field(None, description="the level you gave (5 very satisfied … 1), or null")
    can_rate: bool = Field(False, description="a place is held, the term has begun and you have not rated yet")
    results_pending: bool = Field(False, description="the lottery is drawn; its results are not published yet")


class RatingIn(Schema):
    level: int = Field(..., ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    comment: str = Field("", max_length=2000)


class RatingOut(Schema):
    id: int
    level: int
    comment: str
    follow_up: bool
    created_at: datetime

    @staticmethod
    def resolve_follow_up(obj):
        return obj.follow_up_id is not None


class ApplicationIn(Schema):
    student: int
    offering: int
    weekdays: list[int] = Field(..., min_length=1, max_length=7)
    rank: int = Field(1, ge=1, le=10)
    idempotency_key: str | None = Field(None, max_length=64)


class RespondIn(Schema):
    accept: bool


class DayOut(Schema):
    weekday: int
    capacity: int
    taken: int


class OfferingOut(Schema):
    id: int
    title: str
    kind: str
    activity: str
    host: str
    weekdays: list[int]
    start_time: time
    end_time: time
    grade_min: int
    grade_max: int
    fee: Decimal
    fee_basis: str
    allocation: str
    supervision_only: bool
    days: list[DayOut]

    @staticmethod
    def resolve_host(obj):
        return obj.host.name

    @staticmethod
    def resolve_days(obj):
        return list(obj.days.all())


class ChildOut(Schema):
    id: int
    name: str
    offerings: list[OfferingOut]
    applied: list[int]  # offerings listed above that the child already holds an application for


class SessionOut(Schema):
    id: int
    date: date
    offering_id: int
    title: str
    state: str

    @staticmethod
    def resolve_title(obj):
        return obj.offering.title


class RollOut(Schema):
    student_id: int
    name: str
    status: str
    picked_up: bool
    late: bool
    family: list[dict]


class MarkIn(Schema):
    student: int
    status: str = Field(..., max_length=10)


class PickupIn(Schema):
    student: int
    collected_by: int
    at: datetime | None = None


class MarkOut(Schema):
    student_id: int
    status: str


class PickupOut(Schema):
    student_id: int
    collected_by_id: int
    collected_at: datetime
    late: bool


class WindowOut(Schema):
    id: int
    opens_at: datetime
    closes_at: datetime
    seed_hash: str
    draw_id: int | None
    lottery_state: str
    lottery_done: int
    lottery_total: int
    results_published_at: datetime | None


def _require(request, roles):
    if not (request.user.is_superuser or (request.user.is_staff and user_has_role(user=request.user, roles=roles))):
        raise PermissionDenied


@router.get("/children", response={200: list[ChildOut], **ERROR_RESPONSES})
def children(request):
    """The guardian's children with the offerings each may apply for now."""
    return [{"id": child.pk, "name": child.name, "offerings": offerings,
             "applied": sorted(o.pk for o in offerings if o.pk in held)}
            for child, offerings, held in family.application_page(user=request.user)]


@router.get("/applications", response={200: list[MyApplicationOut], **ERROR_RESPONSES})
def applications(request):
    return family.applications_of(user=request.user)


@router.post("/applications", response={200: ApplicationOut, 201: ApplicationOut, **ERROR_RESPONSES})
def application_create(request, payload: ApplicationIn):
    """Apply for a child; per-day places, first come or lottery. Idempotent by key."""
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    if not key:
        raise ValidationFailed.for_field("idempotency_key", _(
            "Send an Idempotency-Key header or an idempotency_key field, so that a repeated request "
            "is not counted twice."))
    # The service refuses a child not in the caller's care (403); an unknown id is 404.
    app = applying.application_submit(
        guardian_user=request.user, student_id=payload.student, offering_id=payload.offering,
        weekdays=payload.weekdays, rank=payload.rank, idempotency_key=key)
    return Status(201 if app.created_now else 200, app)


@router.post("/applications/{application_id}/withdraw", response={200: ApplicationOut, **ERROR_RESPONSES})
def application_withdraw(request, application_id: int):
    return applying.application_withdraw(guardian_user=request.user, application_id=application_id)


@router.post("/applications/{application_id}/respond", response={200: ApplicationOut, **ERROR_RESPONSES})
def application_respond(request, application_id: int, payload: RespondIn):
    return applying.offer_respond(guardian_user=request.user, application_id=application_id, accept=payload.accept)


@router.post("/applications/{application_id}/rating", response={201: RatingOut, **ERROR_RESPONSES})
def application_rating(request, application_id: int, payload: RatingIn):
    """Rate the care your child has a place in, once (409 on a second rating); a bad rating
    (1 or 2) needs a comment and opens a follow-up by the school."""
    rating = satisfaction.application_rate(guardian_user=request.user, application_id=application_id,
                                           level=payload.level, comment=payload.comment)
    return Status(201, rating)


@router.get("/teacher/sessions", response={200: list[SessionOut], **ERROR_RESPONSES})
def teacher_sessions(request, day: date | None = None):
    return teaching.teacher_sessions(user=request.user, day=day)


@router.get("/teacher/sessions/{session_id}/roll", response={200: list[RollOut], **ERROR_RESPONSES})
def teacher_roll(request, session_id: int):
    session = teaching.teacher_session_get(user=request.user, session_id=session_id)
    return [{"student_id": r["student"].pk, "name": r["student"].name, "status": r["status"],
             "picked_up": r["pickup"] is not None, "late": bool(r["pickup"] and r["pickup"].late),
             "family": [{"id": p.pk, "name": p.name} for p in r["family"]]}
            for r in teaching.roll(session=session)]


def _session_and_student(request, session_id, student_id):
    session = teaching.teacher_session_get(user=request.user, session_id=session_id)
    for row in teaching.roll(session=session):
        if row["student"].pk == student_id:
            return session, row
    raise ValidationFailed.for_field("student", _("This child is not on the roll of this session."))


@router.post("/teacher/sessions/{session_id}/attendance", response={200: MarkOut, **ERROR_RESPONSES})
def teacher_mark(request, session_id: int, payload: MarkIn):
    session, row = _session_and_student(request, session_id, payload.student)
    record = running.attendance_mark(teacher_user=request.user, session=session, student=row["student"],
                                      status=payload.status)
    return {"student_id": record.student_id, "status": record.status}


@router.post("/teacher/sessions/{session_id}/pickup", response={200: PickupOut, **ERROR_RESPONSES})
def teacher_pickup(request, session_id: int, payload: PickupIn):
    session, row = _session_and_student(request, session_id, payload.student)
    collector = next((p for p in row["family"] if p.pk == payload.collected_by), None)
    if collector is None:
        raise ValidationFailed.for_field("collected_by", _("Choose who collected the child from the people listed."))
    return running.pickup_confirm(teacher_user=request.user, session=session, student=row["student"],
                                   collected_by=collector, at=payload.at)


@router.get("/supervision", response={200: list[dict], **ERROR_RESPONSES})
def supervision(request, by: str = "district", region: str = ""):
    """Coverage, teachers (and the party-member share), sessions held, attendance, fees and waivers,
    and parent satisfaction (share of ratings at "basically satisfied" or better), by district,
    by school, or ``by=city`` as one total of your scope; ``target_percent`` is the city's target."""
    _require(request, SUPERVISORS)
    prefix = "".join(c for c in region if c.isdigit())[:12]
    by = by if by in ("school", "city") else "district"
    rows = figures.supervision_rows(user=request.user, by=by, region_prefix=prefix)
    return [{**r, "fees_due": str(r["fees_due"])} for r in rows]


@router.get("/windows/{window_id}", response={200: WindowOut, **ERROR_RESPONSES})
def window_detail(request, window_id: int):
    _require(request, MANAGERS)
    window = figures.windows_for_staff(user=request.user).filter(pk=window_id).first()
    if window is None:
        raise NotFound()
    return window


@router.post("/windows/{window_id}/lottery", response={202: WindowOut, **ERROR_RESPONSES})
def window_lottery(request, window_id: int):
    """Start the window's lottery in the background; poll the window for progress."""
    _require(request, MANAGERS)
    window = figures.windows_managed_by(user=request.user).filter(pk=window_id).first()
    if window is None:
        raise NotFound()
    lottery.lottery_start(window=window, actor=request.user)
    return Status(202, window)


class SessionsGeneratedOut(Schema):
    created: int


@router.post("/sessions/generate", response={200: SessionsGeneratedOut, **ERROR_RESPONSES})
def sessions_generate(request):
    """Create the coming two weeks' sessions of the offerings you manage (idempotent; the
    scheduler does the same daily for every offering)."""
    _require(request, MANAGERS)
    return {"created": running.sessions_generate_upcoming(
        offerings=figures.offerings_for_staff(user=request.user, term=None), actor=request.user)}


@router.post("/windows/{window_id}/publish", response={200: WindowOut, **ERROR_RESPONSES})
def window_publish(request, window_id: int):
    """Publish a drawn lottery's results: families see them and are told (in the background)."""
    _require(request, MANAGERS)
    window = figures.windows_managed_by(user=request.user).filter(pk=window_id).first()
    if window is None:
        raise NotFound()
    return lottery.lottery_publish(window=window, actor=request.user)


class TeachersIn(Schema):
    teachers: list[int] = Field(..., description="teacher ids of the school that runs the offering")


class TeachersOut(Schema):
    offering: int
    teachers: list[int]


@router.put("/offerings/{offering_id}/teachers", response={200: TeachersOut, **ERROR_RESPONSES})
def offering_teachers(request, offering_id: int, payload: TeachersIn):
    """Assign an offering's teachers (managers of the school that runs it)."""
    from .models import Teacher
    from .services.offerings import offering_set_teachers

    _require(request, MANAGERS)
    offering = figures.offerings_for_staff(user=request.user, term=None).filter(pk=offering_id).first()
    if offering is None:
        raise NotFound()
    teachers = list(Teacher.objects.filter(pk__in=payload.teachers))
    if len(teachers) != len(set(payload.teachers)):
        raise ValidationFailed.for_field("teachers", _("One of the chosen teachers does not exist. Reload and choose again."))
    offering_set_teachers(actor=request.user, offering=offering, teachers=teachers)
    return {"offering": offering.pk, "teachers": sorted(t.pk for t in teachers)}
