"""/api/v1/evaluation_panels/ — the panel office's set-up (the services of services/setup.py and
services/rectification.py, through the same gates as the pages). Mounted on api.router."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from minsheng.core.errors import NotFound, ValidationFailed
from minsheng.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .apps import ORGANISER_ROLES
from .models import Category, Cycle
from .selectors import SETUP_ROLES

router = Router(tags=["evaluation_panels"])


def _require(user, roles) -> None:
    from minsheng.access.selectors import user_has_role

    if not (user.is_superuser or (user.is_staff and user_has_role(user=user, roles=roles))):
        raise PermissionDenied


def _require_city(user) -> None:
    _require(user, SETUP_ROLES)
    if not selectors.city_organiser(user=user):
        raise PermissionDenied


class CycleIn(Schema):
    year: int
    title: str
    places: int = 10
    ideas_open_until: date | None = None
    vote_on: date | None = None
    evaluations_from: date | None = None
    evaluations_until: date | None = None


class CycleOut(CycleIn):
    id: int
    status: str


class TransitionIn(Schema):
    action: str


class ProjectIn(Schema):
    cycle: int
    title: str
    category: int
    lead_unit: int
    region: int
    budget: Decimal = Decimal("0")
    targets: str = ""


class ProjectSetupOut(Schema):
    id: int
    title: str
    lead_unit: str
    district: str
    budget: Decimal
    status: str


class MilestoneIn(Schema):
    title: str
    due_on: date


class MilestoneOut(Schema):
    id: int
    title: str
    due_on: date


class VolunteerRow(Schema):
    id: int
    number: str
    district: str
    occupation: str
    is_active: bool


class VolunteerEnrolIn(Schema):
    name: str
    phone: str = ""
    id_number: str
    residence_region: str  # the division code of the street or community where they live
    occupation: str = ""
    consent: bool  # the signed consent and pledge form is at the office


class ActiveIn(Schema):
    active: bool
    reason: str = ""


class ReasonIn(Schema):
    reason: str


class OrderOut(Schema):
    id: int
    status: str
    deadline_at: str
    returned_reason: str


def _cycle(c: Cycle) -> dict:
    return {f: getattr(c, f) for f in CycleOut.model_fields}


def _one(qs, pk: int, field: str, message: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationFailed.for_field(field, message)
    return obj


@router.post("/cycles", response={201: CycleOut, **ERROR_RESPONSES})
def cycle_create(request, payload: CycleIn):
    _require_city(request.auth)
    return Status(201, _cycle(services.cycle_create(actor=request.auth, **payload.dict())))


@router.post("/cycles/{cycle_id}/transition", response={200: CycleOut, **ERROR_RESPONSES})
def cycle_transition(request, cycle_id: int, payload: TransitionIn):
    _require_city(request.auth)
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise NotFound()
    if payload.action not in ("screen", "reopen_ideas", "close"):
        raise ValidationFailed.for_field("action", "screen, reopen_ideas, close")
    return _cycle(services.cycle_transition(cycle=cycle, action=payload.action, actor=request.auth))


@router.post("/manage/projects", response={201: ProjectSetupOut, **ERROR_RESPONSES})
def project_create(request, payload: ProjectIn):
    """A project of the organiser's area: the lead unit and region must lie in their subtree."""

    _require(request.auth, SETUP_ROLES)
    user = request.auth
    p = services.project_create(
        cycle=_one(Cycle.objects.all(), payload.cycle, "cycle", _("Choose an existing cycle.")),
        category=_one(Category.objects.all(), payload.category, "category", _("Choose the project's category.")),
        lead_unit=_one(selectors.setup_units(user=user), payload.lead_unit, "lead_unit",
                       _("Choose a lead unit within your area.")),
        region=_one(selectors.setup_regions(user=user), payload.region, "region", _("Choose an area within your own.")),
        title=payload.title, budget=payload.budget, targets=payload.targets, actor=user,
    )
    return Status(201, {"id": p.pk, "title": p.title, "lead_unit": p.lead_unit.name, "district": p.region.name,
                        "budget": Decimal(p.budget).quantize(Decimal("0.01")), "status": p.status})


@router.post("/manage/projects/{project_id}/milestones", response={201: MilestoneOut, **ERROR_RESPONSES})
def milestone_add(request, project_id: int, payload: MilestoneIn):
    _require(request.auth, SETUP_ROLES)
    project = selectors.project_get_for_setup(user=request.auth, project_id=project_id)
    m = services.milestone_add(project=project, title=payload.title, due_on=payload.due_on, actor=request.auth)
    return Status(201, {"id": m.pk, "title": m.title, "due_on": m.due_on})


@router.get("/manage/volunteers", response={200: list[VolunteerRow], **ERROR_RESPONSES})
def volunteers(request, active: bool | None = None, district: str = "", q: str = "", offset: int = 0, limit: int = 100):
    _require(request.auth, SETUP_ROLES)
    qs = selectors.volunteers_for(user=request.auth, active=active, district=district, search=q[:60])
    rows = qs.select_related("district")[max(offset, 0): max(offset, 0) + min(max(limit, 1), 500)]
    return [{"id": v.pk, "number": v.number, "district": v.district.name, "occupation": v.occupation,
             "is_active": v.is_active} for v in rows]


@router.post("/manage/volunteers", response={201: VolunteerRow, **ERROR_RESPONSES})
def volunteer_enrol(request, payload: VolunteerEnrolIn):
    """Enrol someone who signed up on a paper form at a community office of your area (the
    panel office); the ID number is checked, the consent recorded, the enrolment audited."""
    from minsheng.regions.models import Region

    _require(request.auth, SETUP_ROLES)
    region = Region.objects.filter(pk=payload.residence_region.strip()).first()
    if region is None:
        raise ValidationFailed.for_field("residence_region", _("Choose a place in your area."))
    v = services.volunteer_enrol_by_office(
        actor=request.auth, name=payload.name, phone=payload.phone, id_number=payload.id_number,
        residence_region=region, occupation=payload.occupation, consent=payload.consent)
    return Status(201, {"id": v.pk, "number": v.number, "district": v.district.name, "occupation": v.occupation,
                        "is_active": v.is_active})


@router.post("/manage/volunteers/{volunteer_id}/active", response={200: VolunteerRow, **ERROR_RESPONSES})
def volunteer_active(request, volunteer_id: int, payload: ActiveIn):
    _require(request.auth, SETUP_ROLES)
    v = selectors.volunteer_get_for(user=request.auth, volunteer_id=volunteer_id)
    v = services.volunteer_set_active(volunteer=v, active=payload.active, reason=payload.reason, actor=request.auth)
    return {"id": v.pk, "number": v.number, "district": v.district.name, "occupation": v.occupation,
            "is_active": v.is_active}


@router.post("/rectifications/{order_id}/return", response={200: OrderOut, **ERROR_RESPONSES})
def rectification_return(request, order_id: int, payload: ReasonIn):
    """The panel office sends a report back (the lead unit's own officers cannot)."""
    _require(request.auth, ORGANISER_ROLES)
    order = selectors.rectification_get_for_organiser(user=request.auth, order_id=order_id)
    order = services.rectification_return(order=order, reason=payload.reason, actor=request.auth)
    return {"id": order.pk, "status": order.status, "deadline_at": order.deadline_at.isoformat(),
            "returned_reason": order.returned_reason}
