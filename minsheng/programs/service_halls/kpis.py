"""The program's KPIs for the city dashboard."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.registry import Kpi


def tickets_today() -> int:
    from .models import Ticket

    return Ticket.objects.filter(service_date=timezone.localdate()).count()


def median_wait_minutes() -> float | None:
    from .selectors.stats import median_wait_minutes as median

    return median(day=timezone.localdate())


def coverage_percent() -> float | None:
    from .selectors.coverage import coverage_current

    run = coverage_current()
    return round(run.share * 100, 1) if run else None


KPIS = [
    Kpi(key="service_halls.tickets_today", title=_("Queue tickets today"), compute=tickets_today),
    Kpi(key="service_halls.median_wait", title=_("Median wait today"), compute=median_wait_minutes, unit=_("min")),
    Kpi(key="service_halls.coverage", title=_("Residents within 15 minutes of a service point"),
        compute=coverage_percent, unit="%"),
]
