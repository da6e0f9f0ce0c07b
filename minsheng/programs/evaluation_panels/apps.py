"""群众评议团 — citizens' evaluation of key livelihood projects: what the program declares to the platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoGenerator, PortalTile, Program, WorkbenchEntry, registry

# Who organises panels and supervises projects (region scope); lead-unit officers act for their unit.
ORGANISER_ROLES = ("panel_organiser", "congress_staff", "supervisor")

ROLES = {
    "panel_organiser": _("evaluation panel organiser"),
    "project_unit_officer": _("livelihood project officer of a unit"),
    "congress_staff": _("people's congress staff"),
}

PORTAL_TILES = [
    PortalTile(
        title=_("Livelihood projects"),
        url_name="evaluation_panels:home",
        description=_("Propose and support ideas, follow this year's projects and their ratings"),
        icon="buildings",
        order=20,
    ),
    PortalTile(
        title=_("My panel evaluations"),
        url_name="evaluation_panels:my_panels",
        description=_("Invitations, on-site check-in and scoring for panel members"),
        icon="journal-text",
        order=21,
    ),
]

WORKBENCH_ENTRIES = [
    WorkbenchEntry(
        title=_("Livelihood projects: supervision"),
        url_name="evaluation_panels:supervision",
        roles=ORGANISER_ROLES,
        order=20,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: set-up"),
        url_name="evaluation_panels:manage_projects",
        roles=("panel_organiser",),
        order=22,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: yearly cycles"),
        url_name="evaluation_panels:manage_cycles",
        roles=("panel_organiser", "congress_staff"),
        order=23,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: volunteer pool"),
        url_name="evaluation_panels:manage_volunteers",
        roles=("panel_organiser",),
        order=24,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: panel evaluations"),
        url_name="evaluation_panels:manage_evaluations",
        roles=ORGANISER_ROLES,
        order=25,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: rectification orders"),
        url_name="evaluation_panels:manage_rectifications",
        roles=ORGANISER_ROLES,
        order=26,
    ),
    WorkbenchEntry(
        title=_("Livelihood projects: my unit"),
        url_name="evaluation_panels:unit_projects",
        roles=("project_unit_officer",),
        order=21,
        count="minsheng.programs.evaluation_panels.queues:rectifications_owed",
    ),
]


class EvaluationPanelsConfig(AppConfig):
    name = "minsheng.programs.evaluation_panels"
    label = "evaluation_panels"
    verbose_name = _("Citizens' evaluation panels")

    def ready(self) -> None:
        from . import audit_events, demo_accounts, kpis, notices, processes, selectors, tasks
        from .services import progress_sheets, volunteer_sheets

        registry.register(
            Program(
                key=self.label,
                title=_("Citizens' evaluation of livelihood projects"),
                urls=f"{self.name}.urls",
                api_router=f"{self.name}.api:router",
                portal_tiles=PORTAL_TILES,
                workbench_entries=WORKBENCH_ENTRIES,
                audit_events=audit_events.AUDIT_EVENTS,
                roles=ROLES,
                kpis=kpis.KPIS,
                notices=notices.TEMPLATES,
                processes=processes.PROCESSES,
                periodic=tasks.PERIODIC,
                importers=[*progress_sheets.IMPORTERS, *volunteer_sheets.IMPORTERS],
                attachment_access=selectors.ATTACHMENT_ACCESS,
                demo=DemoGenerator(run=f"{self.name}.demo:run"),
                mine=f"{self.name}.mine:mine",
                demo_accounts=demo_accounts.ACCOUNTS,
            )
        )
