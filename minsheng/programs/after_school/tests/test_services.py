from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.models import PersonRelation

from .. import services
from ..models import Application, FeeWaiverRule, OfferingDay, SeatRequest
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(f.NOW, tick=False):
        yield


@pytest.fixture
def school():
    return f.school()


def test_first_come_application_takes_a_place_on_each_chosen_day(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school, capacity=2)
    f.window(school)
    app = services.application_submit(guardian_user=guardian, student=child, offering=off,
                                      weekdays=[0, 2], idempotency_key=f.key())
    assert app.state == "admitted"
    assert sorted(SeatRequest.objects.filter(application=app).values_list("weekday", "state")) == [
        (0, "admitted"), (2, "admitted")]
    taken = dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken"))
    assert taken == {0: 1, 1: 0, 2: 1, 3: 0, 4: 0}


def test_same_idempotency_key_returns_the_same_application(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    k = f.key()
    first = services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=k)
    second = services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=k)
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_second_application_for_same_child_and_offering_is_a_conflict(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=f.key())
    with pytest.raises(Conflict) as err:
        services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[1], idempotency_key=f.key())
    assert err.value.code == "duplicate"
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=1).taken == 0


def test_full_day_is_refused_and_nothing_is_taken_on_the_other_days(school):
    off = f.offering(school, capacity=1)
    f.window(school)
    g1, c1 = f.guardian_with_child(school)
    g2, c2 = f.guardian_with_child(school)
    services.application_submit(guardian_user=g1, student=c1, offering=off, weekdays=[1], idempotency_key=f.key())
    with pytest.raises(Conflict) as err:
        services.application_submit(guardian_user=g2, student=c2, offering=off, weekdays=[0, 1], idempotency_key=f.key())
    assert err.value.code == "full"
    assert "weekdays" in err.value.fields
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 0
    assert not Application.objects.filter(student=c2).exists()


def test_child_not_in_ones_care_is_refused(school):
    guardian, _child = f.guardian_with_child(school)
    _other, strangers_child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    with pytest.raises(NotAllowed):
        services.application_submit(guardian_user=guardian, student=strangers_child, offering=off,
                                    weekdays=[0], idempotency_key=f.key())
    assert Application.objects.count() == 0


def test_outside_the_window_is_refused(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school, opens=f.NOW + timedelta(hours=1), closes=f.NOW + timedelta(days=1))
    with pytest.raises(ValidationFailed) as err:
        services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=f.key())
    assert "2026-02-20 10:00" in str(err.value.message) and "offering" in err.value.fields
    assert Application.objects.count() == 0


def test_other_schools_offering_and_wrong_grade_and_bad_days_are_refused(school):
    guardian, child = f.guardian_with_child(school, grade_level=8)
    f.window(school)
    with pytest.raises(ValidationFailed):
        services.application_submit(guardian_user=guardian, student=child, offering=f.offering(school),
                                    weekdays=[0], idempotency_key=f.key())
    other = f.school("新浦中学")
    with pytest.raises(ValidationFailed):
        services.application_submit(guardian_user=guardian, student=child, offering=f.offering(other, grade_max=9),
                                    weekdays=[0], idempotency_key=f.key())
    junior = f.offering(school, grade_min=7, grade_max=9, weekdays=(0, 1))
    for bad in ([], [5], ["x"], None):
        with pytest.raises(ValidationFailed):
            services.application_submit(guardian_user=guardian, student=child, offering=junior,
                                        weekdays=bad, idempotency_key=f.key())
    with pytest.raises(ValidationFailed):
        services.application_submit(guardian_user=guardian, student=child, offering=junior,
                                    weekdays=[0], idempotency_key="x")
    assert Application.objects.count() == 0


def test_hardship_family_fee_is_waived(school):
    FeeWaiverRule.objects.create(category="dibao", waiver_percent=100)
    FeeWaiverRule.objects.create(category="low_income", waiver_percent=50)
    off = f.offering(school, fee=Decimal("300"))
    f.window(school)
    g1, c1 = f.guardian_with_child(school, category="dibao")
    g2, c2 = f.guardian_with_child(school, category="low_income")
    a1 = services.application_submit(guardian_user=g1, student=c1, offering=off, weekdays=[0], idempotency_key=f.key())
    a2 = services.application_submit(guardian_user=g2, student=c2, offering=off, weekdays=[0], idempotency_key=f.key())
    assert (a1.fee_due, a1.waiver_percent) == (Decimal("0.00"), 100)
    assert (a2.fee_due, a2.waiver_percent) == (Decimal("150.00"), 50)


