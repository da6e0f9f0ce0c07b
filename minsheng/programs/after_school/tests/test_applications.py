from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.models import PersonRelation

from ..models import Application, FeeWaiverRule, OfferingDay, SeatRequest
from ..services.applications import application_submit, application_withdraw
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


def test_refusals_write_nothing_and_say_why(school):
    """Each refusal says why in a sentence and writes no application, place or audit row."""
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


def test_city_wide_offering_takes_children_of_its_area_through_their_schools_window(school):
    """An offering for a whole area (no school): the child's school says which window applies."""
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


TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def work(queries) -> list[str]:
    """The statements of a captured block, without the transaction's own BEGIN/COMMIT (in a test:
    SAVEPOINT/RELEASE), each cut to its verb and table."""
    import re

    out = []
    for q in queries.captured_queries:
        sql = q["sql"]
        if sql.startswith(TRANSACTION_CONTROL):
            continue
        verb, depth, top = sql.split()[0], 0, []
        for ch in sql:  # the statement without its subqueries
            depth += (ch == "(") - (ch == ")")
            top.append(ch if depth == 0 and ch != ")" else "")
        table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', "".join(top)).group(1)
        out.append(f"{verb} {table}" + (" FOR UPDATE" if "FOR NO KEY UPDATE" in sql or "FOR UPDATE" in sql else ""))
    return out


# A first-come submit, statement by statement (both databases; transaction control aside):
SUBMIT_STATEMENTS = [
    "SELECT after_school_offering",        # the offering (term, region) with its term's windows open now
    "SELECT identity_person",              # the child: the caller's current guardianship and the enrolment of
                                           # that school year with its school's region (selectors.eligibility)
    "SELECT identity_person FOR UPDATE",   # the child's row held (child_lock): one place-giving write per child
    "SELECT after_school_offeringday",     # the chosen days (ids for the seat requests, places as last
                                           # committed) and, asked again under the child's lock, no
                                           # overlapping hours (overlapping_seats, an EXISTS in this statement)
    "INSERT after_school_application",     # the application (unique key and one active per child + offering)
    "INSERT after_school_seatrequest",     # one seat request per day (bulk_create)
    "INSERT audit_auditevent",             # the audit entry
    "UPDATE after_school_offeringday FOR UPDATE",  # one place taken on each day (taken = taken + 1), the days
                                           # locked in weekday order by its subquery; last, so the rows every
                                           # submit queues on are held only until COMMIT; a full day breaks
                                           # the as_never_oversold constraint (the submit is refused, "full")
]


def test_a_submit_is_eight_statements_in_one_transaction(school):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.audit.models import AuditEvent

    off = f.offering(school, capacity=5)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    with CaptureQueriesContext(connection) as queries:
        app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=off.pk,
                                 weekdays=[0, 1, 2], idempotency_key=f.key())
    expected = list(SUBMIT_STATEMENTS)
    if connection.vendor == "sqlite":  # no row locks: the IMMEDIATE transaction serialises writers
        expected = [s.removesuffix(" FOR UPDATE") for s in expected]
    assert work(queries) == expected
    assert len(queries.captured_queries) == len(expected) + 2  # and the transaction's begin and end
    assert app.created_now and [(s.weekday, s.state) for s in app.seat_requests] == [
        (0, "admitted"), (1, "admitted"), (2, "admitted")]
    taken = dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken"))
    assert taken == {0: 1, 1: 1, 2: 1, 3: 0, 4: 0}
    saved = Application.objects.get(pk=app.pk)
    assert (saved.guardian.user_id, saved.grade_level, saved.school_id, saved.window_id) == (
        guardian.pk, 3, school.pk, app.window_id)
    event = AuditEvent.objects.get(event_type="after_school.apply", target_id=str(app.pk))
    assert (event.actor_id, event.target_type, event.target_label, event.new_values) == (
        guardian.pk, "after_school.application", app.reference,
        {"offering": off.pk, "weekdays": [0, 1, 2], "state": "admitted"})


