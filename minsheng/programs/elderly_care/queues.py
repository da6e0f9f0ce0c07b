"""What waits for a staff member behind each workbench entry (``WorkbenchEntry.count``).

One COUNT each, through the same access gates as the pages they link to, so a number on
the workbench is never one the page would not show.
"""

from django.db.models import Q
from django.utils import timezone

from minsheng.access.selectors import scope_q

from . import selectors
from .models import (
    AlarmStatus,
    AnomalyStatus,
    OrderStatus,
    SettlementStatement,
    StatementStatus,
)

UNFINISHED_VISITS = (OrderStatus.PLANNED, OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS)


def visits_today(user) -> int:
    """The caregiver's visits today not yet done."""
    day = timezone.localdate()
    return selectors.caregiver_orders_on(user=user, day=day).filter(status__in=UNFINISHED_VISITS).count()


def applications_waiting(user) -> int:
    """Applications for home care waiting for a decision."""
    return selectors.applications_for(user=user).filter(case__state="reviewing").count()


def anomalies_open(user) -> int:
    return selectors.anomalies_for(user=user).filter(status=AnomalyStatus.OPEN).count()


def alarms_open(user) -> int:
    """Alarms not yet closed (raised or acknowledged)."""
    return selectors.alarms_for(user=user).exclude(status=AlarmStatus.CLOSED).count()


def statements_waiting(user) -> int:
    """Statements waiting for this person: the provider confirms a computed one, civil affairs
    approves a confirmed one."""
    officer = scope_q(user=user, roles=["civil_affairs_officer"], region_field="provider__region")
    provider = scope_q(
        user=user, roles=["provider_admin"], region_field="provider__region", organisation_field="provider"
    )
    return SettlementStatement.objects.filter(
        (officer & Q(status=StatementStatus.CONFIRMED)) | (provider & Q(status=StatementStatus.DRAFT))
    ).count()


def rectifications_open(user) -> int:
    return selectors.rectifications_for(user=user).filter(case__closed_at__isnull=True).count()


def followups_to_call(user) -> int:
    """This month's sampled follow-up calls not made yet."""
    month = timezone.localdate().replace(day=1)
    return selectors.followup_calls_for(user=user, month=month).filter(called_at__isnull=True).count()
