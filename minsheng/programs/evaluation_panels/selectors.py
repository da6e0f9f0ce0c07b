"""Reads of the evaluation panels: public pages, gates, supervision aggregates."""

from django.db.models import Avg, Count, F, Q, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, RoleAssignment
from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import active_assignments, scope_q
from minsheng.core.errors import NotFound
from minsheng.regions.models import Region

from .apps import ORGANISER_ROLES
from .models import (
    Evaluation,
    Grade,
    Milestone,
    PanelSeat,
    ProgressReport,
    Project,
    RectificationOrder,
    RectificationStatus,
    SeatStatus,
)


def unit_officers(*, organisation) -> list:
    today = timezone.localdate()
    return [
        a.user
        for a in RoleAssignment.objects.filter(role_id="project_unit_officer", organisation=organisation)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("user")
    ]


# Project numbers are text ("1", "2", … "10"): shorter first, so they run as numbers, not 1, 10, 11, 2.
BY_NUMBER = ("cycle", Length("number"), "number", "id")


def projects_public(*, cycle=None) -> QuerySet[Project]:
    qs = Project.objects.select_related("category", "lead_unit", "region", "cycle").order_by(*BY_NUMBER)
    return qs.filter(cycle=cycle) if cycle is not None else qs


def project_public(*, project_id: int) -> Project:
    p = projects_public().filter(pk=project_id).prefetch_related("co_units", "milestones").first()
    if p is None:
        raise NotFound(_("This project does not exist."))
    return p


def project_timeline(*, project: Project) -> list[dict]:
    """Milestones, progress reports and published evaluations in date order (public)."""
    today = timezone.localdate()
    items = []
    for m in project.milestones.all():
        items.append({
            "kind": "milestone", "date": m.done_on or m.due_on, "title": m.title, "due_on": m.due_on,
            "done_on": m.done_on, "overdue": m.done_on is None and m.due_on < today,
            "late": bool(m.done_on and m.done_on > m.due_on),
        })
    for r in project.reports.all():
        items.append({"kind": "progress", "date": timezone.localtime(r.reported_at).date(), "title": r.text,
                      "percent_done": r.percent_done, "report": r})
    for e in project.evaluations.filter(published_at__isnull=False):
        items.append({"kind": "evaluation", "date": timezone.localtime(e.published_at).date(), "evaluation": e,
                      "title": e.get_grade_display() or e.no_grade_reason})
    for o in project.rectifications.all():
        items.append({"kind": "rectification", "date": timezone.localtime(o.created_at).date(), "order": o,
                      "title": o.get_status_display()})
    return sorted(items, key=lambda i: (i["date"], i["kind"]))


def report_photos(*, reports) -> dict[int, list]:
    """Attachments of progress reports, by report id (one query)."""
    from django.contrib.contenttypes.models import ContentType

    from minsheng.attachments.models import Attachment

    ct = ContentType.objects.get_for_model(ProgressReport)
    ids = [str(r.pk) for r in reports]
    out: dict[int, list] = {}
    for a in Attachment.objects.filter(target_type=ct, target_id__in=ids):
        out.setdefault(int(a.target_id), []).append(a)
    return out


# --- gates ---------------------------------------------------------------------
def rubric_in_use(*, rubric) -> bool:
    """Whether an evaluation has used the rubric (its criteria are then frozen)."""
    return rubric.pk is not None and Evaluation.objects.filter(rubric=rubric).exists()


def unit_ids(*, user) -> set[int]:
    """The organisations the user acts for as a lead-unit officer (project_unit_officer)."""
    return {a.organisation_id for a in active_assignments(user=user, roles=["project_unit_officer"])}


def projects_for_staff(*, user) -> QuerySet[Project]:
    """Organisers/congress staff by region scope; unit officers their own unit's projects."""
    organiser = scope_q(user=user, roles=ORGANISER_ROLES, region_field="region")
    unit_orgs = unit_ids(user=user)
    q = organiser | Q(lead_unit_id__in=unit_orgs) | Q(co_units__in=unit_orgs)
    return projects_public().filter(pk__in=Project.objects.filter(q).values("pk"))


