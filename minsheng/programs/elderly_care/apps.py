from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ElderlyCareConfig(AppConfig):
    name = "minsheng.programs.elderly_care"
    label = "elderly_care"
    verbose_name = _("Home-based elderly care")

    def ready(self) -> None:
        from minsheng.core.registry import (
            DemoGenerator,
            Kpi,
            PortalTile,
            Program,
            WorkbenchEntry,
            registry,
        )

        from . import kpis, notices, processes, tasks

        notices.register_templates()
        processes.register()
        tasks.register_periodic()

        def demo_run(ctx):
            from .demo import run

            return run(ctx)

        officers = ("civil_affairs_officer", "supervisor")
        registry.register(
            Program(
                key="elderly_care",
                title=_("Home-based elderly care"),
                urls="minsheng.programs.elderly_care.urls",
                api_router="minsheng.programs.elderly_care.api:router",
                portal_tiles=[
                    PortalTile(
                        title=_("Home care for the elderly"),
                        url_name="elderly_care:apply",
                        description=_("Apply for home-care services for yourself or a relative"),
                        icon="🧓",
                        order=30,
                    ),
                ],
                workbench_entries=[
                    WorkbenchEntry(
                        title=_("My visits today"),
                        url_name="elderly_care:caregiver_today",
                        roles=("caregiver",),
                        order=30,
                    ),
                    WorkbenchEntry(
                        title=_("Elders receiving home care"),
                        url_name="elderly_care:elders",
                        roles=("community_worker", "civil_affairs_officer", "provider_admin"),
                        order=31,
                    ),
                    WorkbenchEntry(
                        title=_("Home-care work orders"),
                        url_name="elderly_care:orders",
                        roles=("provider_admin", "civil_affairs_officer"),
                        order=32,
                    ),
                    WorkbenchEntry(
                        title=_("Visit anomalies"),
                        url_name="elderly_care:anomalies",
                        roles=officers,
                        order=33,
                    ),
                    WorkbenchEntry(
                        title=_("Home-care settlement"),
                        url_name="elderly_care:statements",
                        roles=("provider_admin", "civil_affairs_officer"),
                        order=34,
                    ),
                    WorkbenchEntry(
                        title=_("Gas and smoke alarms"),
                        url_name="elderly_care:alarms",
                        roles=("community_worker", "civil_affairs_officer"),
                        order=35,
                    ),
                    WorkbenchEntry(
                        title=_("Home-care applications"),
                        url_name="elderly_care:applications",
                        roles=(*officers, "case_officer", "department_head", "community_worker"),
                        order=37,
                    ),
                    WorkbenchEntry(
                        title=_("Follow-up calls"),
                        url_name="elderly_care:followups",
                        roles=(*officers, "community_worker"),
                        order=38,
                    ),
                    WorkbenchEntry(
                        title=_("Rectifications"),
                        url_name="elderly_care:rectifications",
                        roles=(*officers, "provider_admin"),
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
                        roles=(*officers, "community_worker"),
                        order=41,
                    ),
                    WorkbenchEntry(
                        title=_("Entitlement rules"),
                        url_name="elderly_care:rules",
                        roles=officers,
                        order=42,
                    ),
                    WorkbenchEntry(
                        title=_("Home-care dashboard"),
                        url_name="elderly_care:dashboard",
                        roles=officers,
                        order=36,
                    ),
                ],
                kpis=[
                    Kpi(
                        key="elderly_care.verified_visits_month",
                        title=_("Verified home-care visits this month"),
                        compute=kpis.verified_visits_this_month,
                    ),
                    Kpi(
                        key="elderly_care.open_alarms",
                        title=_("Open gas and smoke alarms"),
                        compute=kpis.open_alarms,
                    ),
                ],
                demo=DemoGenerator(run=demo_run),
                roles={
                    "caregiver": _("home caregiver"),
                    "provider_admin": _("home-care provider administrator"),
                    "civil_affairs_officer": _("civil affairs officer (elderly care)"),
                    "community_worker": _("community worker"),
                    "canteen_operator": _("elderly canteen meal counter"),
                },
            )
        )