def test_offering_rules_of_five_plus_two(school):
    from datetime import time
    base = dict(kind="weekday", activity="homework", weekdays=[0, 1], start_time=time(15, 30),
                end_time=time(17, 45), grade_min=1, grade_max=6, capacity=30, fee=Decimal("0"))
    services.offering_validate(**base)
    for change, field in [
        ({"end_time": time(17, 0)}, "end_time"),  # ends before the working day ends
        ({"start_time": time(16, 0), "end_time": time(17, 40)}, "end_time"),  # shorter than 2 hours
        ({"weekdays": [5]}, "weekdays"),
        ({"kind": "holiday"}, "activity"),  # holiday care is supervision only
        ({"grade_min": 7, "grade_max": 9, "end_time": time(21, 0)}, "end_time"),
        ({"capacity": 0}, "capacity"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            services.offering_validate(**{**base, **change})
        assert field in err.value.fields, change


def test_withdrawal_frees_the_place(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school, capacity=1)
    f.window(school)
    app = services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=f.key())
    services.application_withdraw(guardian_user=guardian, application_id=app.pk)
    app.refresh_from_db()
    assert app.state == "withdrawn"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 0
    # and may apply again afterwards
    again = services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=f.key())
    assert again.state == "admitted"


def test_stranger_cannot_withdraw(school):
    guardian, child = f.guardian_with_child(school)
    stranger, _ = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    app = services.application_submit(guardian_user=guardian, student=child, offering=off, weekdays=[0], idempotency_key=f.key())
    from minsheng.core.errors import NotFound
    with pytest.raises(NotFound):
        services.application_withdraw(guardian_user=stranger, application_id=app.pk)
    assert PersonRelation.objects.count() == 2


def test_rush_apply_reads_once_and_writes_in_one_statement_on_postgresql(school):
    """The enrolment rush's submit: one read (guardianship and enrolment), then the places, the
    application and its seats in one statement on PostgreSQL (four on SQLite), plus the audit row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    off = f.offering(school, capacity=5)
    f.window(school)
    first_guardian, first_child = f.guardian_with_child(school)
    guardian, child = f.guardian_with_child(school)
    services.application_apply(guardian_user=first_guardian, student_id=first_child.pk, offering_id=off.pk,
                               weekdays=[0, 1], idempotency_key=f.key())  # the offering and window are cached now
    with CaptureQueriesContext(connection) as queries:
        app = services.application_apply(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                         weekdays=[0, 1, 2], idempotency_key=f.key())
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    writes = [s for s in statements if "after_school_" in s and not s.startswith("SELECT (SELECT r.person_id")]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 3)
    assert len(statements) == len(writes) + 2  # + the applicant read and the audit insert
    assert sorted(app.seats.values_list("weekday", "state")) == [(0, "admitted"), (1, "admitted"), (2, "admitted")]
    taken = dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken"))
    assert taken == {0: 2, 1: 2, 2: 1, 3: 0, 4: 0}


def test_once_full_a_repeat_is_answered_a_second_try_is_a_duplicate_and_others_are_full(school):
    off = f.offering(school, capacity=1)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    k = f.key()
    first = services.application_apply(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                       weekdays=[0], idempotency_key=k)
    again = services.application_apply(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                       weekdays=[0], idempotency_key=k)
    assert again.pk == first.pk
    with pytest.raises(Conflict) as dup:
        services.application_apply(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=f.key())
    assert dup.value.code == "duplicate"
    other, other_child = f.guardian_with_child(school)
    with pytest.raises(Conflict) as full:
        services.application_apply(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=f.key())
    assert full.value.code == "full"
    with pytest.raises(Conflict) as stolen:
        services.application_apply(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=k)
    assert stolen.value.code == "conflict"  # the key was another family's
    assert Application.objects.count() == 1 and OfferingDay.objects.get(offering=off, weekday=0).taken == 1
