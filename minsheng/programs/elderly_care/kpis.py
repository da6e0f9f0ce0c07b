"""Numbers for the city dashboard (read from the daily rollup, never the raw visits)."""

from django.db.models import Sum
from django.utils import timezone


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
