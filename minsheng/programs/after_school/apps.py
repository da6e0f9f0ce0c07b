"""课后服务 "5+2" — after-school care: what the program declares to the platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from minsheng.core.registry import DemoGenerator, PortalTile, Program, WorkbenchEntry, registry

MANAGERS = ("school_admin", "education_supervisor")
QUEUES = "minsheng.programs.after_school.queues:"
SUPERVISORS = ("education_supervisor", "school_admin", "supervisor")

ROLES = {
    "school_admin": _("school after-school administrator"),
    "teacher": _("after-school teacher"),
    "education_supervisor": _("education supervisor"),
}

PORTAL_TILES = [
    PortalTile(
        title=_("After-school care"),
        url_name="after_school:home",
        description=_("Apply for weekday and weekend care for your children"),
        icon="backpack",
        order=40,
    ),
    PortalTile(
        title=_("My care sessions (teachers)"),
        url_name="after_school:teacher_today",
        description=_("Roll call and pick-up for today's sessions"),
        icon="clipboard-check",
        order=41,
    ),
]

WORKBENCH_ENTRIES = [
    WorkbenchEntry(
        title=_("After-school offerings"),
        url_name="after_school:manage",
        roles=MANAGERS,
        order=40,
        count=QUEUES + "lotteries_waiting",
    ),
    WorkbenchEntry(
        title=_("After-school terms and windows"),
        url_name="after_school:terms",
        roles=MANAGERS,
        order=42,
        count=QUEUES + "windows_open",
        count_words=ngettext_lazy("%(count)s window open now", "%(count)s windows open now", "count"),
    ),
    WorkbenchEntry(
        title=_("After-school fees and waivers"),
        url_name="after_school:waivers",
        roles=MANAGERS,
        order=43,
        count=QUEUES + "waivers_recorded",
        count_words=ngettext_lazy("%(count)s student with a waiver", "%(count)s students with a waiver", "count"),
    ),
    WorkbenchEntry(
        title=_("After-school supervision"),
        url_name="after_school:supervision",
        roles=SUPERVISORS,
        order=41,
    ),
]


class AfterSchoolConfig(AppConfig):
    name = "minsheng.programs.after_school"
    label = "after_school"
    verbose_name = _("After-school services")

    def ready(self) -> None:
        from . import audit_events, demo_accounts, kpis, notices, tasks
        from .services import imports

        registry.register(
            Program(
                key=self.label,
                title=_("After-school services (5+2)"),
                urls=f"{self.name}.urls",
                api_router=f"{self.name}.api:router",
                portal_tiles=PORTAL_TILES,
                workbench_entries=WORKBENCH_ENTRIES,
                audit_events=audit_events.AUDIT_EVENTS,
                roles=ROLES,
                kpis=kpis.KPIS,
                notices=notices.TEMPLATES,
                periodic=tasks.PERIODIC,
                importers=imports.IMPORTERS,
                demo=DemoGenerator(run=f"{self.name}.demo:run"),
                mine=f"{self.name}.mine:mine",
                demo_accounts=demo_accounts.ACCOUNTS,
            )
        )
