"""Daily running: attendance and pick-up by the session's teachers (services.running)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from minsheng.core.errors import NotAllowed, ValidationFailed

from ..models import Attendance, PickUp, Session
from ..services.applications import application_submit
from ..services.running import attendance_mark, pickup_confirm, sessions_generate
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def running():
    school = f.school()
    t = f.teacher(school)
    off = f.offering(school, capacity=5, teachers=[t])
    with time_machine.travel(f.NOW, tick=False):
        f.window(school)
        g, child = f.guardian_with_child(school)
        application_submit(guardian_user=g, student_id=child.pk, offering_id=off.pk, weekdays=[0],
                                    idempotency_key=f.key())
    sessions_generate(offering=off, start=date(2026, 3, 2), end=date(2026, 3, 8))
    session = Session.objects.get(offering=off, date=date(2026, 3, 2))  # a Monday
    return school, t, off, session, g, child


def test_teacher_marks_attendance_for_own_session(running):
    school, t, off, session, g, child = running
    assert Session.objects.filter(offering=off).count() == 5
    attendance_mark(teacher_user=t.person.user, session=session, student=child, status="absent")
    attendance_mark(teacher_user=t.person.user, session=session, student=child, status="present")
    assert list(Attendance.objects.values_list("status", flat=True)) == ["present"]
    session.refresh_from_db()
    assert session.state == "held"


def test_attendance_for_someone_elses_session_is_refused(running):
    school, t, off, session, g, child = running
    other_teacher = f.teacher(school)
    with pytest.raises(NotAllowed):
        attendance_mark(teacher_user=other_teacher.person.user, session=session, student=child,
                                 status="present")
    with pytest.raises(NotAllowed):
        attendance_mark(teacher_user=g, session=session, student=child, status="present")
    with pytest.raises(ValidationFailed):
        attendance_mark(teacher_user=t.person.user, session=session, student=child, status="asleep")
    assert Attendance.objects.count() == 0


def test_pickup_after_the_end_plus_grace_is_flagged_late(running):
    school, t, off, session, g, child = running
    attendance_mark(teacher_user=t.person.user, session=session, student=child, status="present")
    end = timezone.make_aware(datetime.combine(session.date, time(17, 45)))
    on_time = pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                                      collected_by=g.person, at=end + timedelta(minutes=10))
    assert on_time.late is False
    late = pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                                   collected_by=g.person, at=end + timedelta(minutes=40))
    assert late.late is True
    assert PickUp.objects.get().late is True
    stranger = f.person("陌生人")
    with pytest.raises(ValidationFailed):
        pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                                collected_by=stranger, at=end)
    assert PickUp.objects.get().collected_by_id == g.person.pk


def test_pickup_is_refused_for_a_child_on_leave_or_not_marked(running):
    school, t, off, session, g, child = running
    during = timezone.make_aware(datetime.combine(session.date, time(17, 0)))
    with pytest.raises(ValidationFailed) as unmarked:
        pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                       collected_by=g.person, at=during)
    assert "student" in unmarked.value.fields
    attendance_mark(teacher_user=t.person.user, session=session, student=child, status="leave")
    with pytest.raises(ValidationFailed):
        pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                       collected_by=g.person, at=during)
    assert PickUp.objects.count() == 0


def test_pickup_is_refused_before_the_session_starts_or_on_another_day(running):
    school, t, off, session, g, child = running
    attendance_mark(teacher_user=t.person.user, session=session, student=child, status="present")
    for at in (datetime.combine(session.date, time(15, 0)),
               datetime.combine(session.date - timedelta(days=1), time(17, 0))):
        with pytest.raises(ValidationFailed) as exc:
            pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                           collected_by=g.person, at=timezone.make_aware(at))
        assert "collected_at" in exc.value.fields and "15:30" in str(exc.value.fields["collected_at"])
    assert PickUp.objects.count() == 0
    ok = pickup_confirm(teacher_user=t.person.user, session=session, student=child,
                        collected_by=g.person,
                        at=timezone.make_aware(datetime.combine(session.date, time(15, 31))))
    assert ok.late is False and PickUp.objects.count() == 1
