"""Months and days as the services count them: calendar months, local midnights."""

import calendar
from datetime import date, datetime, time

from django.utils import timezone


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Local midnight at the start of ``start`` and of ``end``, as aware datetimes."""
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tzinfo=tz), datetime.combine(end, time.min, tzinfo=tz)