def progress_photo_visible(user, report) -> bool:
    """Progress photos are public-interest records: any signed-in user may open them."""
    return True


def evaluation_photo_visible(user, evaluation) -> bool:
    """Photos taken during an evaluation are for the organisers and the units of the project."""
    return user.is_staff and projects_for_staff(user=user).filter(pk=evaluation.project_id).exists()


# Who may open the photos attached to each model (minsheng.attachments.access).
ATTACHMENT_ACCESS = {
    "evaluation_panels.ProgressReport": progress_photo_visible,
    "evaluation_panels.Evaluation": evaluation_photo_visible,
}


@scoped_gate(model="evaluation_panels.project", id_arg="project_id")
def project_get_for(*, user, project_id: int) -> Project:
    p = projects_for_staff(user=user).filter(pk=project_id).first()
    if p is None:
        raise NotFound(_("This project does not exist or is outside your scope."))
    return p


@scoped_gate(model="evaluation_panels.evaluation", id_arg="evaluation_id", action="organise")
def evaluation_get_for_organiser(*, user, evaluation_id: int) -> Evaluation:
    ev = (
        Evaluation.objects.select_related("project", "rubric", "draw")
        .filter(scope_q(user=user, roles=ORGANISER_ROLES, region_field="project__region"), pk=evaluation_id)
        .first()
    )
    if ev is None:
        raise NotFound(_("This evaluation does not exist or is outside your scope."))
    return ev


@scoped_gate(model="evaluation_panels.rectificationorder", id_arg="order_id")
def rectification_get_for(*, user, order_id: int) -> RectificationOrder:
    unit_orgs = unit_ids(user=user)
    q = scope_q(user=user, roles=ORGANISER_ROLES, region_field="project__region") | Q(lead_unit_id__in=unit_orgs)
    o = RectificationOrder.objects.select_related("project", "evaluation", "lead_unit", "case").filter(q, pk=order_id).first()
    if o is None:
        raise NotFound(_("This rectification order does not exist or is outside your scope."))
    return o


def evaluation_for_member(*, user, evaluation_id: int) -> tuple[Evaluation, PanelSeat]:
    seat = (
        PanelSeat.objects.select_related("evaluation__project", "evaluation__rubric")
        .filter(evaluation_id=evaluation_id, volunteer__person__user=user)
        .exclude(status__in=[SeatStatus.DECLINED, SeatStatus.REPLACED])
        .first()
    )
    if seat is None:
        raise NotFound(_("You are not on the panel of this evaluation."))
    return seat.evaluation, seat


def seats_of_member(*, user) -> QuerySet[PanelSeat]:
    return (
        PanelSeat.objects.filter(volunteer__person__user=user)
        .select_related("evaluation__project")
        .order_by("-evaluation__starts_at")
    )


# --- supervision ------------------------------------------------------------------
def supervision_projects(*, user, status: str = "", grade: str = "", lead_unit: int | None = None,
                         district: str = "", cycle=None) -> QuerySet[Project]:
    qs = projects_for_staff(user=user)
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    if lead_unit:
        qs = qs.filter(lead_unit_id=lead_unit)
    if district:
        qs = qs.filter(region__prefix__startswith=district)
    today = timezone.localdate()
    return qs.annotate(
        overdue_milestones=Count("milestones", filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today), distinct=True),
    ).order_by(*BY_NUMBER)


def rectifications_open_for_units(*, units) -> QuerySet[RectificationOrder]:
    """The rectification orders the units still owe a report on or await re-evaluation for."""
    return (
        RectificationOrder.objects.filter(lead_unit_id__in=units)
        .exclude(status=RectificationStatus.CLOSED)
        .select_related("project")
    )


def rectifications_of(*, projects: QuerySet[Project]) -> QuerySet[RectificationOrder]:
    return RectificationOrder.objects.filter(project__in=projects.values("pk")).select_related("project", "lead_unit")


