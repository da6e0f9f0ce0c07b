"""Races with real threads on PostgreSQL: numbers never repeat, no ticket is called twice."""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from ..models import Ticket, TicketEvent
from ..services.calling import ticket_finish, ticket_skip, ticket_start, window_call_next
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass"
    ),
]


def run_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def body(i):
        try:
            barrier.wait()
            target(i)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_racing_kiosks_never_issue_one_number_twice():
    a = f.business("A")
    p = f.point(businesses=[a])

    def issue_many(_i):
        for _ in range(15):
            ticket_issue(point=p, business_type=a, channel="kiosk")

    assert run_threads(6, issue_many) == []
    numbers = list(Ticket.objects.filter(point=p).values_list("number", flat=True))
    assert len(numbers) == 90 == len(set(numbers))
    assert sorted(numbers) == [f"A{i:03d}" for i in range(1, 91)]


def test_racing_windows_call_each_ticket_exactly_once():
    a = f.business("A")
    p = f.point(businesses=[a])
    for _ in range(60):
        ticket_issue(point=p, business_type=a, channel="kiosk")
    clerks = [f.clerk(point=p) for _ in range(5)]
    windows = [f.window(point=p, number=i + 1, clerk=c) for i, c in enumerate(clerks)]
    called: list[int] = []
    lock = threading.Lock()

    def work(i):
        close_old_connections()
        while True:
            t = window_call_next(window_id=windows[i].pk, clerk=clerks[i])
            if t is None:
                return
            with lock:
                called.append(t.pk)
            f.act(ticket_start, t, clerks[i])
            f.act(ticket_finish, t, clerks[i])

    assert run_threads(5, work) == []
    assert len(called) == 60 == len(set(called))
    assert Ticket.objects.filter(point=p, state="done").count() == 60
    per_ticket = Counter(
        TicketEvent.objects.filter(point=p, kind="called").values_list("ticket_id", flat=True)
    )
    assert set(per_ticket.values()) == {1}


def test_a_double_tap_on_call_next_calls_one_number():
    """Eight simultaneous call-next requests from one window (the clerk's double tap,
    or a retrying tablet): the window's row lock serialises them, one number is
    called and the others are told it is still at the window."""
    from minsheng.core.errors import Conflict

    a = f.business("A")
    p = f.point(businesses=[a])
    for _ in range(10):
        ticket_issue(point=p, business_type=a, channel="kiosk")
    clerk = f.clerk(point=p)
    window = f.window(point=p, clerk=clerk)
    results, lock = [], threading.Lock()

    def tap(_i):
        close_old_connections()
        try:
            t = window_call_next(window_id=window.pk, clerk=clerk)
            outcome = t.number
        except Conflict:
            outcome = "busy"
        with lock:
            results.append(outcome)

    assert run_threads(8, tap) == []
    assert sorted(results) == ["A001"] + ["busy"] * 7
    assert Ticket.objects.filter(point=p, state="called").count() == 1
    assert TicketEvent.objects.filter(point=p, kind="called").count() == 1


def test_racing_skips_of_one_ticket_record_one_no_show():
    """Two taps on "no-show" for the same number: one applies, the other is a state conflict."""
    from minsheng.audit.models import AuditEvent
    from minsheng.core.errors import Conflict

    a = f.business("A")
    p = f.point(businesses=[a])
    t = ticket_issue(point=p, business_type=a, channel="kiosk")
    clerk = f.clerk(point=p)
    window = f.window(point=p, clerk=clerk)
    window_call_next(window_id=window.pk, clerk=clerk)
    outcomes, lock = [], threading.Lock()

    def tap(_i):
        close_old_connections()
        try:
            ticket_skip(window_id=window.pk, ticket_id=t.pk, clerk=clerk)
            outcome = "ok"
        except Conflict:
            outcome = "conflict"
        with lock:
            outcomes.append(outcome)

    assert run_threads(6, tap) == []
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert TicketEvent.objects.filter(ticket=t, kind="skipped").count() == 1
    assert AuditEvent.objects.filter(event_type="service_halls.ticket_skip").count() == 1
