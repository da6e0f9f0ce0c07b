from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.models import PersonRelation

from ..services.applications import application_submit, application_withdraw
from ..services.offerings import offering_validate
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
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
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
    first = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=k)
    second = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=k)
    assert first.pk == second.pk
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_second_application_for_same_child_and_offering_is_a_conflict(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    with pytest.raises(Conflict) as err:
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[1], idempotency_key=f.key())
    assert err.value.code == "duplicate"
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=1).taken == 0


def test_full_day_is_refused_and_nothing_is_taken_on_the_other_days(school):
    off = f.offering(school, capacity=1)
    f.window(school)
    g1, c1 = f.guardian_with_child(school)
    g2, c2 = f.guardian_with_child(school)
    application_submit(guardian_user=g1, student_id=c1.pk, offering_id=off.pk, weekdays=[1], idempotency_key=f.key())
    with pytest.raises(Conflict) as err:
        application_submit(guardian_user=g2, student_id=c2.pk, offering_id=off.pk, weekdays=[0, 1], idempotency_key=f.key())
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
        application_submit(guardian_user=guardian, student_id=strangers_child.pk, offering_id=off.pk,
                                    weekdays=[0], idempotency_key=f.key())
    assert Application.objects.count() == 0


def test_outside_the_window_is_refused(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school, opens=f.NOW + timedelta(hours=1), closes=f.NOW + timedelta(days=1))
    with pytest.raises(ValidationFailed) as err:
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    assert "2026-02-20 10:00" in str(err.value.message) and "offering" in err.value.fields
    assert Application.objects.count() == 0


def test_other_schools_offering_and_wrong_grade_and_bad_days_are_refused(school):
    guardian, child = f.guardian_with_child(school, grade_level=8)
    f.window(school)
    with pytest.raises(ValidationFailed):
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=f.offering(school).pk,
                                    weekdays=[0], idempotency_key=f.key())
    other = f.school("新浦中学")
    with pytest.raises(ValidationFailed):
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=f.offering(other, grade_max=9).pk,
                                    weekdays=[0], idempotency_key=f.key())
    junior = f.offering(school, grade_min=7, grade_max=9, weekdays=(0, 1))
    for bad in ([], [5], ["x"], None):
        with pytest.raises(ValidationFailed):
            application_submit(guardian_user=guardian, student_id=child.pk, offering_id=junior.pk,
                                        weekdays=bad, idempotency_key=f.key())
    with pytest.raises(ValidationFailed):
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=junior.pk,
                                    weekdays=[0], idempotency_key="x")
    assert Application.objects.count() == 0


