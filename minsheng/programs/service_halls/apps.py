"""便民服务站 — service halls and the 15-minute service circle: what the program declares
to the platform."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoGenerator, PortalTile, Program, WorkbenchEntry, registry

ROLES = {
    "window_clerk": _("window clerk"),
    "hall_manager": _("hall manager"),
}
CLERKS = ("window_clerk", "hall_manager")  # may sign on to a window and call
STATS = ("hall_manager", "supervisor")  # see the statistics and the circle's recommendations
MANAGERS = ("hall_manager",)  # set up the points within their assignment
BUSINESS = ("hall_manager", "supervisor")  # the city-wide business types

PORTAL_TILES = [
    PortalTile(
        title=_("Service halls"),
        url_name="service_halls:points",
        description=_("Take a queue number, book an appointment, follow your turn"),
        icon="ticket-perforated",
        order=50,
    ),
    PortalTile(
        title=_("15-minute service circle"),
        url_name="service_halls:coverage",
        description=_("How close the nearest service point is to every community"),
        icon="geo-alt",
        order=51,
    ),
]

WORKBENCH_ENTRIES = [
    WorkbenchEntry(title=_("Window (call next)"), url_name="service_halls:clerk_home", roles=CLERKS, order=50,
                   count="minsheng.programs.service_halls.queues:tickets_waiting"),
    WorkbenchEntry(title=_("Service hall statistics"), url_name="service_halls:stats", roles=STATS, order=51),
    WorkbenchEntry(title=_("Where to add service points"), url_name="service_halls:recommend", roles=STATS,
                   order=52),
    WorkbenchEntry(title=_("Run my service hall"), url_name="service_halls:manage", roles=MANAGERS, order=53),
    WorkbenchEntry(title=_("Service hall business types"), url_name="service_halls:manage_business_types",
                   roles=BUSINESS, order=54),
]


class ServiceHallsConfig(AppConfig):
    name = "minsheng.programs.service_halls"
    label = "service_halls"
    verbose_name = _("Service halls")

    def ready(self) -> None:
        from . import audit_events, demo_accounts, kpis, receivers, tasks  # noqa: F401 — receivers connects on import

        registry.register(
            Program(
                key=self.label,
                title=_("Service halls and the 15-minute service circle"),
                urls=f"{self.name}.urls",
                api_router=f"{self.name}.api:router",
                portal_tiles=PORTAL_TILES,
                workbench_entries=WORKBENCH_ENTRIES,
                audit_events=audit_events.AUDIT_EVENTS,
                roles=ROLES,
                kpis=kpis.KPIS,
                periodic=tasks.PERIODIC,
                demo=DemoGenerator(run=f"{self.name}.demo:run"),
                mine=f"{self.name}.mine:mine",
                demo_accounts=demo_accounts.ACCOUNTS,
            )
        )
