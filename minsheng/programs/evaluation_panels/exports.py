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