def test_hardship_family_fee_is_waived(school):
    FeeWaiverRule.objects.create(category="dibao", waiver_percent=100)
    FeeWaiverRule.objects.create(category="low_income", waiver_percent=50)
    off = f.offering(school, fee=Decimal("300"))
    f.window(school)
    g1, c1 = f.guardian_with_child(school, category="dibao")
    g2, c2 = f.guardian_with_child(school, category="low_income")
    a1 = application_submit(guardian_user=g1, student_id=c1.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    a2 = application_submit(guardian_user=g2, student_id=c2.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    assert (a1.fee_due, a1.waiver_percent) == (Decimal("0.00"), 100)
    assert (a2.fee_due, a2.waiver_percent) == (Decimal("150.00"), 50)


def test_offering_rules_of_five_plus_two(school):
    from datetime import time
    base = dict(kind="weekday", activity="homework", weekdays=[0, 1], start_time=time(15, 30),
                end_time=time(17, 45), grade_min=1, grade_max=6, capacity=30, fee=Decimal("0"))
    offering_validate(**base)
    for change, field in [
        ({"end_time": time(17, 0)}, "end_time"),  # ends before the working day ends
        ({"start_time": time(16, 0), "end_time": time(17, 40)}, "end_time"),  # shorter than 2 hours
        ({"weekdays": [5]}, "weekdays"),
        ({"kind": "holiday"}, "activity"),  # holiday care is supervision only
        ({"grade_min": 7, "grade_max": 9, "end_time": time(21, 0)}, "end_time"),
        ({"capacity": 0}, "capacity"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            offering_validate(**{**base, **change})
        assert field in err.value.fields, change


def test_withdrawal_frees_the_place(school):
    guardian, child = f.guardian_with_child(school)
    off = f.offering(school, capacity=1)
    f.window(school)
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    application_withdraw(guardian_user=guardian, application_id=app.pk)
    app.refresh_from_db()
    assert app.state == "withdrawn"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 0
    # and may apply again afterwards
    again = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    assert again.state == "admitted"


def test_stranger_cannot_withdraw(school):
    guardian, child = f.guardian_with_child(school)
    stranger, _ = f.guardian_with_child(school)
    off = f.offering(school)
    f.window(school)
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk, weekdays=[0], idempotency_key=f.key())
    from minsheng.core.errors import NotFound
    with pytest.raises(NotFound):
        application_withdraw(guardian_user=stranger, application_id=app.pk)
    assert PersonRelation.objects.count() == 2


def test_rush_apply_is_one_statement_on_postgresql(school):
    """The enrolment rush's submit on PostgreSQL: guardianship and enrolment read, places taken,
    application, seats and audit row written by one prepared statement (no BEGIN/COMMIT outside
    a transaction). On SQLite: the read, then places, application, seats and audit row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.audit.models import AuditEvent

    off = f.offering(school, capacity=5)
    f.window(school)
    first_guardian, first_child = f.guardian_with_child(school)
    guardian, child = f.guardian_with_child(school)
    application_submit(guardian_user=first_guardian, student_id=first_child.pk, offering_id=off.pk,
                               weekdays=[0, 1, 2], idempotency_key=f.key())  # offering, window cached; prepared
    with CaptureQueriesContext(connection) as queries:
        app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                         weekdays=[0, 1, 2], idempotency_key=f.key())
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(statements) == 1 and statements[0].startswith("WITH who AS"), statements
        with connection.cursor() as cur:  # planned once for the session, not per submit
            cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH who AS%%'")
            assert cur.fetchone()[0] == 1
    else:
        assert len(statements) == 5, statements
    assert sorted(app.seats.values_list("weekday", "state")) == [(0, "admitted"), (1, "admitted"), (2, "admitted")]
    taken = dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken"))
    assert taken == {0: 2, 1: 2, 2: 2, 3: 0, 4: 0}
    saved = Application.objects.get(pk=app.pk)
    assert (saved.guardian.user_id, saved.grade_level, saved.school_id, saved.window_id) == (
        guardian.pk, app.grade_level, school.pk, app.window_id)
    event = AuditEvent.objects.get(event_type="after_school.apply", target_id=str(app.pk))
    assert (event.actor_id, event.target_type, event.target_label, event.new_values) == (
        guardian.pk, "after_school.application", app.reference,
        {"offering": off.pk, "weekdays": [0, 1, 2], "state": "admitted"})


def test_a_refusal_for_want_of_places_is_one_statement_on_postgresql(school):
    """Most refusals of a rush are "full": on PostgreSQL the submit statement also reads the
    key's and the child's applications (nothing changed since its snapshot), so the answer
    needs no second statement; a repeat of the admitted submit still gets its application."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    off = f.offering(school, capacity=1)
    f.window(school)
    winner, winner_child = f.guardian_with_child(school)
    k = f.key()
    first = application_submit(guardian_user=winner, student_id=winner_child.pk, offering_id=off.pk,
                                       weekdays=[0, 1], idempotency_key=k)
    other, other_child = f.guardian_with_child(school)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as full:
        application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0, 1], idempotency_key=f.key())
    assert full.value.code == "full"
    assert full.value.fields == {"weekdays": [str(full.value.message)]}
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(statements) == 1, statements
    again = application_submit(guardian_user=winner, student_id=winner_child.pk, offering_id=off.pk,
                                       weekdays=[0, 1], idempotency_key=k)
    assert again.pk == first.pk
    assert Application.objects.count() == 1


def test_once_full_a_repeat_is_answered_a_second_try_is_a_duplicate_and_others_are_full(school):
    off = f.offering(school, capacity=1)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    k = f.key()
    first = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                       weekdays=[0], idempotency_key=k)
    again = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                       weekdays=[0], idempotency_key=k)
    assert again.pk == first.pk
    with pytest.raises(Conflict) as dup:
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=f.key())
    assert dup.value.code == "duplicate"
    other, other_child = f.guardian_with_child(school)
    with pytest.raises(Conflict) as full:
        application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=f.key())
    assert full.value.code == "full"
    with pytest.raises(Conflict) as stolen:
        application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=k)
    assert stolen.value.code == "conflict"  # the key was another family's
    assert Application.objects.count() == 1 and OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_rush_refusals_write_nothing_and_say_why(school):
    """Each refusal of the one-statement submit (PostgreSQL) or the ORM path (SQLite) gives the
    same sentence as before and writes no application, place or audit row."""
    from django.utils import translation

    from minsheng.audit.models import AuditEvent
    from minsheng.core.errors import NotFound

    off = f.offering(school, capacity=5, grade_min=1, grade_max=4)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    stranger, _ = f.guardian_with_child(school)
    _, older = f.guardian_with_child(school, grade_level=6)
    older_guardian = PersonRelation.objects.get(relative=older).person.user
    other_school = f.school("别的小学")
    _, elsewhere = f.guardian_with_child(other_school)
    elsewhere_guardian = PersonRelation.objects.get(relative=elsewhere).person.user
    unenrolled = f.person("未入学")
    PersonRelation.objects.create(person=guardian.person, relative=unenrolled, kind="guardian")

    def apply(user, student_id):
        with translation.override("en"):
            return application_submit(guardian_user=user, student_id=student_id, offering_id=off.pk,
                                              weekdays=[0, 1], idempotency_key=f.key())

    with pytest.raises(NotAllowed, match="only for a child in your care"):
        apply(stranger, child.pk)
    with pytest.raises(NotFound):
        apply(guardian, 10**9)
    with pytest.raises(ValidationFailed, match="not for your child's grade"):
        apply(older_guardian, older.pk)
    with pytest.raises(ValidationFailed, match="students of another school"):
        apply(elsewhere_guardian, elsewhere.pk)
    with pytest.raises(ValidationFailed, match="not on a school roll"):
        apply(guardian, unenrolled.pk)
    assert not Application.objects.exists()
    assert not AuditEvent.objects.filter(event_type="after_school.apply").exists()
    assert set(OfferingDay.objects.filter(offering=off).values_list("taken", flat=True)) == {0}
    assert apply(guardian, child.pk).state == "admitted"


