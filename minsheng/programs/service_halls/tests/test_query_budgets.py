"""Query budgets of the hall's two hottest requests (issue 18), on both databases, counted as
production runs them (real transactions, no test SAVEPOINT): each statement is listed with the
reason for it, and the test fails when one is added.

Django counts the transaction's control too, BEGIN (IMMEDIATE on SQLite) and COMMIT on both
databases. The budgets (kiosk ticket ≤ 5, call-next ≤ 7) are for the statements that do the
work; the transaction control is asserted beside them (two more in all).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.audit.models import AuditEvent
from minsheng.identity.services import api_token_issue

from ..models import Ticket, TicketEvent
from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CALL_NEXT = "/api/v1/service_halls/windows/{}/call-next"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def control() -> list[str]:
    """The transaction control Django sends and counts for one transaction."""
    return ["BEGIN", "COMMIT"]


def kinds(queries) -> tuple[list[str], list[str]]:
    """(work, control): each work statement as 'VERB table' (the outermost table), each
    transaction control statement by its verb."""
    work, ctl = [], []
    for q in queries.captured_queries:
        sql = q["sql"]
        if sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            ctl.append(sql.split()[0])
            continue
        depth, top = 0, []
        for ch in sql:  # the statement without its subqueries
            depth += (ch == "(") - (ch == ")")
            top.append(ch if depth == 0 and ch != ")" else "")
        table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', "".join(top)).group(1)
        work.append(f"{sql.split()[0]} {table}")
    return work, ctl


# POST /p/service_halls/kiosk/<id>/ (public: no session, no account) —
KIOSK_TICKET = [
    "SELECT service_halls_servicepoint_business_types",  # the chosen business at this point, with the
                                                         # point and the business (both in service)
    "UPDATE service_halls_ticketcounter",  # the next number (last = last + 1); locks the counter row
    "SELECT service_halls_ticketcounter",  # the number just taken, and in the same statement whether the
                                           # point is open now (closures, hours) and handles the business
                                           # (selectors.halls.open_now): when not, the number rolls back
    "INSERT service_halls_ticket",         # the ticket (its row is also its record of issue), after COMMIT:
                                           # the counter row is free for the next kiosk at once
]


def test_a_kiosk_ticket_is_four_statements(client, django_assert_max_num_queries):
    p = f.point()
    biz = p.business_types.first()
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})  # makes the day's counter row
    with django_assert_max_num_queries(5 + len(control())), CaptureQueriesContext(connection) as q:
        r = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})
    assert r.status_code == 302
    assert kinds(q) == (KIOSK_TICKET, control())
    assert list(Ticket.objects.filter(point=p).order_by("number").values_list("number", flat=True)) == [
        "A001", "A002"]


# POST /api/v1/service_halls/windows/<id>/call-next with the clerk's API token, whatever the
# queue's length —
CALL_NEXT_STATEMENTS = [
    "SELECT identity_user",               # who calls: api_token_hash = the token's sha256 AND is_active
    "SELECT service_halls_window",        # FOR UPDATE OF window, WHERE clerk = the caller: a double tap
                                          # waits here; the window's point, number, the point's priority
                                          # setting and (a subquery) what the window's last call of the day
                                          # recorded for the policy
    "SELECT service_halls_ticket",        # the next ticket, with its business, none while a number is still
                                          # at the window: by id = COALESCE of one subquery per tier of the
                                          # policy (due appointments, the wanted kind, the other), each the
                                          # first of the window's businesses in its index's order, LIMIT 1
                                          # FOR UPDATE SKIP LOCKED (the queue's length does not matter)
    "UPDATE service_halls_ticket",        # the transition: state = 'called' … WHERE state = 'waiting'
    "INSERT service_halls_ticketevent",   # the ticket's history, the display's log, the policy's count
    "INSERT audit_auditevent",            # the one audit trail
]


def test_a_windows_call_next_is_six_statements():
    p, clerk, w = f.staffed_window(waiting=30)
    token = api_token_issue(user=clerk)
    tablet = Client(HTTP_AUTHORIZATION=f"Token {token}")
    first = tablet.post(CALL_NEXT.format(w.pk)).json()
    tablet.post(f"/api/v1/service_halls/windows/{w.pk}/skip", {"ticket": first["id"]},
                content_type="application/json")
    with CaptureQueriesContext(connection) as q:
        r = tablet.post(CALL_NEXT.format(w.pk))
    assert r.status_code == 200 and r.json()["number"] == "A002" and r.json()["window"] == w.number
    work, ctl = kinds(q)
    assert work == CALL_NEXT_STATEMENTS and len(work) <= 7
    assert ctl == control()
    assert Ticket.objects.get(number="A002", point=p).state == "called"
    assert TicketEvent.objects.filter(kind="called").count() == 2
    assert AuditEvent.objects.filter(event_type="service_halls.ticket_call", actor=clerk).count() == 2
