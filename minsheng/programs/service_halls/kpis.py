"""The program's KPIs for the dashboard (registered in apps.py)."""

from django.utils import timezone


def tickets_today() -> int:
    from .models import Ticket

    return Ticket.objects.filter(service_date=timezone.localdate()).count()


def median_wait_minutes() -> float | None:
    from .selectors import median_wait_minutes as median

    return median(day=timezone.localdate())


def coverage_percent() -> float | None:
    from .selectors import coverage_current

    run = coverage_current()
    return round(run.share * 100, 1) if run else None
