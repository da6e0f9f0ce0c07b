"""/api/v1/evaluation_panels/ — the same services as the pages.

Public reads (projects, results, vote results) need no sign-in; writes need
the role the page needs, checked here through the same gates.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from minsheng.access.selectors import user_has_role
from minsheng.core.errors import NotFound, ValidationFailed
from minsheng.core.schemas import ERROR_RESPONSES, InputDateTime

from . import selectors, services
from .apps import ORGANISER_ROLES as ORGANISERS
from .models import Cycle, CycleStatus, DelegateVote, Idea, IdeaStatus, PanelSeat, VoteStatus

router = Router(tags=["evaluation_panels"])


def _require(user, roles) -> None:
    if not (user.is_superuser or (user.is_staff and user_has_role(user=user, roles=roles))):
        raise PermissionDenied


# --- schemas -----------------------------------------------------------------------
class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date
    done_on: date | None


class ResultOut(Schema):
    id: int
    round: int
    place: str
    starts_at: datetime
    status: str
    panel_size: int
    present_count: int
    satisfied_count: int
    basic_count: int
    dissatisfied_count: int
    recipient_counts: dict
    grade: str
    no_grade_reason: str
    satisfaction_rate: Decimal | None
    satisfaction_formula: str
    weighted_score: Decimal | None
    criterion_scores: dict
    draw_key: str | None = None


class ProjectOut(Schema):
    id: int
    year: int
    number: str
    title: str
    category: str
    lead_unit: str
    district: str
    budget: Decimal
    targets: str
    status: str
    percent_done: int
    grade: str
    satisfaction_rate: Decimal | None


class ProjectDetailOut(ProjectOut):
    co_units: list[str]
    milestones: list[MilestoneOut]
    results: list[ResultOut]


def _project(p) -> dict:
    return {
        "id": p.id, "year": p.cycle.year, "number": p.number, "title": p.title, "category": p.category.name,
        "lead_unit": p.lead_unit.name, "district": p.region.name, "budget": p.budget, "targets": p.targets,
        "status": p.status, "percent_done": p.percent_done, "grade": p.grade, "satisfaction_rate": p.satisfaction_rate,
    }


def _result(e) -> dict:
    return {f: getattr(e, f) for f in ResultOut.model_fields if f != "draw_key"} | {
        "draw_key": e.draw.key if e.draw_id else None
    }


class IdeaIn(Schema):
    title: str
    description: str


class IdeaOut(Schema):
    id: int
    title: str
    description: str
    source: str
    status: str
    screening_reason: str
    support_count: int


class BallotIn(Schema):
    candidates: list[int]


class VoteOut(Schema):
    id: int
    title: str
    round: int
    places: int
    status: str
    ballots_cast: int
    result: list[dict]


class OkOut(Schema):
    ok: bool = True


class CheckinIn(Schema):
    token: str


class ScorecardIn(Schema):
    overall: str
    scores: dict[str, int]
    comment: str = ""


class ViewIn(Schema):
    overall: str
    comment: str = ""


class SeatOut(Schema):
    id: int
    evaluation: int
    project: str
    place: str
    starts_at: InputDateTime
    ends_at: InputDateTime
    status: str
    checked_in: bool
    has_scored: bool


class ProgressIn(Schema):
    percent_done: int
    text: str


class ImportOut(Schema):
    job: int
    state: str
    dry_run: bool
    total: int
    ok: int
    failed: int
    errors: list[dict]
    message: str
    progress_url: str


class ReportIn(Schema):
    report: str


class RankingOut(Schema):
    rank: int
    unit_id: int
    unit: str
    projects: int
    milestones_due: int
    on_time: int
    on_time_rate: float | None
    satisfaction_rate: float | None


# --- public reads ------------------------------------------------------------------------
@router.get("/projects", response={200: list[ProjectOut], **ERROR_RESPONSES}, auth=None)
def list_projects(request, year: int | None = None, status: str = "", grade: str = ""):
    """Projects of a year (default: the latest), public."""
    cycle = Cycle.objects.filter(year=year).first() if year else Cycle.objects.order_by("-year").first()
    qs = selectors.projects_public(cycle=cycle) if cycle else selectors.projects_public().none()
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    return [_project(p) for p in qs]


@router.get("/projects/{project_id}", response={200: ProjectDetailOut, **ERROR_RESPONSES}, auth=None)
def get_project(request, project_id: int):
    p = selectors.project_public(project_id=project_id)
    return _project(p) | {
        "co_units": [u.name for u in p.co_units.all()],
        "milestones": list(p.milestones.all()),
        "results": [_result(e) for e in p.evaluations.filter(published_at__isnull=False).select_related("draw")],
    }


@router.get("/ideas", response={200: list[IdeaOut], **ERROR_RESPONSES}, auth=None)
def list_ideas(request, year: int | None = None):
    cycle = Cycle.objects.filter(year=year).first() if year else Cycle.objects.order_by("-year").first()
    return list(Idea.objects.filter(cycle=cycle).exclude(status=IdeaStatus.REJECTED)[:500]) if cycle else []


@router.get("/votes/{vote_id}", response={200: VoteOut, **ERROR_RESPONSES}, auth=None)
def get_vote(request, vote_id: int):
    vote = DelegateVote.objects.filter(pk=vote_id).first()
    if vote is None:
        raise NotFound
    data = {f: getattr(vote, f) for f in VoteOut.model_fields}
    if vote.status != VoteStatus.PUBLISHED:
        data["result"] = []
    return data


# --- citizens ---------------------------------------------------------------------------
@router.post("/ideas", response={201: IdeaOut, **ERROR_RESPONSES})
def submit_idea(request, payload: IdeaIn):
    cycle = Cycle.objects.filter(status=CycleStatus.SOLICITING).order_by("-year").first()
    if cycle is None:
        raise NotFound
    return Status(201, services.idea_submit(cycle=cycle, title=payload.title, description=payload.description, user=request.auth))


@router.post("/ideas/{idea_id}/support", response={200: IdeaOut, **ERROR_RESPONSES})
def support_idea(request, idea_id: int):
    idea = Idea.objects.select_related("cycle").filter(pk=idea_id).first()
    if idea is None:
        raise NotFound
    return services.idea_support(idea=idea, user=request.auth)


@router.post("/votes/{vote_id}/ballot", response={200: OkOut, **ERROR_RESPONSES})
def cast_ballot(request, vote_id: int, payload: BallotIn):
    vote = DelegateVote.objects.filter(pk=vote_id).first()
    if vote is None:
        raise NotFound
    services.ballot_cast(vote=vote, user=request.auth, candidate_ids=payload.candidates)
    return {"ok": True}


@router.get("/me/seats", response={200: list[SeatOut], **ERROR_RESPONSES})
def my_seats(request):
    return [
        {"id": s.id, "evaluation": s.evaluation_id, "project": s.evaluation.project.title, "place": s.evaluation.place,
         "starts_at": s.evaluation.starts_at, "ends_at": s.evaluation.ends_at, "status": s.status,
         "checked_in": bool(s.checked_in_at), "has_scored": s.has_scored}
        for s in selectors.seats_of_member(user=request.auth)
    ]


@router.post("/me/seats/{seat_id}/respond", response={200: OkOut, **ERROR_RESPONSES})
def respond_seat(request, seat_id: int, accept: bool):
    seat = PanelSeat.objects.filter(pk=seat_id, volunteer__person__user=request.auth).select_related("volunteer__person").first()
    if seat is None:
        raise NotFound
    services.seat_respond(seat=seat, user=request.auth, accept=accept)
    return {"ok": True}


@router.post("/checkin", response={200: SeatOut, **ERROR_RESPONSES})
def checkin(request, payload: CheckinIn):
    s = services.member_checkin(token=payload.token, user=request.auth)
    ev = s.evaluation
    return {"id": s.id, "evaluation": ev.id, "project": ev.project.title, "place": ev.place, "starts_at": ev.starts_at,
            "ends_at": ev.ends_at, "status": s.status, "checked_in": True, "has_scored": s.has_scored}


@router.post("/evaluations/{evaluation_id}/scorecard", response={201: OkOut, **ERROR_RESPONSES})
def submit_scorecard(request, evaluation_id: int, payload: ScorecardIn):
    ev, _seat = selectors.evaluation_for_member(user=request.auth, evaluation_id=evaluation_id)
    services.scorecard_submit(evaluation=ev, user=request.auth, overall=payload.overall,
                              scores={str(k): v for k, v in payload.scores.items()}, comment=payload.comment)
    return Status(201, {"ok": True})


@router.post("/evaluations/{evaluation_id}/recipient-views", response={201: OkOut, **ERROR_RESPONSES})
def add_recipient_view(request, evaluation_id: int, payload: ViewIn):
    ev, _seat = selectors.evaluation_for_member(user=request.auth, evaluation_id=evaluation_id)
    services.recipient_view_add(evaluation=ev, user=request.auth, overall=payload.overall, comment=payload.comment)
    return Status(201, {"ok": True})


# --- organisers -------------------------------------------------------------------------
@router.post("/evaluations/{evaluation_id}/candidates", response={200: ResultOut, **ERROR_RESPONSES})
def publish_candidates(request, evaluation_id: int):
    _require(request.auth, ORGANISERS)
    ev = selectors.evaluation_get_for_organiser(user=request.auth, evaluation_id=evaluation_id)
    return _result(services.evaluation_publish_candidates(evaluation=ev, actor=request.auth))


@router.post("/evaluations/{evaluation_id}/draw", response={200: ResultOut, **ERROR_RESPONSES})
def run_draw(request, evaluation_id: int):
    _require(request.auth, ORGANISERS)
    ev = selectors.evaluation_get_for_organiser(user=request.auth, evaluation_id=evaluation_id)
    services.evaluation_run_draw(evaluation=ev, actor=request.auth)
    ev.refresh_from_db()
    return _result(ev)


@router.post("/evaluations/{evaluation_id}/close", response={200: ResultOut, **ERROR_RESPONSES})
def close_evaluation(request, evaluation_id: int):
    _require(request.auth, ORGANISERS)
    ev = selectors.evaluation_get_for_organiser(user=request.auth, evaluation_id=evaluation_id)
    return _result(services.evaluation_close(evaluation=ev, actor=request.auth))


@router.post("/evaluations/{evaluation_id}/publish", response={200: ResultOut, **ERROR_RESPONSES})
def publish_evaluation(request, evaluation_id: int):
    """Publish a closed session's result (the project's grade; 整改 when needed)."""
    _require(request.auth, ORGANISERS)
    ev = selectors.evaluation_get_for_organiser(user=request.auth, evaluation_id=evaluation_id)
    return _result(services.evaluation_publish(evaluation=ev, actor=request.auth))


@router.get("/supervision/ranking", response={200: list[RankingOut], **ERROR_RESPONSES})
def ranking(request, year: int | None = None):
    _require(request.auth, ORGANISERS)
    cycle = Cycle.objects.filter(year=year).first() if year else Cycle.objects.order_by("-year").first()
    return selectors.units_ranking(projects=selectors.supervision_projects(user=request.auth, cycle=cycle))


# --- lead units -------------------------------------------------------------------------
@router.post("/projects/{project_id}/progress", response={201: ProjectOut, **ERROR_RESPONSES})
def report_progress(request, project_id: int, payload: ProgressIn):
    _require(request.auth, ("project_unit_officer",))
    p = selectors.project_get_for(user=request.auth, project_id=project_id)
    services.unit_may_act(user=request.auth, project=p)
    services.progress_report_submit(project=p, percent_done=payload.percent_done, text=payload.text,
                                    actor=request.auth, source="api")
    return Status(201, _project(selectors.project_public(project_id=p.pk)))


@router.post("/progress-import", response={202: ImportOut, **ERROR_RESPONSES})
def import_progress(request, file: UploadedFile = File(...), dry_run: bool = True):  # noqa: B008
    """Queue a progress spreadsheet (CSV/XLSX) through the shared importer; poll ``progress_url``."""
    from django.urls import reverse

    _require(request.auth, ("project_unit_officer",))
    job = services.progress_import(file=file, actor=request.auth, dry_run=dry_run)
    job.refresh_from_db()
    return Status(202, {
        "job": job.pk, "state": job.state, "dry_run": job.dry_run, "total": job.total, "ok": job.ok,
        "failed": job.failed, "errors": job.errors, "message": job.message,
        "progress_url": reverse("imports:progress", args=[job.pk]),
    })


@router.post("/rectifications/{order_id}/report", response={200: OkOut, **ERROR_RESPONSES})
def rectification_report(request, order_id: int, payload: ReportIn):
    _require(request.auth, ("project_unit_officer",))
    order = selectors.rectification_get_for(user=request.auth, order_id=order_id)
    if not request.auth.is_superuser and order.lead_unit_id not in selectors.unit_ids(user=request.auth):
        raise PermissionDenied
    services.rectification_report_submit(order=order, report=payload.report, actor=request.auth)
    return {"ok": True}


class VolunteerIn(Schema):
    occupation: str = ""
    conflict_note: str = ""
    # The street or town code where you live, needed when your real-name record has no residence.
    residence_region: str = ""


class VolunteerOut(Schema):
    number: str
    district: str


@router.post("/volunteers/me", response={201: VolunteerOut, **ERROR_RESPONSES})
def volunteer_join(request, payload: VolunteerIn):
    """Join the panel pool yourself (18 or over; district from your residence); once only (409)."""
    person = getattr(request.auth, "person", None)
    if person is None:
        raise NotFound()
    residence = None
    if payload.residence_region:
        residence = selectors.residence_choices().filter(code=payload.residence_region).first()
        if residence is None:
            raise ValidationFailed.for_field(
                "residence_region", _("Choose a street or town of this city (its code, e.g. 320706001)."))
    v = services.volunteer_enrol(person=person, actor=request.auth, occupation=payload.occupation[:60],
                                 conflict_note=payload.conflict_note[:500], residence_region=residence)
    return Status(201, {"number": v.number, "district": v.district.name})


def _mount_setup() -> None:
    from .api_setup import router as setup_router

    router.add_router("", setup_router)


_mount_setup()