def test_rush_audit_row_is_the_one_audit_record_writes(school):
    """The one-statement submit writes its audit row itself; it must equal audit_record's."""
    from django.test import RequestFactory

    from minsheng.audit.models import AuditEvent
    from minsheng.audit.services import audit_record
    from minsheng.core.middleware import _current_request

    off = f.offering(school)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    request = RequestFactory().post("/", REMOTE_ADDR="10.1.2.3")
    request.request_id, request.user = "req-42", guardian
    token = _current_request.set(request)
    try:
        app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                          weekdays=[0, 2], idempotency_key=f.key())
        reference = audit_record(event_type="after_school.apply", actor=guardian, target=app,
                                 new={"offering": off.pk, "weekdays": [0, 2], "state": "admitted"})
    finally:
        _current_request.reset(token)
    written = AuditEvent.objects.filter(event_type="after_school.apply").exclude(pk=reference.pk).get()
    fields = [f.attname for f in AuditEvent._meta.concrete_fields if f.name not in ("id", "occurred_at")]
    reference.refresh_from_db()
    assert {k: getattr(written, k) for k in fields} == {k: getattr(reference, k) for k in fields}
    assert written.occurred_at == reference.occurred_at  # the frozen clock


def test_city_wide_offering_reads_then_writes(school):
    """An offering for a whole area (no school) needs the child's school before it can pick the
    window: it reads the applicant first, then writes (one statement on PostgreSQL)."""
    from minsheng.programs.after_school.models import Offering

    off = f.offering(school, capacity=1)
    Offering.objects.filter(pk=off.pk).update(school=None)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    other, other_child = f.guardian_with_child(school)
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                     weekdays=[0], idempotency_key=f.key())
    assert (app.state, app.school_id, app.guardian.user_id) == ("admitted", school.pk, guardian.pk)
    with pytest.raises(Conflict) as full:
        application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                                   weekdays=[0], idempotency_key=f.key())
    assert full.value.code == "full"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_rush_submit_survives_a_session_that_lost_its_prepared_statements(school):
    """A pooler may drop the session's prepared statements behind the driver's back (DISCARD
    ALL); the submit prepares again."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    off = f.offering(school)
    f.window(school)
    (g1, c1), (g2, c2) = f.guardian_with_child(school), f.guardian_with_child(school)
    application_submit(guardian_user=g1, student_id=c1.pk, offering_id=off.pk, weekdays=[0],
                               idempotency_key=f.key())
    with connection.cursor() as cur:
        # inside a DO block: psycopg sees the command "DO", not "DEALLOCATE", and still
        # believes the statement is prepared — as after a pooler's DISCARD ALL
        cur.execute("DO $$BEGIN EXECUTE 'DEALLOCATE ALL'; END$$")
        cur.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cur.fetchone()[0] == 0
    app = application_submit(guardian_user=g2, student_id=c2.pk, offering_id=off.pk, weekdays=[0, 1],
                                     idempotency_key=f.key())
    assert app.state == "admitted" and Application.objects.count() == 2
    assert dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken"))[0] == 2
