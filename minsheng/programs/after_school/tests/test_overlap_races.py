"""One child, two offerings at the same hours: the rule holds under real concurrency (PostgreSQL).

Two ways a child could end up holding two offerings at overlapping times, each proven closed
with threads running their own transactions:
- two submits for the same child to overlapping offerings, each checking before the other
  has committed;
- two places freed at once on overlapping offerings, both promoted to the same child who is
  on both waiting lists.
"""

import threading
from datetime import time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction

from minsheng.core.errors import DomainError, ValidationFailed

from ..models import Application, Offering, OfferingDay, SeatRequest
from ..services.applications import application_submit, application_withdraw
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES,
                       reason="SQLite has no row locks (its IMMEDIATE transactions serialise every writer, so "
                              "no race can happen there); these run in the PostgreSQL pass"),
]


def _race(calls):
    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except DomainError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _overlapping(school, n: int, *, allocation="first_come", capacity=5):
    """``n`` offerings of one school on Monday at hours that all overlap (15:30–17:45 and later starts)."""
    offerings = []
    for i in range(n):
        off = f.offering(school, capacity=capacity, allocation=allocation, weekdays=(0,))
        Offering.objects.filter(pk=off.pk).update(title=f"托管{i}", start_time=time(15, 30 + i),
                                                  end_time=time(17, 45 + i))
        off.refresh_from_db()
        offerings.append(off)
    return offerings


def _held_overlaps(student_id) -> int:
    """Pairs of places the child holds (admitted or offered) on the same day at overlapping hours."""
    held = list(SeatRequest.objects.filter(application__student_id=student_id, state__in=["admitted", "offered"])
                .values_list("weekday", "application__offering__start_time", "application__offering__end_time"))
    return sum(1 for i, a in enumerate(held) for b in held[i + 1:]
               if a[0] == b[0] and a[1] < b[2] and b[1] < a[2])


def test_racing_submits_for_one_child_to_overlapping_offerings_admit_one():
    school = f.school()
    offerings = _overlapping(school, 6)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    with time_machine.travel(f.NOW, tick=True):
        results = _race([
            (lambda o=o: application_submit(guardian_user=guardian, student_id=child.pk, offering_id=o.pk,
                                            weekdays=[0], idempotency_key=f.key()))
            for o in offerings
        ])
    admitted = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(admitted) == 1 and len(refused) == 5, results
    assert all(isinstance(r, ValidationFailed) and "weekdays" in r.fields for r in refused)
    assert Application.objects.filter(student=child).count() == 1
    assert _held_overlaps(child.pk) == 0
    # The refused ones took no place: only the admitted offering's Monday is used.
    assert sorted(OfferingDay.objects.filter(offering__in=offerings).values_list("taken", flat=True)) == [0] * 5 + [1]


def test_a_submit_waiting_on_the_childs_row_sees_the_overlapping_place_taken_meanwhile():
    """Deterministic: one submit holds the child's row (its transaction still open) while the
    second, for an overlapping offering, starts. Its early check sees nothing committed; the
    second check, under the lock, sees the first's seat and refuses."""
    school = f.school()
    first, second = _overlapping(school, 2)
    f.window(school)
    guardian, child = f.guardian_with_child(school)
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with time_machine.travel(f.NOW, tick=True), transaction.atomic():
                application_submit(guardian_user=guardian, student_id=child.pk, offering_id=first.pk,
                                   weekdays=[0], idempotency_key=f.key())
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=hold)
    other.start()
    assert holding.wait(10)
    threading.Timer(0.5, release.set).start()
    with time_machine.travel(f.NOW, tick=True), pytest.raises(ValidationFailed) as refused:
        application_submit(guardian_user=guardian, student_id=child.pk, offering_id=second.pk, weekdays=[0],
                           idempotency_key=f.key())
    other.join(10)
    assert "托管0" in str(refused.value.fields["weekdays"][0])
    assert list(Application.objects.filter(student=child).values_list("offering_id", flat=True)) == [first.pk]
    assert OfferingDay.objects.get(offering=second, weekday=0).taken == 0