def evaluations_of(*, projects: QuerySet[Project], limit: int = 50) -> list[Evaluation]:
    """The latest evaluations of the projects, newest first."""
    return list(
        Evaluation.objects.filter(project__in=projects.values("pk")).select_related("project").order_by("-starts_at")[:limit]
    )


def lead_units_of(*, projects: QuerySet[Project]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=projects.values("lead_unit_id")).order_by("name")


def districts_of(*, projects: QuerySet[Project]) -> QuerySet[Region]:
    return Region.objects.filter(pk__in=projects.values("region_id")).order_by("code")


def units_ranking(*, projects: QuerySet[Project]) -> list[dict]:
    """Lead units ranked by milestones met on time, then by average satisfaction (aggregate queries)."""
    ids = projects.values("pk")
    today = timezone.localdate()
    ms = (
        Milestone.objects.filter(project__in=ids)
        .values("project__lead_unit_id", "project__lead_unit__name")
        .annotate(
            due=Count("id", filter=Q(due_on__lt=today) | Q(done_on__isnull=False)),
            on_time=Count("id", filter=Q(done_on__isnull=False, done_on__lte=F("due_on"))),
        )
    )
    sat = {
        r["lead_unit_id"]: r
        for r in Project.objects.filter(pk__in=ids).values("lead_unit_id").annotate(
            projects=Count("id"), rate=Avg("satisfaction_rate"),
            satisfied=Count("id", filter=Q(grade=Grade.SATISFIED)),
        )
    }
    rows = []
    for r in ms:
        unit = r["project__lead_unit_id"]
        s = sat.get(unit, {})
        rows.append({
            "unit_id": unit, "unit": r["project__lead_unit__name"], "projects": s.get("projects", 0),
            "milestones_due": r["due"], "on_time": r["on_time"],
            "on_time_rate": (r["on_time"] / r["due"]) if r["due"] else None,
            "satisfaction_rate": float(s["rate"]) if s.get("rate") is not None else None,
            "satisfied": s.get("satisfied", 0),
        })
    seen = {r["unit_id"] for r in rows}
    for unit, s in sat.items():
        if unit not in seen:
            from minsheng.access.models import Organisation

            rows.append({"unit_id": unit, "unit": Organisation.objects.get(pk=unit).name, "projects": s["projects"],
                         "milestones_due": 0, "on_time": 0, "on_time_rate": None,
                         "satisfaction_rate": float(s["rate"]) if s["rate"] is not None else None,
                         "satisfied": s["satisfied"]})
    rows.sort(key=lambda r: (-(r["on_time_rate"] if r["on_time_rate"] is not None else -1),
                             -(r["satisfaction_rate"] if r["satisfaction_rate"] is not None else -1), r["unit"]))
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    return rows


def status_counts(*, projects: QuerySet[Project]) -> dict:
    return {
        "by_status": dict(projects.order_by().values_list("status").annotate(n=Count("id"))),
        "by_grade": dict(projects.order_by().exclude(grade="").values_list("grade").annotate(n=Count("id"))),
        "by_district": list(projects.order_by().values("region__name").annotate(n=Count("id")).order_by("region__name")),
    }


def kpi_summary() -> dict:
    graded = Project.objects.exclude(grade="")
    n = graded.count()
    sat = graded.filter(grade=Grade.SATISFIED).count()
    done = Milestone.objects.filter(done_on__isnull=False)
    total = done.count() + Milestone.objects.filter(done_on__isnull=True, due_on__lt=timezone.localdate()).count()
    on_time = done.filter(done_on__lte=F("due_on")).count()
    return {
        "satisfied_percent": round(100 * sat / n, 1) if n else None,
        "on_time_percent": round(100 * on_time / total, 1) if total else None,
    }


