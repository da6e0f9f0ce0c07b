"""Racing applications on PostgreSQL with real threads."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.core.errors import Conflict

from .. import services
from ..models import Application, OfferingDay, SeatRequest
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
            (lambda g=g, c=c: services.application_submit(
                guardian_user=g, student=c, offering=off, weekdays=[0, 1], idempotency_key=f.key()))
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
            (lambda: services.application_submit(guardian_user=g, student=c, offering=off, weekdays=[0],
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
            (lambda: services.application_submit(guardian_user=g, student=c, offering=off, weekdays=[0],
                                                 idempotency_key=k))
            for _ in range(6)
        ])
    assert all(isinstance(r, Application) for r in results), results
    assert Application.objects.count() == 1
