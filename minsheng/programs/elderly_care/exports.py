"""The program's staff lists as downloads (minsheng.imports.exports): the rows each page shows.

Each ``*_rows`` function is what its page reads (selector, scope, filters); the page and its
CSV/Excel download call the same one.
"""

from django.utils.translation import gettext_lazy as _

from minsheng.cases.selectors import state_title
from minsheng.imports.exports import ExportColumn, ListExport

from . import selectors
from .models import AnomalyStatus, EntitlementRule, OrderStatus, RetrofitStatus
from .services.periods import month_start

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


def caregiver_today_rows(*, user, params):
    """The caregiver's own visits of today (the phone page's list)."""
    from django.utils import timezone

    return selectors.caregiver_orders_on(user=user, day=timezone.localdate())


def alarms_rows(*, user, params):
    """The alarms page: those not closed yet, newest first."""
    return selectors.alarms_for(user=user).exclude(status="closed").select_related("region").order_by("-raised_at")


APPLICATION_STATES = ("reviewing", "approved", "rejected")


def applications_rows(*, user, params):
    """The applications page's tab: waiting for a decision unless another state (or all) is asked."""
    state = params.get("state") or "reviewing"
    qs = selectors.applications_for(user=user)
    return qs.filter(case__state=state) if state in APPLICATION_STATES else qs


def followups_rows(*, user, params):
    """The month's follow-up calls (this month unless ``month`` names one, as YYYY-MM)."""
    from datetime import date

    from django.utils import timezone

    try:
        month = date.fromisoformat(f"{params.get('month', '')[:7]}-01")
    except ValueError:
        month = month_start(timezone.localdate())
    return selectors.followup_calls_for(user=user, month=month).select_related("called_by").order_by("position")


def rectifications_rows(*, user, params):
    return selectors.rectifications_for(user=user).exclude(case__state="rectified")


def retrofits_rows(*, user, params):
    qs = selectors.retrofits_for(user=user).select_related("region").order_by("-updated_at")
    status = params.get("status", "")
    return qs.filter(status=status) if status in RetrofitStatus.values else qs


def anomalies_rows(*, user, params):
    return (
        selectors.anomalies_for(user=user)
        .filter(status=AnomalyStatus.OPEN)
        .select_related("work_order__service")
        .order_by("-created_at", "-pk")
    )


def rules_rows(*, user, params):
    return EntitlementRule.objects.all()  # city-wide, the same for every officer


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


def _amount(rule) -> str:
    return f"{rule.amount} {rule.get_unit_display()}"


ALARMS = ListExport(
    key=f"{HERE}:ALARMS",
    title=_("gas and smoke alarms"),
    columns=[
        ExportColumn(_("Raised at"), lambda a: a.raised_at),
        ExportColumn(_("Elder"), lambda a: a.elder.person.name),
        ExportColumn(_("Community"), lambda a: a.region.name),
        ExportColumn(_("Device"), lambda a: str(a.device)),
        ExportColumn(_("Status"), lambda a: a.get_status_display()),
        ExportColumn(_("Escalation level"), lambda a: a.escalation_level),
    ],
    rows=alarms_rows,
)

APPLICATIONS = ListExport(
    key=f"{HERE}:APPLICATIONS",
    title=_("home-care applications"),
    columns=[
        ExportColumn(_("Case"), lambda a: a.case.reference if a.case_id else ""),
        ExportColumn(_("Older person"), lambda a: a.person.name),
        ExportColumn(_("Community"), lambda a: a.region.name),
        ExportColumn(_("Submitted on"), lambda a: a.created_at),
        ExportColumn(_("Status"), lambda a: a.state_title() if a.case_id else ""),
    ],
    rows=applications_rows,
)

FOLLOWUPS = ListExport(
    key=f"{HERE}:FOLLOWUPS",
    title=_("follow-up calls"),
    columns=[
        ExportColumn(_("Elder"), lambda c: c.work_order.elder.person.name),
        ExportColumn(_("Service"), lambda c: c.work_order.service.label),
        ExportColumn(_("Provider"), lambda c: c.work_order.provider.name),
        ExportColumn(_("Visit"), lambda c: c.work_order.planned_start),
        ExportColumn(_("Result"), lambda c: c.get_result_display()),
        ExportColumn(_("Satisfaction (1–5)"), lambda c: c.satisfaction or ""),
        ExportColumn(_("Called at"), lambda c: c.called_at or ""),
    ],
    rows=followups_rows,
)

RECTIFICATIONS = ListExport(
    key=f"{HERE}:RECTIFICATIONS",
    title=_("rectifications"),
    columns=[
        ExportColumn(_("Provider"), lambda r: r.provider.name),
        ExportColumn(_("Elder"), lambda r: r.work_order.elder.person.name),
        ExportColumn(_("Service"), lambda r: r.work_order.service.label),
        ExportColumn(_("Reason"), lambda r: r.reason),
        ExportColumn(_("Due by"), lambda r: r.due_at),
        ExportColumn(_("Status"), lambda r: state_title(r.case) if r.case_id else ""),
    ],
    rows=rectifications_rows,
)

RETROFITS = ListExport(
    key=f"{HERE}:RETROFITS",
    title=_("home retrofit files"),
    columns=[
        ExportColumn(_("Household number"), lambda r: r.household),
        ExportColumn(_("Elder"), lambda r: r.elder.person.name),
        ExportColumn(_("Community"), lambda r: r.region.name),
        ExportColumn(_("Status"), lambda r: r.get_status_display()),
        ExportColumn(_("Subsidy (yuan)"), lambda r: r.subsidy),
    ],
    rows=retrofits_rows,
)

ANOMALIES = ListExport(
    key=f"{HERE}:ANOMALIES",
    title=_("visit anomalies"),
    columns=[
        ExportColumn(_("Found at"), lambda a: a.created_at),
        ExportColumn(_("Kind"), lambda a: a.get_kind_display()),
        ExportColumn(_("Visit"), lambda a: a.work_order.planned_start),
        ExportColumn(_("Elder"), lambda a: a.work_order.elder.person.name),
        ExportColumn(_("Service"), lambda a: a.work_order.service.label),
        ExportColumn(_("Provider"), lambda a: a.work_order.provider.name),
        ExportColumn(_("Caregiver"), lambda a: a.work_order.caregiver.user.name if a.work_order.caregiver_id else ""),
    ],
    rows=anomalies_rows,
)

RULES = ListExport(
    key=f"{HERE}:RULES",
    title=_("entitlement rules"),
    columns=[
        ExportColumn(_("Rule name"), lambda r: r.name),
        ExportColumn(_("Category"), lambda r: r.get_category_display()),
        ExportColumn(_("Lowest ability level"), lambda r: r.min_level),
        ExportColumn(_("Highest ability level"), lambda r: r.max_level),
        ExportColumn(_("Monthly amount"), _amount),
        ExportColumn(_("Effective from"), lambda r: r.effective_from),
        ExportColumn(_("Effective to"), lambda r: r.effective_to or ""),
        ExportColumn(_("Priority"), lambda r: r.priority),
    ],
    rows=rules_rows,
)

CAREGIVER_TODAY = ListExport(
    key=f"{HERE}:CAREGIVER_TODAY",
    title=_("my visits today"),
    columns=[
        ExportColumn(_("Planned start"), lambda o: o.planned_start),
        ExportColumn(_("Elder"), lambda o: o.elder.person.name),
        ExportColumn(_("Service"), lambda o: o.service.label),
        ExportColumn(_("Status"), lambda o: o.get_status_display()),
    ],
    rows=caregiver_today_rows,
)