def test_a_full_day_is_answered_without_writing(school):
    """Refused for want of places: the days were locked and read, nothing was written, and the
    answer looks for a repeat of this key and for the child's own application (a duplicate)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    off = f.offering(school, capacity=1)
    f.window(school)
    winner, winner_child = f.guardian_with_child(school)
    application_submit(guardian_user=winner, student_id=winner_child.pk, offering_id=off.pk, weekdays=[1],
                       idempotency_key=f.key())
    other, other_child = f.guardian_with_child(school)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as full:
        application_submit(guardian_user=other, student_id=other_child.pk, offering_id=off.pk,
                           weekdays=[0, 1], idempotency_key=f.key())
    assert full.value.code == "full" and full.value.fields == {"weekdays": [str(full.value.message)]}
    assert "UPDATE after_school_offeringday" not in work(queries)
    assert not any(s.startswith("INSERT") for s in work(queries))
    # the two reads, the child's lock, the days with the overlap check (full as committed), the days
    # locked (full in their newest version), this key, the child's application
    expected = [*SUBMIT_STATEMENTS[:4], "SELECT after_school_offeringday FOR UPDATE",
                "SELECT after_school_application", "SELECT after_school_application"]
    if not connection.features.has_select_for_update:  # SQLite: its IMMEDIATE transaction serialises writers
        expected = [s.removesuffix(" FOR UPDATE") for s in expected]
    assert work(queries) == expected
    assert dict(OfferingDay.objects.filter(offering=off).values_list("weekday", "taken")) == {
        0: 0, 1: 1, 2: 0, 3: 0, 4: 0}


def test_a_second_offering_at_overlapping_hours_on_a_shared_day_is_refused(school):
    from datetime import time

    guardian, child = f.guardian_with_child(school)
    homework = f.offering(school, capacity=5)  # Mon–Fri 15:30–17:45
    clubs = f.offering(school, capacity=5)
    clubs.title = "科技社团"
    clubs.save(update_fields=["title"])
    f.window(school)
    application_submit(guardian_user=guardian, student_id=child.pk, offering_id=homework.pk,
                       weekdays=[0, 2], idempotency_key=f.key())
    with pytest.raises(ValidationFailed) as exc:
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=clubs.pk,
                           weekdays=[1, 2], idempotency_key=f.key())
    message = str(exc.value.fields["weekdays"][0])
    assert "三年级课后服务" in message and "15:30" in message and "17:45" in message
    assert Application.objects.filter(offering=clubs).count() == 0
    assert OfferingDay.objects.get(offering=clubs, weekday=2).taken == 0
    # Other days, or the same day at hours that do not overlap, are fine.
    assert application_submit(guardian_user=guardian, student_id=child.pk, offering_id=clubs.pk,
                              weekdays=[1, 3], idempotency_key=f.key()).state == "admitted"
    late = f.offering(school, capacity=5)
    type(late).objects.filter(pk=late.pk).update(start_time=time(17, 45), end_time=time(19, 45))
    assert application_submit(guardian_user=guardian, student_id=child.pk, offering_id=late.pk,
                              weekdays=[0], idempotency_key=f.key()).state == "admitted"


def test_a_withdrawn_application_no_longer_blocks_the_hours(school):
    guardian, child = f.guardian_with_child(school)
    first, second = f.offering(school, capacity=5), f.offering(school, capacity=5)
    f.window(school)
    app = application_submit(guardian_user=guardian, student_id=child.pk, offering_id=first.pk,
                             weekdays=[0], idempotency_key=f.key())
    application_withdraw(guardian_user=guardian, application_id=app.pk)
    assert application_submit(guardian_user=guardian, student_id=child.pk, offering_id=second.pk,
                              weekdays=[0], idempotency_key=f.key()).state == "admitted"
