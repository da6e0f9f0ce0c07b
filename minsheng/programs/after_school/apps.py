from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AfterSchoolConfig(AppConfig):
    name = "minsheng.programs.after_school"
    label = "after_school"
    verbose_name = _("After-school services")

    def ready(self) -> None:
        from minsheng.core.registry import (
            DemoGenerator,
            Kpi,
            PortalTile,
            Program,
            WorkbenchEntry,
            registry,
        )

        from . import importers, integrations, kpis

        def demo_run(ctx):
            from .demo import run

            return run(ctx)

        registry.register(
            Program(
                key="after_school",
                title=_("After-school services (5+2)"),
                urls="minsheng.programs.after_school.urls",
                api_router="minsheng.programs.after_school.api:router",
                portal_tiles=[
                    PortalTile(
                        title=_("After-school care"),
                        url_name="after_school:home",
                        description=_("Apply for weekday and weekend care for your children"),
                        icon="🎒",
                        order=40,
                    ),
                    PortalTile(
                        title=_("My care sessions (teachers)"),
                        url_name="after_school:teacher_today",
                        description=_("Roll call and pick-up for today's sessions"),
                        icon="📋",
                        order=41,
                    ),
                ],
                workbench_entries=[
                    WorkbenchEntry(
                        title=_("After-school offerings"),
                        url_name="after_school:manage",
                        roles=("school_admin", "education_supervisor"),
                        order=40,
                    ),
                    WorkbenchEntry(
                        title=_("After-school supervision"),
                        url_name="after_school:supervision",
                        roles=("education_supervisor", "school_admin", "supervisor"),
                        order=41,
                    ),
                ],
                kpis=[
                    Kpi(
                        key="after_school.coverage",
                        title=_("Students in after-school care"),
                        compute=kpis.coverage_percent,
                        unit="%",
                    ),
                    Kpi(
                        key="after_school.attendance",
                        title=_("After-school attendance rate"),
                        compute=kpis.attendance_percent,
                        unit="%",
                    ),
                ],
                demo=DemoGenerator(run=demo_run),
                roles={
                    "school_admin": _("school after-school administrator"),
                    "teacher": _("after-school teacher"),
                    "education_supervisor": _("education supervisor"),
                },
            )
        )
        importers.register()
        integrations.register_templates()

        from django.conf import settings

        from minsheng.core import periodic

        from .tasks import offers_expire_task

        # Offers past their deadline pass to the next on the waiting list.
        periodic.register("after_school.offers_expire", offers_expire_task,
                          every_seconds=settings.AFTER_SCHOOL_OFFER_SWEEP_SECONDS)
