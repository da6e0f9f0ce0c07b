"""The supervision page's project list as a download (minsheng.imports.exports): the same rows.

``supervision_rows`` reads the page's filters (year, status, grade, lead unit, district) the
way the page does, through selectors.supervision_projects and the user's scope.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from minsheng.imports.exports import ExportColumn, ListExport

from . import selectors
from .models import Cycle


def supervision_cycle(year: str):
    cycles = Cycle.objects.order_by("-year")
    return next((c for c in cycles if str(c.year) == year), None) or cycles.first()


def supervision_rows(*, user, params):
    try:
        lead_unit = int(params.get("lead_unit") or 0) or None
    except ValueError:
        lead_unit = None
    return selectors.supervision_projects(
        user=user, status=params.get("status", ""), grade=params.get("grade", ""),
        lead_unit=lead_unit, district=params.get("district", ""),
        cycle=supervision_cycle(params.get("year", "")),
    ).select_related("cycle", "category", "lead_unit", "region")


PROJECTS = ListExport(
    key="minsheng.programs.evaluation_panels.exports:PROJECTS",
    title=_("livelihood projects"),
    columns=[
        ExportColumn(_("year"), lambda p: p.cycle.year),
        ExportColumn(_("number"), lambda p: p.number),
        ExportColumn(pgettext_lazy("evaluation panels", "title"), lambda p: p.title),
        ExportColumn(_("category"), lambda p: p.category.name),
        ExportColumn(_("lead unit"), lambda p: p.lead_unit.name),
        ExportColumn(_("region"), lambda p: p.region.name),
        ExportColumn(_("budget (10,000 yuan)"), lambda p: p.budget),
        ExportColumn(_("status"), lambda p: p.get_status_display()),
        ExportColumn(_("percent done"), lambda p: p.percent_done),
        ExportColumn(_("Overdue milestones"), lambda p: p.overdue_milestones),
        ExportColumn(pgettext_lazy("evaluation panels", "grade"), lambda p: p.get_grade_display()),
    ],
    rows=supervision_rows,
)


# --- the panel office's set-up lists (views/manage.py, views/pool.py) ---------------------------
def setup_project_rows(*, user, params):
    return selectors.setup_projects(user=user).order_by("-cycle__year", "title")


def volunteer_rows(*, user, params):
    active = {"yes": True, "no": False}.get(params.get("active", ""))
    qs = selectors.volunteers_for(user=user, active=active, district=params.get("district", ""),
                                  search=(params.get("q") or "").strip()[:60])
    return selectors.volunteer_rows(qs=qs)


def evaluation_rows(*, user, params):
    return selectors.evaluations_for_organiser(user=user, status=params.get("status", ""))


def rectification_rows(*, user, params):
    return selectors.rectifications_for_organiser(user=user, open_only=params.get("all") != "1")


SETUP_PROJECTS = ListExport(
    key="minsheng.programs.evaluation_panels.exports:SETUP_PROJECTS",
    title=_("livelihood projects"),
    columns=[
        ExportColumn(_("year"), lambda p: p.cycle.year),
        ExportColumn(pgettext_lazy("evaluation panels", "title"), lambda p: p.title),
        ExportColumn(_("lead unit"), lambda p: p.lead_unit.name),
        ExportColumn(_("region"), lambda p: p.region.name),
        ExportColumn(_("budget (10,000 yuan)"), lambda p: p.budget),
        ExportColumn(_("status"), lambda p: p.get_status_display()),
        ExportColumn(_("milestones"), lambda p: p.milestone_count),
        ExportColumn(_("Overdue milestones"), lambda p: p.overdue_milestones),
    ],
    rows=setup_project_rows,
)

VOLUNTEERS = ListExport(
    key="minsheng.programs.evaluation_panels.exports:VOLUNTEERS",
    title=_("panel volunteers"),
    columns=[
        ExportColumn(_("pool number"), lambda v: v.number),
        ExportColumn(_("name"), lambda v: v.person.name),
        ExportColumn(_("district"), lambda v: v.district.name),
        ExportColumn(_("occupation"), lambda v: v.occupation),
        ExportColumn(_("employer"), lambda v: v.employer.name if v.employer_id else ""),
        ExportColumn(_("Panels drawn for"), lambda v: v.seat_count),
        ExportColumn(_("In the pool"), lambda v: _("in the pool") if v.is_active else _("taken out of the pool")),
    ],
    rows=volunteer_rows,
)

EVALUATIONS = ListExport(
    key="minsheng.programs.evaluation_panels.exports:EVALUATIONS",
    title=_("on-site evaluations"),
    columns=[
        ExportColumn(_("project"), lambda e: e.project.title),
        ExportColumn(_("lead unit"), lambda e: e.project.lead_unit.name),
        ExportColumn(_("round"), lambda e: e.round),
        ExportColumn(_("starts at"), lambda e: e.starts_at),
        ExportColumn(_("place"), lambda e: e.place),
        ExportColumn(_("panel size"), lambda e: e.panel_size),
        ExportColumn(_("status"), lambda e: e.get_status_display()),
        ExportColumn(pgettext_lazy("evaluation panels", "grade"), lambda e: e.get_grade_display()),
        ExportColumn(_("satisfaction rate"), lambda e: e.satisfaction_rate),
    ],
    rows=evaluation_rows,
)

RECTIFICATIONS = ListExport(
    key="minsheng.programs.evaluation_panels.exports:RECTIFICATIONS",
    title=_("rectification orders"),
    columns=[
        ExportColumn(_("project"), lambda o: o.project.title),
        ExportColumn(_("lead unit"), lambda o: o.lead_unit.name),
        ExportColumn(_("case"), lambda o: o.case.reference if o.case_id else ""),
        ExportColumn(_("report due"), lambda o: o.deadline_at),
        ExportColumn(_("status"), lambda o: o.get_status_display()),
        ExportColumn(_("reported at"), lambda o: o.reported_at),
    ],
    rows=rectification_rows,
)