def _two_full_lists():
    """Lottery offerings A and C on Monday at overlapping hours, one place each, held by H1 and H2.
    The child X is first on both waiting lists (choices 1 and 2); V is second on A, W second on C."""
    school = f.school()
    a, c = _overlapping(school, 2, allocation="lottery", capacity=1)
    f.window(school)
    people = {name: f.guardian_with_child(school) for name in ("H1", "H2", "X", "V", "W")}
    apps = {}
    with time_machine.travel(f.NOW, tick=True):
        for name, off, rank in (("H1", a, 1), ("H2", c, 1), ("X", a, 1), ("X", c, 2), ("V", a, 1), ("W", c, 1)):
            guardian, child = people[name]
            apps[(name, off.pk)] = application_submit(guardian_user=guardian, student_id=child.pk,
                                                      offering_id=off.pk, weekdays=[0], rank=rank,
                                                      idempotency_key=f.key())
    # As the lottery leaves them: the holders admitted, the others waitlisted in this order.
    for off in (a, c):
        OfferingDay.objects.filter(offering=off).update(taken=1)
    for (name, _off), app in apps.items():
        holder = name in ("H1", "H2")
        Application.objects.filter(pk=app.pk).update(state="admitted" if holder else "waitlisted")
        SeatRequest.objects.filter(application=app).update(
            state="admitted" if holder else "waitlisted",
            waitlist_position=None if holder else (1 if name == "X" else 2))
    return a, c, people, apps


def _seat(apps, name, off):
    return SeatRequest.objects.get(application=apps[(name, off.pk)])


@pytest.mark.parametrize("deterministic", [True, False], ids=["one holds the child's row", "barrier race"])
def test_places_freed_at_once_on_overlapping_offerings_are_not_both_offered_to_one_child(deterministic):
    a, c, people, apps = _two_full_lists()
    withdraw_a = lambda: application_withdraw(guardian_user=people["H1"][0],  # noqa: E731
                                              application_id=apps[("H1", a.pk)].pk, now=f.NOW)
    withdraw_c = lambda: application_withdraw(guardian_user=people["H2"][0],  # noqa: E731
                                              application_id=apps[("H2", c.pk)].pk, now=f.NOW)
    if deterministic:
        holding, release = threading.Event(), threading.Event()

        def hold():
            try:
                with transaction.atomic():
                    withdraw_a()  # offers A's place to X and keeps X's row locked until it commits
                    holding.set()
                    release.wait(10)
            finally:
                connection.close()

        other = threading.Thread(target=hold)
        other.start()
        assert holding.wait(10)
        threading.Timer(0.5, release.set).start()
        withdraw_c()
        other.join(10)
    else:
        results = _race([withdraw_a, withdraw_c])
        assert not [r for r in results if isinstance(r, DomainError)], results
    x = people["X"][1]
    assert _held_overlaps(x.pk) == 0
    x_states = {off.pk: _seat(apps, "X", off).state for off in (a, c)}
    assert sorted(x_states.values()) == ["offered", "waitlisted"], x_states
    # The other freed place went to the next on that list; X keeps its place in the queue there.
    passed_over = c if x_states[a.pk] == "offered" else a
    nxt = "W" if passed_over == c else "V"
    assert _seat(apps, nxt, passed_over).state == "offered"
    assert _seat(apps, "X", passed_over).waitlist_position == 1
    assert set(OfferingDay.objects.filter(offering__in=[a, c]).values_list("taken", flat=True)) == {1}
    if deterministic:  # A was freed first, under X's lock: C's place passes X over
        assert x_states == {a.pk: "offered", c.pk: "waitlisted"}


def test_a_child_on_two_overlapping_lists_is_offered_the_second_place_once_the_first_is_declined():
    """Passed over is not dropped: when the child gives the first place back, the next freed
    place on the other list can go to them."""
    from ..services.applications import offer_respond

    a, c, people, apps = _two_full_lists()
    application_withdraw(guardian_user=people["H1"][0], application_id=apps[("H1", a.pk)].pk, now=f.NOW)
    assert _seat(apps, "X", a).state == "offered"
    offer_respond(guardian_user=people["X"][0], application_id=apps[("X", a.pk)].pk, accept=False,
                  now=f.NOW + timedelta(hours=1))
    application_withdraw(guardian_user=people["H2"][0], application_id=apps[("H2", c.pk)].pk, now=f.NOW)
    assert _seat(apps, "X", c).state == "offered"
    assert _held_overlaps(people["X"][1].pk) == 0
