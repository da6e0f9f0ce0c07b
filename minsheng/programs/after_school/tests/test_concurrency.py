"""Racing applications on PostgreSQL with real threads."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.core.errors import Conflict

from ..models import Application, OfferingDay, SeatRequest
from ..services.applications import application_submit
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass"),
]


def _race(calls):
    results, barrier = [], threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Conflict as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_racing_for_the_last_places_admits_exactly_capacity():
    school = f.school()
    off = f.offering(school, capacity=5)
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    families = [f.guardian_with_child(school) for _ in range(16)]
    with time_machine.travel(f.NOW, tick=True):
        results = _race([
            (lambda g=g, c=c: application_submit(
                guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0, 1], idempotency_key=f.key()))
            for g, c in families
        ])
    admitted = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(admitted) == 5 and len(refused) == 11
    assert {r.code for r in refused} == {"full"}
    assert Application.objects.count() == 5
    assert set(OfferingDay.objects.filter(offering=off, weekday__in=[0, 1]).values_list("taken", flat=True)) == {5}
    assert SeatRequest.objects.filter(state="admitted").count() == 10


def test_double_click_racing_creates_one_application():
    school = f.school()
    off = f.offering(school, capacity=5)
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    g, c = f.guardian_with_child(school)
    k = f.key()
    with time_machine.travel(f.NOW, tick=True):
        results = _race([
            (lambda: application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0],
                                                 idempotency_key=k))
            for _ in range(6)
        ])
    assert all(isinstance(r, Application) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_double_click_on_a_lottery_offering_creates_one_application():
    school = f.school()
    off = f.offering(school, capacity=5, allocation="lottery")
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    g, c = f.guardian_with_child(school)
    k = f.key()
    with time_machine.travel(f.NOW, tick=True):
        results = _race([
            (lambda: application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0],
                                                 idempotency_key=k))
            for _ in range(6)
        ])
    assert all(isinstance(r, Application) for r in results), results
    assert Application.objects.count() == 1


def test_rush_racing_for_uneven_last_places_takes_all_days_or_none():
    """The rush path (one statement): Monday has 3 places left, Tuesday 5; of 12 families asking
    for both days exactly 3 are admitted, and no refused request keeps a place on either day."""
    school = f.school()
    off = f.offering(school, capacity=5)
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    OfferingDay.objects.filter(offering=off, weekday=0).update(taken=2)
    families = [f.guardian_with_child(school) for _ in range(12)]
    with time_machine.travel(f.NOW, tick=True):
        results = _race([
            (lambda g=g, c=c: application_submit(
                guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0, 1], idempotency_key=f.key()))
            for g, c in families
        ])
    admitted = [r for r in results if isinstance(r, Application)]
    assert len(admitted) == 3 and {r.code for r in results if isinstance(r, Conflict)} == {"full"}
    taken = dict(OfferingDay.objects.filter(offering=off, weekday__in=[0, 1]).values_list("weekday", "taken"))
    assert taken == {0: 5, 1: 3}
    assert SeatRequest.objects.filter(state="admitted").count() == 6 == 2 * Application.objects.count()


def test_a_place_freed_while_the_submit_waits_is_taken_with_the_other_days():
    """The submit waits for a day row another transaction holds (here: a withdrawal freeing
    Tuesday's only place). Judged on the statement's snapshot Tuesday would look full; the submit
    must see the freed place and take Monday and Tuesday — never Monday alone."""
    school = f.school()
    off = f.offering(school, capacity=1)
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    OfferingDay.objects.filter(offering=off, weekday=1).update(taken=1)
    tuesday = OfferingDay.objects.get(offering=off, weekday=1).pk
    g, c = f.guardian_with_child(school)
    holding, release = threading.Event(), threading.Event()

    def withdrawal():
        from django.db import transaction

        try:
            with transaction.atomic():
                OfferingDay.objects.filter(pk=tuesday).update(taken=0)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=withdrawal)
    other.start()
    assert holding.wait(10)
    threading.Timer(0.5, release.set).start()
    with time_machine.travel(f.NOW, tick=True):
        app = application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0, 1],
                                         idempotency_key=f.key())
    other.join(10)
    assert app.state == "admitted"
    taken = dict(OfferingDay.objects.filter(offering=off, weekday__in=[0, 1]).values_list("weekday", "taken"))
    assert taken == {0: 1, 1: 1}


@pytest.mark.parametrize("same_key", [True, False], ids=["double tap", "second submit"])
def test_a_submit_waiting_while_its_twin_takes_the_last_place_gets_the_twins_answer_not_full(same_key):
    """The submit statement reads this key's (or this child's) application itself when it
    finds the days full — in its snapshot, which is taken before it waits for the day rows.
    Here the twin takes the last place and commits while this one waits: its snapshot cannot
    see the twin, so it must ask again, and answer with the twin's application (a double
    tap) or as a duplicate (another submit for the same child) — never "full"."""
    from django.db import transaction

    school = f.school()
    off = f.offering(school, capacity=1)
    f.window(school, opens=f.NOW - timedelta(days=1), closes=f.NOW + timedelta(days=2))
    g, c = f.guardian_with_child(school)
    k = f.key()
    holding, release, twin = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                twin["app"] = application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                                         weekdays=[0], idempotency_key=k)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    with time_machine.travel(f.NOW, tick=True):
        other = threading.Thread(target=first)
        other.start()
        assert holding.wait(10)
        threading.Timer(0.5, release.set).start()
        if same_key:
            answer = application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                                weekdays=[0], idempotency_key=k)
            assert answer.pk == twin["app"].pk
        else:
            with pytest.raises(Conflict) as refused:
                application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                           weekdays=[0], idempotency_key=f.key())
            assert refused.value.code == "duplicate"
        other.join(10)
    assert Application.objects.count() == 1
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1
