"""The program's staff lists as downloads (minsheng.imports.exports): the rows each page shows.

Each ``*_rows`` function is what its page reads (selector, scope, filters); the page and its
CSV/Excel download call the same one.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.imports.exports import ExportColumn, ListExport

from . import selectors
from .models import OrderStatus

HERE = "minsheng.programs.elderly_care.exports"


def elders_rows(*, user, params):
    qs = selectors.elders_for(user=user).order_by("person__name", "pk")
    q = (params.get("q") or "").strip()
    return qs.filter(person__name__contains=q) if q else qs


def orders_rows(*, user, params):
    qs = selectors.orders_for(user=user).order_by("-planned_start", "pk")
    status = params.get("status", "")
    return qs.filter(status=status) if status in OrderStatus.values else qs


def statements_rows(*, user, params):
    return selectors.statements_for(user=user)


ELDERS = ListExport(
    key=f"{HERE}:ELDERS",
    title=_("elders receiving home care"),
    columns=[
        ExportColumn(_("Name"), lambda e: e.person.name),
        ExportColumn(_("Community"), lambda e: e.region.name),
        ExportColumn(_("Categories"), lambda e: "、".join(str(c) for c in e.category_labels())),
        ExportColumn(_("Ability level"), lambda e: e.get_ability_level_display() or ""),
        ExportColumn(_("Status"), lambda e: e.get_status_display()),
    ],
    rows=elders_rows,
)

ORDERS = ListExport(
    key=f"{HERE}:ORDERS",
    title=_("home-care work orders"),
    columns=[
        ExportColumn("#", lambda o: o.pk),
        ExportColumn(_("Planned start"), lambda o: o.planned_start),
        ExportColumn(_("Elder"), lambda o: o.elder.person.name),
        ExportColumn(_("Service"), lambda o: o.service.title),
        ExportColumn(_("Caregiver"), lambda o: o.caregiver.user.name if o.caregiver_id else ""),
        ExportColumn(_("Status"), lambda o: o.get_status_display()),
        ExportColumn(_("Amount (yuan)"), lambda o: o.amount),
    ],
    rows=orders_rows,
)

STATEMENTS = ListExport(
    key=f"{HERE}:STATEMENTS",
    title=_("home-care settlement statements"),
    columns=[
        ExportColumn(_("Month"), lambda s: s.month.strftime("%Y-%m")),
        ExportColumn(_("Provider"), lambda s: s.provider.name),
        ExportColumn(_("Verified visits"), lambda s: s.visits),
        ExportColumn(_("Gross amount (yuan)"), lambda s: s.gross),
        ExportColumn(_("Deductions (yuan)"), lambda s: s.deductions),
        ExportColumn(_("Amount payable (yuan)"), lambda s: s.net),
        ExportColumn(_("Status"), lambda s: s.get_status_display()),
    ],
    rows=statements_rows,
)
