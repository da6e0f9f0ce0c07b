"""居家养老服务 — home-based elderly care: what the program declares to the platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoGenerator, PortalTile, Program, WorkbenchEntry, registry

OFFICERS = ("civil_affairs_officer", "supervisor")

ROLES = {
    "caregiver": _("home caregiver"),
    "provider_admin": _("home-care provider administrator"),
    "civil_affairs_officer": _("civil affairs officer (elderly care)"),
    "community_worker": _("community worker"),
    "canteen_operator": _("elderly canteen meal counter"),
}

PORTAL_TILES = [
    PortalTile(
        title=_("Home care for the elderly"),
        url_name="elderly_care:apply",
        description=_("Apply for home-care services for yourself or a relative"),
        icon="heart-pulse",
        order=30,
    ),
]

# Set-up of the program by the people who run it (views/manage.py, setup.py, setup_field.py).
SETUP_ENTRIES = [
    WorkbenchEntry(
        title=_("Entitlement rules"),
        url_name="elderly_care:rules",
        roles=OFFICERS,
        order=42,
    ),
    WorkbenchEntry(
        title=_("Home-care providers"),
        url_name="elderly_care:providers",
        icon="building",
        roles=OFFICERS,
        order=43,
    ),
    WorkbenchEntry(
        title=_("Provider contracts"),
        url_name="elderly_care:contracts",
        icon="file-earmark-text",
        roles=(*OFFICERS, "provider_admin"),
        order=44,
    ),
    WorkbenchEntry(
        title=_("Home-care services and prices"),
        url_name="elderly_care:catalogue",
        icon="list-check",
        roles=(*OFFICERS, "provider_admin"),
        order=45,
    ),
    WorkbenchEntry(
        title=_("Caregivers"),
        url_name="elderly_care:caregivers",
        icon="people",
        roles=("provider_admin", *OFFICERS),
        order=46,
    ),
    WorkbenchEntry(
        title=_("Alarm devices"),
        url_name="elderly_care:devices",
        icon="bell",
        roles=("community_worker", *OFFICERS),
        order=47,
    ),
]

WORKBENCH_ENTRIES = [
    WorkbenchEntry(
        title=_("My visits today"),
        url_name="elderly_care:caregiver_today",
        roles=("caregiver",),
        order=30,
    ),
    WorkbenchEntry(
        title=_("Elders receiving home care"),
        url_name="elderly_care:elders",
        roles=("community_worker", "civil_affairs_officer", "provider_admin", "supervisor"),
        order=31,
    ),
    WorkbenchEntry(
        title=_("Home-care work orders"),
        url_name="elderly_care:orders",
        roles=("provider_admin", "civil_affairs_officer", "supervisor"),
        order=32,
    ),
    WorkbenchEntry(
        title=_("Visit anomalies"),
        url_name="elderly_care:anomalies",
        roles=OFFICERS,
        order=33,
    ),
    WorkbenchEntry(
        title=_("Home-care settlement"),
        url_name="elderly_care:statements",
        roles=("provider_admin", "civil_affairs_officer", "supervisor"),
        order=34,
    ),
    WorkbenchEntry(
        title=_("Gas and smoke alarms"),
        url_name="elderly_care:alarms",
        roles=("community_worker", "civil_affairs_officer", "supervisor"),
        order=35,
    ),
    WorkbenchEntry(
        title=_("Home-care applications"),
        url_name="elderly_care:applications",
        roles=(*OFFICERS, "case_officer", "department_head", "community_worker"),
        order=37,
    ),
    WorkbenchEntry(
        title=_("Follow-up calls"),
        url_name="elderly_care:followups",
        roles=(*OFFICERS, "community_worker"),
        order=38,
    ),
    WorkbenchEntry(
        title=_("Rectifications"),
        url_name="elderly_care:rectifications",
        roles=(*OFFICERS, "provider_admin"),
        order=39,
    ),
    WorkbenchEntry(
        title=_("Meal counter"),
        url_name="elderly_care:meals",
        roles=("canteen_operator",),
        order=40,
    ),
    WorkbenchEntry(
        title=_("Home retrofits"),
        url_name="elderly_care:retrofits",
        roles=(*OFFICERS, "community_worker"),
        order=41,
    ),
    WorkbenchEntry(
        title=_("Home-care dashboard"),
        url_name="elderly_care:dashboard",
        roles=OFFICERS,
        order=36,
    ),
    *SETUP_ENTRIES,
]


class ElderlyCareConfig(AppConfig):
    name = "minsheng.programs.elderly_care"
    label = "elderly_care"
    verbose_name = _("Home-based elderly care")

    def ready(self) -> None:
        from . import demo_accounts, kpis, notices, processes, tasks

        registry.register(
            Program(
                key=self.label,
                title=self.verbose_name,
                urls=f"{self.name}.urls",
                api_router=f"{self.name}.api:router",
                portal_tiles=PORTAL_TILES,
                workbench_entries=WORKBENCH_ENTRIES,
                roles=ROLES,
                kpis=kpis.KPIS,
                notices=notices.TEMPLATES,
                processes=processes.PROCESSES,
                periodic=tasks.PERIODIC,
                demo=DemoGenerator(run=f"{self.name}.demo:run"),
                mine=f"{self.name}.mine:mine",
                demo_accounts=demo_accounts.ACCOUNTS,
            )
        )
