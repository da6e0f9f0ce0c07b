"""Working days on China's official calendar, from the holiday table (seeded by migration)."""

import logging
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from minsheng.core import calendar as calendar_module
from minsheng.core import periodic
from minsheng.core.calendar import (
    add_working_days,
    add_working_hours,
    calendar_warnings,
    is_working_day,
    working_hours_between,
)
from minsheng.core.models import HolidayDay, HolidayKind

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def test_national_day_2026_is_off_and_the_adjusted_saturday_is_a_working_day():
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
    assert not is_working_day(date(2026, 10, 11))  # Sunday
    assert is_working_day(date(2026, 9, 20))  # Sunday, 调休上班 for National Day
    assert not is_working_day(date(2026, 9, 25))  # 中秋节 (Friday)


def test_two_working_days_from_the_eve_of_national_day_end_on_october_9():
    deadline = add_working_days(at(2026, 9, 30, 10, 0), 2)
    assert deadline.at == at(2026, 10, 9, 23, 59, 59)
    assert deadline.provisional is False


def test_three_working_days_from_the_eve_of_national_day_land_on_the_adjusted_saturday():
    deadline = add_working_days(at(2026, 9, 30, 16, 0), 3)
    assert deadline.at.date() == date(2026, 10, 10)
    assert deadline.at.weekday() == 5


def test_working_hours_skip_lunch_night_weekend_and_holidays():
    # Friday 11:00 + 3 h: 1 h before lunch, 2 h after → 15:30.
    assert add_working_hours(at(2026, 6, 5, 11, 0), 3).at == at(2026, 6, 5, 15, 30)
    # Friday 16:30 + 2 h: 1 h on Friday, then Monday 08:30 + 1 h.
    assert add_working_hours(at(2026, 6, 5, 16, 30), 2).at == at(2026, 6, 8, 9, 30)
    # Wednesday 30 Sept 17:00 + 1 h: National Day week is skipped → Thursday 8 Oct 09:00.
    assert add_working_hours(at(2026, 9, 30, 17, 0), 1).at == at(2026, 10, 8, 9, 0)
    # Starting in the lunch break counts from 13:30.
    assert add_working_hours(at(2026, 6, 3, 12, 15), 0.5).at == at(2026, 6, 3, 14, 0)


def test_office_hours_of_an_organisation_are_used():
    hours = {"all": ["09:00", "17:00"]}
    assert add_working_hours(at(2026, 6, 3, 16, 0), 2, office_hours=hours).at == at(
        2026, 6, 4, 10, 0
    )


def test_elapsed_working_hours_count_only_office_time():
    assert working_hours_between(at(2026, 6, 5, 11, 0), at(2026, 6, 8, 9, 30)) == pytest.approx(
        1 + 4 + 1
    )
    assert working_hours_between(at(2026, 9, 30, 8, 30), at(2026, 10, 8, 17, 30)) == 15
    assert working_hours_between(at(2026, 6, 8), at(2026, 6, 5)) == 0


def test_a_year_without_rows_counts_monday_to_friday_provisionally_and_never_raises(caplog):
    calendar_module._warned_years.discard(2027)  # the warning is logged once per process
    with caplog.at_level(logging.WARNING):
        deadline = add_working_days(at(2026, 12, 30, 10, 0), 5)
    # Thu 31 Dec (2026 is known), then 2027 counts Monday–Friday: Fri 1, Mon 4, 5, 6 Jan.
    assert deadline.at.date() == date(2027, 1, 6)
    assert deadline.provisional is True
    assert "2027" in caplog.text
    assert is_working_day(date(2027, 1, 1)) is True  # no data: a Friday counts
    assert add_working_hours(at(2027, 3, 1, 9, 0), 2).provisional is True
    assert add_working_days(at(2026, 6, 1, 9, 0), 2).provisional is False


def test_administrators_are_warned_about_years_without_holidays(admin_client):
    with_time = timezone.make_aware(datetime(2026, 11, 20, 9, 0))
    import time_machine

    with time_machine.travel(with_time, tick=False):
        assert calendar_warnings() == [2027]
        response = admin_client.get("/admin/", follow=True)
        assert "2027" in response.content.decode()
        HolidayDay.objects.create(date=date(2027, 1, 1), kind=HolidayKind.HOLIDAY, name="元旦")
        assert calendar_warnings() == []


def test_seed_holidays_is_idempotent_and_keeps_administrators_edits():
    row = HolidayDay.objects.get(date=date(2026, 10, 1))
    row.name = "国庆节（已核对）"
    row.save(update_fields=["name"])
    before = HolidayDay.objects.count()
    call_command("seed_holidays", "2026")
    assert HolidayDay.objects.count() == before
    assert HolidayDay.objects.get(date=date(2026, 10, 1)).name == "国庆节（已核对）"


def test_seed_holidays_refuses_years_chinesecalendar_does_not_know():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_holidays", "2031")


def test_periodic_runner_enqueues_due_tasks_once_per_interval():
    calls = []
    periodic.register("test.tick", lambda: calls.append(1), every_seconds=60)
    try:
        periodic.run_due(now=1000.0)
        periodic.run_due(now=1030.0)
        periodic.run_due(now=1061.0)
        assert len(calls) == 2
    finally:
        periodic._tasks.pop("test.tick")


def test_a_flush_leaves_the_official_calendar_in_place():
    """A flush (a transactional test, a data-only restore) empties every table; post_migrate loads
    the years chinesecalendar knows again, so deadlines are not silently counted Monday–Friday."""
    call_command("flush", interactive=False, verbosity=0)
    assert HolidayDay.objects.filter(date=date(2026, 10, 1), kind=HolidayKind.HOLIDAY).exists()
    assert calendar_module.missing_years([2026]) == []
