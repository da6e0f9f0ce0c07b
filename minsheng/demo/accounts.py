"""The demo city's sign-ins: one account per role, and the one table that lists them.

Each program declares its accounts on its registry entry (``Program.demo_accounts``, a list
of ``core.registry.DemoAccount``); the shared modules' accounts (platform and staff
administrators, departments, bank, citizens) are declared here. ``accounts_build`` runs at
the end of ``demo_build``, after every part: it makes each declared account whose part is
built, gives it its roles, and records it for the table. A generator that needs one of
these accounts while it builds (an organiser who opens a cycle) calls ``demo_account``.
``accounts_table`` is what ``manage.py demo`` and ``minsheng up`` print and write to
``var/demo-accounts.txt``.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation, OrganisationKind, RoleAssignment
from minsheng.access.services import role_assign, roles_sync
from minsheng.core.creditcode import credit_code_generate
from minsheng.core.registry import DemoAccount, registry
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.normalize import normalize_phone

from .context import DEMO_PASSWORD, DemoContext
from .geography import CITY_CODE
from .models import DemoLogin, DemoRun

FOUNDATION = "foundation"
DEMO_AUTHENTICATOR_KEY = "MINSHENGDEMOPII2"  # base32; printed in the table, demo data only
DISTRICT = "320706"  # 海州区: the district whose accounts the table shows

FOUNDATION_ACCOUNTS = [
    DemoAccount(
        login="admin", roles=("admin",), superuser=True, organisation="department:government",
        title=_("platform administrator (superuser)"),
        try_this=_("/admin/: city-wide reference data, with import and export; the audit trail"),
        order=0,
    ),
    DemoAccount(
        login="city_admin", roles=("staff_admin",), organisation="department:government",
        title=_("city staff administrator"),
        try_this=_("Workbench → Staff: invite staff by phone, give and take roles anywhere in the city"),
        order=1,
    ),
    DemoAccount(
        login="district_admin_haizhou", roles=("staff_admin",),
        organisation="minsheng.demo.accounts:district_government",
        title=_("district staff administrator"),
        try_this=_("Workbench → Staff: roles only within the Haizhou district's organisations"),
        order=2,
    ),
    DemoAccount(
        login="leader", roles=("supervisor",), organisation="department:government",
        title=_("city supervisor"),
        try_this=_("The dashboards, the audit trail, every program's statistics"),
        order=3,
    ),
    DemoAccount(
        login="civil_affairs_city", roles=("case_officer",), organisation="department:civil_affairs",
        title=_("case officer, city civil affairs bureau"),
        try_this=_("Workbench inbox: claim and complete case tasks"),
        order=4,
    ),
    DemoAccount(
        login="civil_affairs_haizhou", roles=("case_officer",),
        organisation=f"department:civil_affairs@{DISTRICT}",
        title=_("case officer, district civil affairs bureau"),
        try_this=_("Workbench inbox: the district's case tasks"),
        order=5,
    ),
    DemoAccount(
        login="civil_affairs_pii", roles=("case_officer", "pii_viewer"),
        organisation="department:civil_affairs",
        title=_("case officer who may see personal data"),
        try_this=_("Unmask an ID number (asks for a second factor; the view is audited)"),
        order=6,
        # Set up already, with a key everyone trying the demo can add to an authenticator app
        # (a secret enrolled by one visitor would lock the next out). Staff without one are
        # shown the set-up page (QR code) instead.
        authenticator=DEMO_AUTHENTICATOR_KEY,
    ),
    DemoAccount(
        login="civil_affairs_supervisor", roles=("supervisor", "department_head"),
        organisation="department:civil_affairs",
        title=_("supervisor and head, city civil affairs bureau"),
        try_this=_("Elderly care: elders, work orders, settlement, alarms, anomalies; reassign tasks"),
        order=7,
    ),
    DemoAccount(
        login="education_donghai", roles=("case_officer",), organisation="department:education@320722",
        title=_("case officer, county education bureau"),
        try_this=_("Workbench inbox: the county's education cases"),
        order=8,
    ),
    DemoAccount(
        login="13900000001", roles=(), title=_("citizen"),
        try_this=_("Start a business; apply for home care for a parent; rate a finished case"),
        order=90,
    ),
    DemoAccount(
        login="13900000002", roles=(), title=_("citizen (a parent)"),
        try_this=_("Apply for after-school care for her child; follow the lottery"),
        order=91,
    ),
    DemoAccount(
        login="13900000003", roles=(), title=_("citizen"),
        try_this=_("Take a queue number at a service hall; propose a livelihood project"),
        order=92,
    ),
]


def district_government(ctx: DemoContext) -> Organisation:
    """海州区人民政府 — the district's government, whose staff administrator manages its staff.

    Under the city's government, so the city's administrator covers it too.
    """
    city_gov = ctx.department("government")
    org, _created = Organisation.objects.get_or_create(
        kind=OrganisationKind.DEPARTMENT, department_code="government", region_id=DISTRICT,
        defaults={
            "name": "连云港市海州区人民政府", "parent": city_gov, "address": "江苏省连云港市海州区",
            "credit_code": credit_code_generate(
                rng=ctx.rng, region_code=DISTRICT, authority="1", entity_class="1"
            ),
        },
    )
    return org


def declared_accounts() -> list[tuple[str, DemoAccount]]:
    """(part, account) for the foundation's and every program's declared accounts, in table order."""
    pairs = [(FOUNDATION, a) for a in FOUNDATION_ACCOUNTS]
    pairs += [(p.key, a) for p in registry.programs() for a in p.demo_accounts]
    return sorted(pairs, key=lambda pa: (pa[1].order, pa[1].login))


def _call(spec: str, *args):
    return import_string(spec.replace(":", "."))(*args)


def _organisation(ctx: DemoContext, spec: str) -> Organisation | None:
    if not spec:
        return None
    if ":" in spec and spec.split(":", 1)[0] in ("department", "kind"):
        what, rest = spec.split(":", 1)
        code, _at, region = rest.partition("@")
        if what == "department":
            return Organisation.objects.filter(
                kind=OrganisationKind.DEPARTMENT, department_code=code, region_id=region or CITY_CODE
            ).first()
        qs = Organisation.objects.filter(kind=code)
        if region:
            qs = qs.filter(region__prefix__startswith=region)
        return qs.order_by("pk").first()
    return _call(spec, ctx)


def _find(login: str) -> User | None:
    phone = normalize_phone(login) if login.isdigit() else ""
    if phone:
        return User.objects.filter(phone_hash=keyed_hash(phone)).first()
    return User.objects.filter(username=login).first()


def _make(ctx: DemoContext, account: DemoAccount, organisation: Organisation | None, password: str):
    """The account, created or adopted, with the demo password; None when its data is absent."""
    user = _find(account.login)
    if user is None and account.adopt:
        user = _call(account.adopt, ctx, organisation)
        if user is None:
            return None
        _set_login(user, account.login)
        user.password = password
        user.save(update_fields=["username", "phone", "phone_hash", "password"])
    elif user is None:
        user = User(
            name=ctx.person_name("F" if ctx.rng.random() < 0.5 else "M"),
            is_staff=bool(account.roles) or account.superuser,
            is_superuser=account.superuser,
            password=password,
        )
        _set_login(user, account.login)
        user.save()
    elif not user.has_usable_password():
        user.password = password
        user.save(update_fields=["password"])
    return user


def _set_login(user: User, login: str) -> None:
    phone = normalize_phone(login) if login.isdigit() else ""
    if phone:
        user.phone, user.phone_hash = phone, keyed_hash(phone)
        person = getattr(user, "person", None)
        if person is not None:  # the real-name record carries the same number
            person.phone, person.phone_hash = phone, user.phone_hash
            person.save(update_fields=["phone", "phone_hash"])
    else:
        user.username = login


def _grant(user: User, account: DemoAccount, organisation: Organisation) -> None:
    region = account.region or organisation.region_id
    held = set(
        RoleAssignment.objects.filter(
            user=user, organisation=organisation, region_id=region
        ).values_list("role_id", flat=True)
    )
    for role in account.roles:
        if role not in held:
            role_assign(user=user, role_code=role, organisation=organisation, region=region)


def _ensure(ctx: DemoContext, account: DemoAccount, password: str) -> User | None:
    organisation = _organisation(ctx, account.organisation)
    if account.organisation and organisation is None:
        return None
    user = _make(ctx, account, organisation, password)
    if user is None:
        return None
    if organisation is not None:
        _grant(user, account, organisation)
    if account.authenticator and not (user.has_second_factor and user.totp_secret == account.authenticator):
        user.totp_secret, user.totp_confirmed_at = account.authenticator, timezone.now()
        user.save(update_fields=["totp_secret", "totp_confirmed_at"])
    with translation.override(settings.LANGUAGE_CODE):
        DemoLogin.objects.update_or_create(
            login=account.login,
            defaults={
                "password": DEMO_PASSWORD,
                "role": str(account.title)[:100],
                "organisation": organisation.name if organisation else "",
                "order": account.order,
            },
        )
    return user


def demo_account(ctx: DemoContext, login: str) -> User:
    """The declared account ``login``, made now: for a generator that acts as it."""
    roles_sync()
    for _part, account in declared_accounts():
        if account.login == login:
            user = _ensure(ctx, account, make_password(DEMO_PASSWORD))
            if user is None:
                raise LookupError(f"demo account {login!r}: its organisation is not built yet")
            return user
    raise LookupError(f"no demo account {login!r} is declared")


@transaction.atomic
def accounts_build(ctx: DemoContext) -> dict[str, int]:
    """Make every declared account whose part is built; returns how many exist now."""
    roles_sync()
    built = set(DemoRun.objects.values_list("part", flat=True))
    password = make_password(DEMO_PASSWORD)  # hashed once: a hash costs ~0.2 CPU-seconds
    made = 0
    for part, account in declared_accounts():
        if part in built and _ensure(ctx, account, password) is not None:
            made += 1
    return {"demo accounts": made}


# --- the table ----------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def format_table(rows: list[list[str]]) -> str:
    """Rows as aligned columns (Chinese characters count double), the first row a header."""
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def accounts_rows() -> list[list[str]]:
    """role → account → password → organisation → what to try, for each account that exists."""
    made = {d.login: d for d in DemoLogin.objects.all()}
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        for _part, account in declared_accounts():
            login = made.get(account.login)
            if login is None:
                continue
            try_this = str(account.try_this)
            if account.authenticator:
                try_this += " " + str(_("(authenticator app key: %(key)s)") % {"key": account.authenticator})
            rows.append([str(account.title), login.login, login.password, login.organisation, try_this])
        header = [str(_("role")), str(_("account")), str(_("password")), str(_("organisation")),
                  str(_("what to try"))]
    return [header, *rows]


def accounts_table() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        title = str(_("Demo accounts: staff sign in at /workbench/ (and /admin/), citizens at /"))
        other = str(_("Every other demo staff account (e.g. education_haizhou, tax_city) uses the same password."))
    return f"{title}\n{format_table(accounts_rows())}\n{other}\n"


def accounts_write(path: Path | None = None) -> Path:
    """Write the table to ``var/demo-accounts.txt`` (or ``path``); returns where."""
    path = path or Path(settings.VAR_DIR) / "demo-accounts.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(accounts_table(), encoding="utf-8")
    return path
