"""Numbers for the city dashboard (read from the daily rollup, never the raw visits)."""

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import Kpi


def verified_visits_this_month() -> int:
    from .models import DailyRollup

    today = timezone.localdate()
    total = DailyRollup.objects.filter(day__gte=today.replace(day=1), day__lte=today).aggregate(
        n=Sum("verified")
    )["n"]
    return int(total or 0)


def open_alarms() -> int:
    from .models import AlarmEvent, AlarmStatus

    return AlarmEvent.objects.exclude(status=AlarmStatus.CLOSED).count()


KPIS = [
    Kpi(
        key="elderly_care.verified_visits_month",
        title=_("Verified home-care visits this month"),
        compute=verified_visits_this_month,
    ),
    Kpi(
        key="elderly_care.open_alarms",
        title=_("Open gas and smoke alarms"),
        compute=open_alarms,
    ),
]