def project_rectifications(*, project: Project) -> list[dict]:
    """The project's rectification orders as the public sees them: the case's state in plain words,
    the report deadline, whether it is overdue or was reported late, and the published report."""
    from minsheng.cases.process import get_process

    now = timezone.now()
    out = []
    for o in project.rectifications.select_related("case", "evaluation").order_by("created_at", "id"):
        reported = o.reported_at
        if o.case_id:
            state_title = str(get_process(o.case.process_key).state(o.case.state).title)
            closed = o.case.closed_at is not None
            if reported is None and o.case.state != "report_due":
                reported = o.case.state_entered_at  # reported from the workbench; the order syncs later
        else:
            state_title, closed = str(o.get_status_display()), o.status == RectificationStatus.CLOSED
        out.append({
            "order": o, "reference": o.case.reference if o.case_id else "", "state": state_title, "closed": closed,
            "issued_on": timezone.localtime(o.created_at).date(), "due_at": o.deadline_at,
            "reported_at": reported, "late": bool(reported and reported > o.deadline_at),
            "overdue": reported is None and now > o.deadline_at, "report": o.report,
            "round": o.evaluation.round,
        })
    return out


# --- set-up by the panel office (views/setup*.py) ------------------------------------------
SETUP_ROLES = ("panel_organiser",)


def setup_regions(*, user) -> QuerySet[Region]:
    """Where the organiser may place a project: the city, districts and towns of their subtrees."""
    from minsheng.access.principal import held_assignments

    qs = Region.objects.filter(level__in=["city", "county", "town"]).order_by("code")
    if user.is_superuser:
        return qs
    q = Q(pk__in=[])
    for a in held_assignments(user=user, roles=SETUP_ROLES):
        q |= Q(prefix__startswith=a.region.prefix)
    return qs.filter(q)


def setup_units(*, user, roles=SETUP_ROLES) -> QuerySet[Organisation]:
    """The units the organiser may name as a lead unit: organisations of their subtrees (no schools,
    banks or care providers)."""
    qs = Organisation.objects.exclude(kind__in=["school", "bank", "provider"]).select_related("region").order_by("name")
    return qs if user.is_superuser else qs.filter(scope_q(user=user, roles=roles, region_field="region"))


def city_organiser(*, user, roles=SETUP_ROLES) -> bool:
    """The cycle is the whole city's: only staff assigned at city (or province) level set it up."""
    from minsheng.access.principal import held_assignments

    return user.is_superuser or any(
        a.region.level in ("province", "city") for a in held_assignments(user=user, roles=roles)
    )


def setup_projects(*, user, cycle=None) -> QuerySet[Project]:
    """The projects of the organiser's area (region subtree), with what their list shows."""
    qs = projects_public(cycle=cycle).filter(scope_q(user=user, roles=SETUP_ROLES, region_field="region"))
    today = timezone.localdate()
    return qs.annotate(
        milestone_count=Count("milestones", distinct=True),
        overdue_milestones=Count("milestones", filter=Q(milestones__done_on__isnull=True, milestones__due_on__lt=today),
                                 distinct=True),
        evaluation_count=Count("evaluations", distinct=True),
    )


@scoped_gate(model="evaluation_panels.project", id_arg="project_id", action="set_up")
def project_get_for_setup(*, user, project_id: int) -> Project:
    p = projects_public().filter(scope_q(user=user, roles=SETUP_ROLES, region_field="region"), pk=project_id).first()
    if p is None:
        raise NotFound(_("This project does not exist or is outside your scope."))
    return p


def volunteers_for(*, user, active: bool | None = None, district: str = "", search: str = "") -> QuerySet:
    """The volunteer pool of the organiser's area (by the volunteer's district of residence)."""
    from .models import Volunteer

    qs = Volunteer.objects.filter(scope_q(user=user, roles=SETUP_ROLES, region_field="district"))
    if active is not None:
        qs = qs.filter(is_active=active)
    if district:
        qs = qs.filter(district__prefix__startswith=district)
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(person__name__icontains=search) | Q(occupation__icontains=search))
    return qs.order_by("number")


def volunteer_rows(*, qs) -> QuerySet:
    """The pool's list rows: the person, district and employer, and how many seats each has held."""
    return qs.select_related("person", "district", "employer").annotate(seat_count=Count("seats", distinct=True))


