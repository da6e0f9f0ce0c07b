"""The program registry: how core finds programs without importing them.

Each program's AppConfig.ready() calls ``registry.register(Program(...))`` with
objects its modules declare (docs/programs.md). The portal builds its tiles,
the workbench its menu, the dashboard its KPIs, the API its routers, the demo
command its generators, the scheduler its periodic tasks, notifications their
templates and the case workflow its processes from what is here.
Core apps never import a program (import-linter enforces it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PortalTile:
    title: Any  # lazy translated string
    url_name: str
    description: Any = ""
    icon: str = "grid"  # a bootstrap-icons name ({% icon %}); unknown names show "grid"
    order: int = 100


@dataclass(frozen=True)
class WorkbenchEntry:
    title: Any
    url_name: str
    roles: tuple[str, ...] = ()  # role codes that see this entry; empty = any staff
    order: int = 100
    icon: str = "grid"  # a bootstrap-icons name
    # The size of the queue behind the link for this staff member (``count(user) -> int``, or
    # "package.module:function" imported when first asked, so an apps.py need not import
    # models), shown on the workbench home; one query, through the page's own access gate.
    count: Callable[[Any], int] | str | None = None
    # What the number counts, when it is not a queue ("3 waiting", the default): a lazy
    # ``ngettext_lazy("%(count)s window open now", "%(count)s windows open now", "count")``.
    count_words: Any = None

    def count_text(self, count: int) -> str:
        """The count in words for the workbench ("" for the default "N waiting")."""
        return str(self.count_words % {"count": count}) if self.count_words is not None else ""

    def waiting_for(self, user) -> int | None:
        """The number of items waiting for ``user`` behind this entry (None: it counts nothing)."""
        if self.count is None:
            return None
        count = self.count
        if isinstance(count, str):
            from django.utils.module_loading import import_string

            count = import_string(count.replace(":", "."))
        return count(user)


@dataclass(frozen=True)
class Kpi:
    key: str
    title: Any
    compute: Callable[[], Any]  # returns a number or a small dict
    unit: Any = ""


@dataclass(frozen=True)
class DemoGenerator:
    """Fills the demo city with a program's data.

    ``run(ctx)`` gets a minsheng.demo.context.DemoContext (scale, seed, rng,
    progress, the foundation's regions, organisations and people). It must be
    idempotent: running it twice leaves the same data. ``after`` names the
    program keys whose generators must run first (rare).
    """

    run: Callable[[Any], dict[str, int]] | str  # or "package.module:function", imported when run
    after: tuple[str, ...] = ()

    def generate(self, ctx) -> dict[str, int]:
        run = self.run
        if isinstance(run, str):
            from django.utils.module_loading import import_string

            run = import_string(run.replace(":", "."))
        return run(ctx)


class MineSection:
    """The groups of 我的 (the citizen's hub), in the order the page shows them."""

    CASES = "cases"
    TICKETS = "tickets"
    APPOINTMENTS = "appointments"
    APPLICATIONS = "applications"
    INVITATIONS = "invitations"
    FAMILY = "family"
    ORDER = (CASES, TICKETS, APPOINTMENTS, APPLICATIONS, INVITATIONS, FAMILY)


@dataclass(frozen=True)
class MineItem:
    """One thing of the signed-in person on 我的: what it is, its state in words and what to do next.

    ``status`` and ``next_step`` are translated text (a choice's label, never its code);
    ``tone`` a Bootstrap colour for the status badge (primary, success, warning, danger,
    secondary, info); ``action`` is True when the next step is the person's to take.
    """

    section: str  # a MineSection value
    title: Any
    status: Any
    next_step: Any = ""
    url: str = ""
    at: datetime | None = None
    detail: Any = ""
    tone: str = "secondary"
    action: bool = False


@dataclass(frozen=True)
class DemoAccount:
    """One demo sign-in: the demo city makes one per role and prints them in one table.

    ``manage.py demo`` (minsheng.demo.accounts) creates the account after every part is
    built, gives it ``roles`` at the organisation, and prints ``title`` and ``try_this``.
    ``organisation`` is ``"department:<code>"`` (the city's), ``"department:<code>@<region>"``,
    ``"kind:<kind>"`` (the first of that kind) or ``"package.module:function"`` called with
    the demo context. ``adopt`` (``"package.module:function"``, called with the context and
    the organisation) names an existing account the program's data already points at, e.g.
    a caregiver with visits, which then gets this login and the demo password.
    A ``login`` of eleven digits is a mobile number: the account signs in by phone.
    ``authenticator`` (a base32 key) sets the account's second factor up with that key and
    prints it in the table, so anyone trying the demo can add it to an authenticator app.
    """

    login: str
    roles: tuple[str, ...]
    title: Any  # the role as the table prints it (lazy translated)
    try_this: Any = ""  # what to try after signing in (lazy translated)
    organisation: str = ""
    region: str = ""  # the roles' region scope (a code); default the organisation's region
    adopt: str = ""
    superuser: bool = False
    order: int = 100
    authenticator: str = ""


@dataclass
class Program:
    key: str  # e.g. "after_school"; also the URL prefix /p/<key>/
    title: Any
    urls: str | None = None  # dotted path of the program's urls module
    api_router: str | None = None  # "minsheng.programs.x.api:router"
    portal_tiles: list[PortalTile] = field(default_factory=list)
    workbench_entries: list[WorkbenchEntry] = field(default_factory=list)
    kpis: list[Kpi] = field(default_factory=list)
    demo: DemoGenerator | None = None
    demo_accounts: list[DemoAccount] = field(default_factory=list)  # one sign-in per role
    roles: dict[str, Any] = field(default_factory=dict)  # role code -> title
    # Declared in the program's modules and read by the core module that runs them:
    notices: list[Any] = field(default_factory=list)  # notifications.templates.MessageTemplate
    processes: list[Any] = field(default_factory=list)  # cases.process.Process
    periodic: list[Any] = field(default_factory=list)  # core.periodic.PeriodicTask
    importers: list[Any] = field(default_factory=list)  # imports.base.Importer
    # event type -> its words (lazy translated), for the audit trail's page: every type the
    # program's services write ("elderly_care.alarm_ack": _("alarm acknowledged"))
    audit_events: dict[str, Any] = field(default_factory=dict)
    # "app_label.Model" -> can_view(user, target): who may open files attached to such a record
    attachment_access: dict[str, Callable[[Any, Any], bool]] = field(default_factory=dict)
    # 我的: mine(user) -> list[MineItem], the signed-in person's items in this program, read in a
    # fixed number of queries whatever their number (or "package.module:function")
    mine: Callable[[Any], list[MineItem]] | str | None = None


class ProgramRegistry:
    def __init__(self) -> None:
        self._programs: dict[str, Program] = {}

    def register(self, program: Program) -> Program:
        if program.key in self._programs:
            raise ValueError(f"program {program.key!r} is registered twice")
        self._programs[program.key] = program
        return program

    def programs(self) -> list[Program]:
        return list(self._programs.values())

    def get(self, key: str) -> Program:
        return self._programs[key]

    def portal_tiles(self) -> list[PortalTile]:
        return sorted((t for p in self.programs() for t in p.portal_tiles), key=lambda t: t.order)

    def workbench_entries(self) -> list[WorkbenchEntry]:
        return sorted(
            (e for p in self.programs() for e in p.workbench_entries), key=lambda e: e.order
        )

    def kpis(self) -> list[tuple[Program, Kpi]]:
        return [(p, k) for p in self.programs() for k in p.kpis]

    def declared(self, kind: str) -> list[Any]:
        """Every program's declared ``notices``, ``processes``, ``periodic``, ``importers``
        or ``demo_accounts``."""
        return [item for p in self.programs() for item in getattr(p, kind)]

    def mine_providers(self) -> list[tuple[Program, Callable[[Any], list[MineItem]]]]:
        """Every program's 我的 provider, imported when first asked for."""
        from django.utils.module_loading import import_string

        found = []
        for p in self.programs():
            if p.mine is None:
                continue
            provider = p.mine
            if isinstance(provider, str):
                provider = p.mine = import_string(provider.replace(":", "."))
            found.append((p, provider))
        return found

    def attachment_access(self) -> dict[str, Callable[[Any, Any], bool]]:
        """Every program's rules for who may open a record's attachments, by lower-case label."""
        return {label.lower(): rule for p in self.programs() for label, rule in p.attachment_access.items()}


registry = ProgramRegistry()
