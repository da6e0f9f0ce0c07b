from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceHallsConfig(AppConfig):
    name = "minsheng.programs.service_halls"
    label = "service_halls"
    verbose_name = _("Service halls")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from minsheng.access.models import RoleAssignment
        from minsheng.core import periodic
        from minsheng.core.registry import (
            DemoGenerator,
            Kpi,
            PortalTile,
            Program,
            WorkbenchEntry,
            registry,
        )

        from . import kpis, tasks

        def assignments_changed(sender, instance, **kwargs):
            from django.db import transaction

            from .services import windows_release_out_of_scope

            transaction.on_commit(lambda: windows_release_out_of_scope(user_id=instance.user_id))

        post_save.connect(assignments_changed, sender=RoleAssignment, weak=False,
                          dispatch_uid="service_halls.assignments")
        post_delete.connect(assignments_changed, sender=RoleAssignment, weak=False,
                            dispatch_uid="service_halls.assignments_del")
        # Booked appointments whose slot ended become no-shows (the no-show rate counts them);
        # clerks whose assignment lapsed by date are signed off their windows.
        periodic.register("service_halls.appointments_close", tasks.appointments_close_day, every_seconds=900)
        periodic.register("service_halls.windows_release", tasks.windows_release_out_of_scope, every_seconds=300)

        def demo_run(ctx):
            from .demo import run

            return run(ctx)

        registry.register(
            Program(
                key="service_halls",
                title=_("Service halls and the 15-minute service circle"),
                urls="minsheng.programs.service_halls.urls",
                api_router="minsheng.programs.service_halls.api:router",
                portal_tiles=[
                    PortalTile(
                        title=_("Service halls"),
                        url_name="service_halls:points",
                        description=_("Take a queue number, book an appointment, follow your turn"),
                        icon="🎫",
                        order=50,
                    ),
                    PortalTile(
                        title=_("15-minute service circle"),
                        url_name="service_halls:coverage",
                        description=_("How close the nearest service point is to every community"),
                        icon="🗺",
                        order=51,
                    ),
                ],
                workbench_entries=[
                    WorkbenchEntry(
                        title=_("Window (call next)"),
                        url_name="service_halls:clerk_home",
                        roles=("window_clerk", "hall_manager"),
                        order=50,
                    ),
                    WorkbenchEntry(
                        title=_("Service hall statistics"),
                        url_name="service_halls:stats",
                        roles=("hall_manager", "supervisor"),
                        order=51,
                    ),
                    WorkbenchEntry(
                        title=_("Where to add service points"),
                        url_name="service_halls:recommend",
                        roles=("hall_manager", "supervisor"),
                        order=52,
                    ),
                    WorkbenchEntry(
                        title=_("Run my service hall"),
                        url_name="service_halls:manage",
                        roles=("hall_manager",),
                        order=53,
                    ),
                    WorkbenchEntry(
                        title=_("Service hall business types"),
                        url_name="service_halls:manage_business_types",
                        roles=("hall_manager", "supervisor"),
                        order=54,
                    ),
                ],
                kpis=[
                    Kpi(
                        key="service_halls.tickets_today",
                        title=_("Queue tickets today"),
                        compute=kpis.tickets_today,
                    ),
                    Kpi(
                        key="service_halls.median_wait",
                        title=_("Median wait today"),
                        compute=kpis.median_wait_minutes,
                        unit=_("min"),
                    ),
                    Kpi(
                        key="service_halls.coverage",
                        title=_("Residents within 15 minutes of a service point"),
                        compute=kpis.coverage_percent,
                        unit="%",
                    ),
                ],
                demo=DemoGenerator(run=demo_run),
                roles={
                    "window_clerk": _("window clerk"),
                    "hall_manager": _("hall manager"),
                },
            )
        )