def volunteer_counts(*, user) -> dict:
    rows = dict(volunteers_for(user=user).order_by().values_list("is_active").annotate(n=Count("id")))
    return {"in_pool": rows.get(True, 0), "out_of_pool": rows.get(False, 0)}


@scoped_gate(model="evaluation_panels.volunteer", id_arg="volunteer_id", action="set_up")
def volunteer_get_for(*, user, volunteer_id: int):
    v = volunteers_for(user=user).select_related("person", "district", "employer").filter(pk=volunteer_id).first()
    if v is None:
        raise NotFound(_("This volunteer does not exist or is outside your scope."))
    return v


def evaluations_for_organiser(*, user, status: str = "") -> QuerySet[Evaluation]:
    qs = Evaluation.objects.filter(scope_q(user=user, roles=ORGANISER_ROLES, region_field="project__region"))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("project", "project__lead_unit", "project__region").order_by("-starts_at", "-id")


def rectifications_for_organiser(*, user, open_only: bool = False) -> QuerySet[RectificationOrder]:
    qs = RectificationOrder.objects.filter(scope_q(user=user, roles=ORGANISER_ROLES, region_field="project__region"))
    if open_only:
        qs = qs.exclude(status=RectificationStatus.CLOSED)
    return qs.select_related("project", "lead_unit", "case", "evaluation").order_by("status", "deadline_at")


@scoped_gate(model="evaluation_panels.rectificationorder", id_arg="order_id", action="review")
def rectification_get_for_organiser(*, user, order_id: int) -> RectificationOrder:
    o = rectifications_for_organiser(user=user).filter(pk=order_id).first()
    if o is None:
        raise NotFound(_("This rectification order does not exist or is outside your scope."))
    return o


def rectification_evidence(*, order) -> list:
    """The attachments the lead unit handed in with its reports (one query)."""
    from django.contrib.contenttypes.models import ContentType

    from minsheng.attachments.models import Attachment

    ct = ContentType.objects.get_for_model(RectificationOrder)
    return list(Attachment.objects.filter(target_type=ct, target_id=str(order.pk)).order_by("created_at"))


def rectification_evidence_visible(user, order) -> bool:
    """Evidence is for the panel office of the project's area and the lead unit's officers."""
    if not user.is_staff:
        return False
    q = scope_q(user=user, roles=ORGANISER_ROLES, region_field="project__region") | Q(lead_unit_id__in=unit_ids(user=user))
    return RectificationOrder.objects.filter(q, pk=order.pk).exists()


ATTACHMENT_ACCESS["evaluation_panels.RectificationOrder"] = rectification_evidence_visible


def users_by_phone(*, phones) -> tuple[list, list[str]]:
    """The accounts of these mobile numbers (by their keyed hash) and the numbers with no account."""
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.models import User
    from minsheng.identity.normalize import normalize_phone

    wanted = {}
    unknown = []
    for raw in phones:
        phone = normalize_phone(raw)
        if phone:
            wanted[keyed_hash(phone)] = raw
        elif raw.strip():
            unknown.append(raw.strip())
    found = {u.phone_hash: u for u in User.objects.filter(phone_hash__in=list(wanted), is_active=True)}
    unknown += [raw for h, raw in wanted.items() if h not in found]
    return list(found.values()), unknown


def ideas_to_screen(*, cycle) -> QuerySet:
    from .models import Idea, IdeaStatus

    return Idea.objects.filter(cycle=cycle, status=IdeaStatus.SUBMITTED).select_related("category", "organisation")


def residence_choices() -> QuerySet[Region]:
    """Where a citizen joining the pool may say they live: the city's streets and towns (the
    district of the one chosen is the district whose panels they are drawn for)."""
    from django.conf import settings

    from minsheng.regions.models import RegionLevel

    return (Region.objects.filter(level=RegionLevel.TOWN, code__startswith=settings.MINSHENG_CITY_CODE[:4])
            .select_related("parent").order_by("code"))
