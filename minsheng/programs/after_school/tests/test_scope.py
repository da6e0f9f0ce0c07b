"""A school administrator works for one school: sees the city-wide window that covers it but
cannot run its lottery, and cannot see or change another school's offerings or windows."""

import pytest
from django.utils import timezone

from minsheng.access.models import Role, RoleAssignment
from minsheng.audit.models import AuditEvent

from ..models import ApplicationWindow, Offering
from ..selectors.supervision import (
    offerings_for_staff,
    schools_for,
    windows_for_staff,
    windows_managed_by,
)
from . import factories as f

pytestmark = pytest.mark.django_db


def _school_admin(school):
    user = f.user("教务", is_staff=True)
    Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
    RoleAssignment.objects.create(user=user, role_id="school_admin", organisation=school, region=school.region)
    return user


@pytest.fixture
def two_schools():
    mine, theirs = f.school("东小学"), f.school("西小学")
    city_window = f.window(mine)
    ApplicationWindow.objects.filter(pk=city_window.pk).update(school=None, region=f.region().parent)
    return mine, theirs, f.offering(mine), f.offering(theirs), f.window(theirs), city_window


def test_school_admin_sees_the_city_window_and_only_their_schools_offerings(two_schools):
    mine, theirs, my_off, their_off, their_window, city_window = two_schools
    admin = _school_admin(mine)
    assert list(schools_for(user=admin)) == [mine]
    assert [o.pk for o in offerings_for_staff(user=admin, term=None)] == [my_off.pk]
    assert {w.pk for w in windows_for_staff(user=admin)} == {city_window.pk}
    assert not windows_managed_by(user=admin).exists()


def test_school_admin_cannot_create_for_or_run_the_lottery_of_another_school(client, two_schools):
    mine, theirs, my_off, their_off, their_window, city_window = two_schools
    client.force_login(_school_admin(mine))
    page = client.get("/p/after_school/manage/").content.decode()
    assert my_off.title in page and theirs.name not in page
    data = {"form": "offering", "term": my_off.term_id, "school": theirs.pk, "title": "越权托管",
            "kind": "weekend", "activity": "sports", "weekdays": ["5"], "start_time": "09:00",
            "end_time": "11:30", "grade_min": 1, "grade_max": 6, "capacity": 40, "fee": "0",
            "fee_basis": "term", "allocation": "lottery"}
    assert client.post("/p/after_school/manage/", data).status_code == 200  # the form refuses the school
    assert not Offering.objects.filter(title="越权托管").exists()
    ApplicationWindow.objects.update(closes_at=timezone.now() - timezone.timedelta(minutes=1),
                                     opens_at=timezone.now() - timezone.timedelta(days=2))
    for window in (their_window, city_window):
        assert client.post(f"/api/v1/after_school/windows/{window.pk}/lottery").status_code == 404
        client.post("/p/after_school/manage/", {"form": "lottery", "window": window.pk})
    assert not AuditEvent.objects.filter(event_type="after_school.lottery_start").exists()
    assert client.get(f"/api/v1/after_school/windows/{city_window.pk}").status_code == 200
    assert client.get(f"/api/v1/after_school/windows/{their_window.pk}").status_code == 404


def test_sessions_are_generated_daily_and_by_a_manager_for_their_own_offerings_only(client, two_schools):
    from datetime import date

    import time_machine

    from minsheng.core.periodic import registered

    from ..models import Session
    from ..services.running import sessions_generate_upcoming

    mine, theirs, my_off, their_off, their_window, city_window = two_schools
    assert registered()["after_school.sessions_generate"].every_seconds == 24 * 60 * 60
    client.force_login(_school_admin(mine))
    with time_machine.travel(date(2026, 3, 2), tick=False):  # the term's first Monday
        created = client.post("/api/v1/after_school/sessions/generate").json()["created"]
    assert created == 10  # two weeks of Monday-to-Friday, for my offering only
    assert set(Session.objects.values_list("offering_id", flat=True)) == {my_off.pk}
    with time_machine.travel(date(2026, 3, 2), tick=False):
        assert client.post("/api/v1/after_school/sessions/generate").json()["created"] == 0  # idempotent
        assert sessions_generate_upcoming() == 10  # the scheduler's run: every offering
    assert Session.objects.filter(offering=their_off).count() == 10
    with time_machine.travel(date(2026, 7, 1), tick=False):  # the term ends on 3 July
        assert sessions_generate_upcoming(today=date(2026, 7, 1)) == 6  # Wed, Thu, Fri for two offerings


def test_a_manager_assigns_their_schools_teachers_to_an_offering_and_open_sessions_get_one(client, two_schools):
    from datetime import date

    from ..models import Session
    from ..services.running import sessions_generate

    mine, theirs, my_off, their_off, their_window, city_window = two_schools
    t1, t2, outsider = f.teacher(mine), f.teacher(mine), f.teacher(theirs)
    sessions_generate(offering=my_off, start=date(2026, 3, 2), end=date(2026, 3, 6))
    admin = _school_admin(mine)
    client.force_login(admin)
    page = client.get(f"/p/after_school/manage/offerings/{my_off.pk}/teachers/").content.decode()
    assert f'value="{t1.pk}"' in page and f'value="{outsider.pk}"' not in page
    assert client.post(f"/p/after_school/manage/offerings/{my_off.pk}/teachers/",
                       {"teachers": [t1.pk, t2.pk]}).status_code == 302
    assert set(my_off.teachers.values_list("pk", flat=True)) == {t1.pk, t2.pk}
    assert sorted(Session.objects.filter(offering=my_off).values_list("teacher_id", flat=True)) == sorted(
        [t1.pk, t1.pk, t1.pk, t2.pk, t2.pk])
    refused = client.put(f"/api/v1/after_school/offerings/{my_off.pk}/teachers", {"teachers": [outsider.pk]},
                         content_type="application/json")
    assert refused.status_code == 422 and "teachers" in refused.json()["fields"]
    assert client.get(f"/p/after_school/manage/offerings/{their_off.pk}/teachers/").status_code == 404
    assert client.put(f"/api/v1/after_school/offerings/{their_off.pk}/teachers", {"teachers": []},
                      content_type="application/json").status_code == 404
    assert set(my_off.teachers.values_list("pk", flat=True)) == {t1.pk, t2.pk}
