"""企业开办 — enterprise start-up: what the program declares to the platform."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import DemoGenerator, PortalTile, Program, WorkbenchEntry, registry

# The departments' case officers and heads and the supervisors are core roles; the banks'
# account officers (who finish the bank step of the founder's chosen bank) are this program's.
ROLES = {"bank_officer": _("bank account officer (enterprise start-up)")}

PORTAL_TILES = [
    PortalTile(
        title=_("Start a business"),
        url_name="enterprise_startup:home",
        description=_("Register a company online without a single visit"),
        icon="building",
        order=10,
    ),
    PortalTile(
        title=_("Verify a business licence"),
        url_name="enterprise_startup:verify",
        description=_("Check an electronic business licence or its QR code"),
        icon="patch-check",
        order=11,
    ),
]

WORKBENCH_ENTRIES = [
    WorkbenchEntry(
        title=_("Start-up tasks"),
        url_name="enterprise_startup:staff_tasks",
        roles=("case_officer", "department_head", "bank_officer"),
        order=10,
        count="minsheng.programs.enterprise_startup.queues:open_tasks",
    ),
    WorkbenchEntry(
        title=_("Zero-visit dashboard"),
        url_name="enterprise_startup:dashboard",
        roles=("supervisor", "department_head"),
        order=11,
    ),
]


def _catalogue_present(sender, using="default", **kwargs) -> None:
    """The business-scope catalogue and banned words are seeded by a migration; a flush (a
    transactional test, a restore of data only) empties them with everything else. After
    ``migrate`` and after such a flush they are loaded again where missing."""
    from .models import BannedWord, ScopeItem
    from .services.catalogue import catalogue_load

    if using == "default" and not ScopeItem.objects.exists():
        catalogue_load(ScopeItem, BannedWord)


class EnterpriseStartupConfig(AppConfig):
    name = "minsheng.programs.enterprise_startup"
    label = "enterprise_startup"
    verbose_name = _("Enterprise start-up")

    def ready(self) -> None:
        post_migrate.connect(_catalogue_present, sender=self, dispatch_uid="minsheng.enterprise_startup.catalogue")
        from . import audit_events, demo_accounts, kpis, notices, processes, selectors
        from .services import reference_imports

        registry.register(
            Program(
                key=self.label,
                title=self.verbose_name,
                urls=f"{self.name}.urls",
                api_router=f"{self.name}.api:router",
                portal_tiles=PORTAL_TILES,
                workbench_entries=WORKBENCH_ENTRIES,
                audit_events=audit_events.AUDIT_EVENTS,
                roles=ROLES,
                kpis=kpis.KPIS,
                notices=notices.TEMPLATES,
                processes=processes.PROCESSES,
                # The founder's uploads (proof of address): seen by whoever may see the application.
                attachment_access={"enterprise_startup.StartupApplication": selectors.application_visible_to_user},
                demo=DemoGenerator(run=f"{self.name}.demo:run"),
                mine=f"{self.name}.mine:mine",
                demo_accounts=demo_accounts.ACCOUNTS,
                importers=reference_imports.IMPORTERS,
            )
        )
