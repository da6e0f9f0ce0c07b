"""The start-up staff lists as downloads (minsheng.imports.exports): the rows each page shows,
read by the same selector in the same scope."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.imports.exports import ExportColumn, ListExport

from . import selectors


def _task_title(task) -> str:
    from .views.workbench import task_title

    return task_title(task)


def staff_tasks_export_rows(*, user, params):
    return selectors.staff_task_list(user=user)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


STAFF_TASKS = ListExport(
    key="minsheng.programs.enterprise_startup.exports:STAFF_TASKS",
    title=_("start-up tasks"),
    columns=[
        ExportColumn(_("Case"), lambda t: t.case.reference),
        ExportColumn(_("Enterprise"), lambda t: t.case.startup_application.reservation.full_name
                     if t.case.startup_application.reservation_id else ""),
        ExportColumn(_("Step"), _task_title),
        ExportColumn(_("Department"), lambda t: t.organisation.name if t.organisation_id else ""),
        ExportColumn(_("State"), lambda t: t.get_state_display()),
        ExportColumn(_("Due"), lambda t: _local(t.due_at)),
    ],
    rows=staff_tasks_export_rows,
)


def _round(value):
    return None if value is None else round(float(value), 1)


def dashboard_districts_rows(*, user, params):
    return selectors.zero_visit_dashboard(user=user)["districts"]


def dashboard_steps_rows(*, user, params):
    return selectors.zero_visit_dashboard(user=user)["steps"]


DASHBOARD_DISTRICTS = ListExport(
    key="minsheng.programs.enterprise_startup.exports:DASHBOARD_DISTRICTS",
    title=_("start-up working hours by district"),
    columns=[
        ExportColumn(_("District"), lambda r: r["name"]),
        ExportColumn(_("Cases"), lambda r: r["count"]),
        ExportColumn(_("Median (h)"), lambda r: _round(r["median"])),
        ExportColumn("P90 (h)", lambda r: _round(r["p90"])),
        ExportColumn(_("Within target (%)"), lambda r: r["within_target"]),
    ],
    rows=dashboard_districts_rows,
)

DASHBOARD_STEPS = ListExport(
    key="minsheng.programs.enterprise_startup.exports:DASHBOARD_STEPS",
    title=_("start-up working hours by step"),
    columns=[
        ExportColumn(_("Step"), lambda r: r["title"]),
        ExportColumn(_("Done"), lambda r: r["count"]),
        ExportColumn(_("Median (h)"), lambda r: _round(r["median"])),
        ExportColumn("P90 (h)", lambda r: _round(r["p90"])),
        ExportColumn(_("Breaches"), lambda r: r["breaches"]),
    ],
    rows=dashboard_steps_rows,
)
