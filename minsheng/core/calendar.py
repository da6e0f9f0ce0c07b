"""Working days and working hours on China's official calendar.

The HolidayDay table is the only source read at runtime. It is seeded from
chinesecalendar (``manage.py seed_holidays`` and a data migration), which
knows the State Council's arrangement up to 2026 and raises for later years,
so it is never called here. Administrators add later years in the admin when
the State Council publishes them (usually each November).

A year with no rows counts Monday–Friday: results falling in (or passing
through) it are marked ``provisional``, a warning is logged, and the admin
and the workbench show a banner. Nothing here raises for a missing year.

Conventions:
- ``add_working_days(start, n)`` follows the administrative rule that the day
  of the start does not count: the deadline is the end (23:59:59) of the n-th
  working day after the start's date.
- ``add_working_hours`` counts only office hours (default 08:30–12:00 and
  13:30–17:30, or the organisation's ``office_hours``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_OFFICE_HOURS = {"am": ["08:30", "12:00"], "pm": ["13:30", "17:30"]}
END_OF_DAY = time(23, 59, 59)

# chinesecalendar's English names → the official Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}

_warned_years: set[int] = set()


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool  # True when a year without official data was counted Monday–Friday


class _Days:
    """The special days of a date range, loaded in two queries."""

    def __init__(self, first: date, last: date):
        from .models import HolidayDay, HolidayKind

        rows = HolidayDay.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "kind"
        )
        self.off = {d for d, k in rows if k == HolidayKind.HOLIDAY}
        self.on = {d for d, k in rows if k == HolidayKind.ADJUSTED_WORKDAY}
        years = range(first.year, last.year + 1)
        self.known_years = {
            d.year
            for d in HolidayDay.objects.filter(date__year__in=list(years)).dates("date", "year")
        }
        self.provisional = False

    def is_working_day(self, d: date) -> bool:
        if d.year not in self.known_years:
            self.provisional = True
            _warn_missing(d.year)
            return d.weekday() < 5
        if d in self.on:
            return True
        if d in self.off:
            return False
        return d.weekday() < 5


def _warn_missing(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        logger.warning(
            "No holiday data for %s: counting Monday-Friday and marking deadlines provisional. "
            "Add the year's holidays in the admin (Holidays and adjusted working days).",
            year,
        )


def _local(dt: datetime) -> datetime:
    if timezone.is_naive(dt):
        return timezone.make_aware(dt)
    return timezone.localtime(dt)


def is_working_day(d: date) -> bool:
    return _Days(d, d).is_working_day(d)


def add_working_days(start: datetime, days: int) -> Deadline:
    """The end of the ``days``-th working day after ``start``'s date (the start day does not count)."""
    start = _local(start)
    day = start.date()
    if days <= 0:
        return Deadline(at=start, provisional=False)
    window = days * 2 + 40
    while True:
        cal = _Days(day, day + timedelta(days=window))
        left, cursor = days, day
        for _i in range(window):
            cursor += timedelta(days=1)
            if cal.is_working_day(cursor):
                left -= 1
                if left == 0:
                    at = timezone.make_aware(datetime.combine(cursor, END_OF_DAY))
                    return Deadline(at=at, provisional=cal.provisional)
        window *= 2


def _intervals(office_hours: dict | None) -> list[tuple[time, time]]:
    spec = office_hours or DEFAULT_OFFICE_HOURS
    result = []
    for pair in spec.values():
        try:
            a, b = (time.fromisoformat(str(x)) for x in pair)
        except (TypeError, ValueError):
            continue
        if a < b:
            result.append((a, b))
    return sorted(result) or _intervals(DEFAULT_OFFICE_HOURS)


def add_working_hours(
    start: datetime, hours: float, *, office_hours: dict | None = None
) -> Deadline:
    """``start`` plus ``hours`` of office time on working days."""
    start = _local(start)
    remaining = timedelta(hours=hours)
    if remaining <= timedelta(0):
        return Deadline(at=start, provisional=False)
    intervals = _intervals(office_hours)
    day = start.date()
    window = int(hours // 4) * 2 + 40
    cal, cal_end, provisional = _Days(day, day + timedelta(days=window)), day + timedelta(days=window), False
    while True:
        if day > cal_end:
            provisional = provisional or cal.provisional
            window *= 2
            cal, cal_end = _Days(day, day + timedelta(days=window)), day + timedelta(days=window)
        if cal.is_working_day(day):
            for a, b in intervals:
                lo = max(start, timezone.make_aware(datetime.combine(day, a)))
                hi = timezone.make_aware(datetime.combine(day, b))
                if lo >= hi:
                    continue
                if hi - lo >= remaining:
                    return Deadline(at=lo + remaining, provisional=provisional or cal.provisional)
                remaining -= hi - lo
        day += timedelta(days=1)


def working_hours_between(
    start: datetime, end: datetime, *, office_hours: dict | None = None
) -> float:
    """Office hours on working days between two instants (0 when ``end`` is not after ``start``)."""
    start, end = _local(start), _local(end)
    if end <= start:
        return 0.0
    intervals = _intervals(office_hours)
    cal = _Days(start.date(), end.date())
    total = timedelta(0)
    day = start.date()
    while day <= end.date():
        if cal.is_working_day(day):
            for a, b in intervals:
                lo = max(start, timezone.make_aware(datetime.combine(day, a)))
                hi = min(end, timezone.make_aware(datetime.combine(day, b)))
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def missing_years(years: Iterable[int]) -> list[int]:
    """Which of ``years`` have no holiday rows (their deadlines are provisional)."""
    from .models import HolidayDay

    years = sorted(set(years))
    known = {d.year for d in HolidayDay.objects.filter(date__year__in=years).dates("date", "year")}
    return [y for y in years if y not in known]


def calendar_warnings(*, today: date | None = None) -> list[int]:
    """Years administrators must fill: this year and next year when they have no rows."""
    today = today or timezone.localdate()
    return missing_years([today.year, today.year + 1])


def holidays_seed(*, years: Iterable[int] | None = None) -> int:
    """Copy chinesecalendar's arrangement into HolidayDay for ``years`` (default: all it knows).

    Only years chinesecalendar covers are read; rows an administrator added
    or edited for a date are left as they are. Returns the number of rows created.
    """
    import chinese_calendar

    from .models import HolidayDay, HolidayKind

    source = f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
    wanted = set(years) if years is not None else None
    existing = set(HolidayDay.objects.values_list("date", flat=True))
    rows = []
    for table, kind in (
        (chinese_calendar.holidays, HolidayKind.HOLIDAY),
        (chinese_calendar.workdays, HolidayKind.ADJUSTED_WORKDAY),
    ):
        for d, name in table.items():
            if (wanted is not None and d.year not in wanted) or d in existing:
                continue
            rows.append(
                HolidayDay(date=d, kind=kind, name=HOLIDAY_NAMES_ZH.get(name, name), source=source)
            )
    HolidayDay.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
