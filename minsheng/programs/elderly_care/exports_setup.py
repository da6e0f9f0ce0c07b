"""The set-up lists as downloads (minsheng.imports.exports): each ``*_rows`` is what its page
reads (selectors_setup: scope and filters), so the page and its CSV/Excel file agree."""

from django.utils.translation import gettext_lazy as _

from minsheng.imports.exports import ExportColumn, ListExport

from . import selectors_setup as sel
from .models import ContractStatus

HERE = "minsheng.programs.elderly_care.exports_setup"


def _q(params) -> str:
    return (params.get("q") or "").strip()


def providers_rows(*, user, params):
    qs = sel.providers_for(user=user).order_by("-is_active", "region_id", "name", "pk")
    return qs.filter(name__contains=_q(params)) if _q(params) else qs


def contracts_rows(*, user, params):
    qs = sel.contracts_for(user=user).order_by("status", "-valid_to", "pk")
    status = params.get("status", "")
    if status in ContractStatus.values:
        qs = qs.filter(status=status)
    return qs.filter(provider__name__contains=_q(params)) if _q(params) else qs


def catalogue_rows(*, user, params):
    return sel.catalogue_with_prices(user=user)


def caregivers_rows(*, user, params):
    qs = sel.caregivers_for(user=user).order_by("-is_active", "provider__name", "user__name", "pk")
    if params.get("active") == "yes":
        qs = qs.filter(is_active=True)
    return qs.filter(user__name__contains=_q(params)) if _q(params) else qs


def devices_rows(*, user, params):
    qs = sel.devices_for(user=user).order_by("retired_on", "region_id", "-installed_on", "pk")
    if params.get("state") == "offline":
        qs = qs.filter(is_offline=True, retired_on__isnull=True)
    elif params.get("state") == "retired":
        qs = qs.filter(retired_on__isnull=False)
    elif params.get("state") == "in_use":
        qs = qs.filter(retired_on__isnull=True)
    return qs


def _yes(value: bool) -> str:
    return str(_("yes") if value else _("no"))


PROVIDERS = ListExport(
    key=f"{HERE}:PROVIDERS",
    title=_("home-care providers"),
    columns=[
        ExportColumn(_("Provider"), lambda p: p.name),
        ExportColumn(_("Region"), lambda p: p.region.name),
        ExportColumn(_("Unified social credit code"), lambda p: p.credit_code),
        ExportColumn(_("Address"), lambda p: p.address),
        ExportColumn(_("Contracts in force"), lambda p: p.n_contracts),
        ExportColumn(_("Active caregivers"), lambda p: p.n_caregivers),
        ExportColumn(_("Status"), lambda p: str(_("operating") if p.is_active else _("suspended"))),
    ],
    rows=providers_rows,
)

CONTRACTS = ListExport(
    key=f"{HERE}:CONTRACTS",
    title=_("home-care provider contracts"),
    columns=[
        ExportColumn(_("Contract number"), lambda c: c.number),
        ExportColumn(_("Provider"), lambda c: c.provider.name),
        ExportColumn(_("Region served"), lambda c: c.region.name),
        ExportColumn(_("Signed by"), lambda c: c.bureau.name if c.bureau_id else ""),
        ExportColumn(_("Valid from"), lambda c: c.valid_from),
        ExportColumn(_("Valid to"), lambda c: c.valid_to),
        ExportColumn(_("Services priced"), lambda c: c.n_prices),
        ExportColumn(_("Status"), lambda c: c.get_status_display()),
    ],
    rows=contracts_rows,
)

CATALOGUE = ListExport(
    key=f"{HERE}:CATALOGUE",
    title=_("home-care services and prices"),
    columns=[
        ExportColumn(_("Code"), lambda i: i.code),
        ExportColumn(_("Service"), lambda i: i.label),
        ExportColumn(_("Unit"), lambda i: i.get_unit_display()),
        ExportColumn(_("Guide price (yuan)"), lambda i: i.default_price),
        ExportColumn(_("Planned minutes"), lambda i: i.default_minutes),
        ExportColumn(_("Contracts paying it"), lambda i: i.n_contracts),
        ExportColumn(_("Lowest contract price (yuan)"), lambda i: i.lowest if i.lowest is not None else ""),
        ExportColumn(_("Highest contract price (yuan)"), lambda i: i.highest if i.highest is not None else ""),
        ExportColumn(_("Offered"), lambda i: _yes(i.is_active)),
    ],
    rows=catalogue_rows,
)

CAREGIVERS = ListExport(
    key=f"{HERE}:CAREGIVERS",
    title=_("home caregivers"),
    columns=[
        ExportColumn(_("Name"), lambda c: c.user.name),
        ExportColumn(_("Provider"), lambda c: c.provider.name),
        ExportColumn(_("Qualification"), lambda c: c.get_qualification_display()),
        ExportColumn(_("Certificate number"), lambda c: c.certificate_number),
        ExportColumn(_("Certificate valid to"), lambda c: c.certificate_valid_to or ""),
        ExportColumn(_("Active"), lambda c: _yes(c.is_active)),
    ],
    rows=caregivers_rows,
)

DEVICES = ListExport(
    key=f"{HERE}:DEVICES",
    title=_("alarm devices"),
    columns=[
        ExportColumn(_("Type"), lambda d: d.get_kind_display()),
        ExportColumn(_("Serial number / IMEI"), lambda d: d.imei),
        ExportColumn(_("Vendor"), lambda d: d.vendor.name),
        ExportColumn(_("Elder"), lambda d: d.elder.person.name),
        ExportColumn(_("Community"), lambda d: d.region.name),
        ExportColumn(_("Installed on"), lambda d: d.installed_on),
        ExportColumn(_("Last heard from"), lambda d: d.last_seen_at or ""),
        ExportColumn(_("Offline"), lambda d: _yes(d.is_offline and d.retired_on is None)),
        ExportColumn(_("Retired on"), lambda d: d.retired_on or ""),
    ],
    rows=devices_rows,
)
