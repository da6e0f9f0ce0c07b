"""Query budgets of the hall's two hottest requests (issue 18), on both databases: each
statement is listed with the reason for it, and the test fails when one is added.

Counted as the test runs them, inside the test's transaction: the request's
``transaction.atomic()`` is a SAVEPOINT / RELEASE pair here, as it is BEGIN / COMMIT in
production on SQLite (on PostgreSQL only the COMMIT shows: one fewer).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from minsheng.audit.models import AuditEvent
from minsheng.identity.services import api_token_issue

from ..models import Ticket, TicketEvent
from ..selectors.halls import halls_forget
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
CALL_NEXT = "/api/v1/service_halls/windows/{}/call-next"


@pytest.fixture(autouse=True)
def _clock_and_hall_cache(settings):
    settings.SERVICE_HALLS_LOOKUP_SECONDS = 60  # as deployed (5 s): the hall is read once per process
    halls_forget()
    with time_machine.travel(MONDAY_10, tick=True):
        yield
    halls_forget()


def test_a_kiosk_ticket_is_five_statements(client, django_assert_max_num_queries):
    """POST /p/service_halls/kiosk/<id>/ with the hall cached (its businesses, hours,
    closures: selectors.halls) and the day's counter row for the letter made:

    1. SAVEPOINT (BEGIN IMMEDIATE on SQLite) — taking the number is a transaction of its own
    2. UPDATE ticketcounter SET last = last + 1 — the next number; locks the counter row
    3. SELECT ticketcounter.last — read the number just taken (still locked by us)
    4. RELEASE SAVEPOINT (COMMIT) — the counter row is free for the next kiosk at once
    5. INSERT ticket … RETURNING id — the ticket (its row is also its record of issue)
    """
    p = f.point()
    biz = p.business_types.first()
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})  # loads the hall, makes the counter
    with django_assert_max_num_queries(5):
        r = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})
    assert r.status_code == 302
    assert list(Ticket.objects.filter(point=p).order_by("number").values_list("number", flat=True)) == [
        "A001", "A002"]


def test_a_windows_call_next_is_seven_statements(django_assert_max_num_queries):
    """POST /api/v1/service_halls/windows/<id>/call-next with the clerk's API token, whatever
    the queue's length (here 8 with the test's SAVEPOINT and RELEASE; in production 7 on
    SQLite, whose COMMIT is not a statement, and 6 on PostgreSQL, whose BEGIN is not either):

    0. SELECT user WHERE api_token_hash = the token's sha256 AND is_active — who calls
    1. SAVEPOINT (BEGIN IMMEDIATE on SQLite)
    2. SELECT window JOIN servicepoint … WHERE clerk = the caller FOR UPDATE OF window — a
       double tap waits here; the window's point, number, the point's priority setting and
       (a subquery) what the window's last call of the day recorded for the policy
    3. SELECT the next ticket … FOR UPDATE SKIP LOCKED — in the policy's order, for the
       window's businesses, none while a number is still at the window; with its business
    4. UPDATE ticket SET state = 'called' … WHERE state = 'waiting' — the transition
    5. INSERT ticketevent — the ticket's history, the display's log, the policy's count
    6. INSERT auditevent — the one audit trail
    7. RELEASE SAVEPOINT (COMMIT)
    """
    p, clerk, w = f.staffed_window(waiting=30)
    token = api_token_issue(user=clerk)
    tablet = Client(HTTP_AUTHORIZATION=f"Token {token}")
    first = tablet.post(CALL_NEXT.format(w.pk)).json()
    tablet.post(f"/api/v1/service_halls/windows/{w.pk}/skip", {"ticket": first["id"]},
                content_type="application/json")
    with django_assert_max_num_queries(8):
        r = tablet.post(CALL_NEXT.format(w.pk))
    assert r.status_code == 200 and r.json()["number"] == "A002" and r.json()["window"] == w.number
    assert Ticket.objects.get(number="A002", point=p).state == "called"
    assert TicketEvent.objects.filter(kind="called").count() == 2
    assert AuditEvent.objects.filter(event_type="service_halls.ticket_call", actor=clerk).count() == 2
