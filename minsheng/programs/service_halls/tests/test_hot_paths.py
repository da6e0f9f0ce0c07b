"""The kiosk rush and the windows' call-next stay a handful of statements each
(the bench's throughput depends on it), and what makes them cheap never serves
stale or wrong answers: the hall cache forgets a closed point, the priority
policy holds per window across days."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.core.errors import ValidationFailed

from .. import lookups, selectors, services
from ..models import Window
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def _statements(q) -> list[str]:
    """The SQL that did work (the test's own transaction adds savepoints)."""
    return [x["sql"] for x in q.captured_queries
            if not x["sql"].startswith(("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT"))]


@pytest.fixture
def cached(settings):
    settings.SERVICE_HALLS_LOOKUP_SECONDS = 60
    lookups.lookups_clear()
    yield
    lookups.lookups_clear()


def test_issuing_a_ticket_is_three_statements_once_the_hall_is_cached(cached):
    p = f.point()
    biz = p.business_types.first()
    services.ticket_issue(point=p, business_type=biz, channel="kiosk")  # loads the hall
    with CaptureQueriesContext(connection) as q:
        t = services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    sql = _statements(q)
    # PostgreSQL: one statement (queue_pg); SQLite: the counter upsert RETURNING, the
    # ticket INSERT, the event INSERT
    assert len(sql) == (1 if connection.vendor == "postgresql" else 3), sql
    assert t.number == "A002"


def test_kiosk_post_reads_nothing_but_the_number_when_the_hall_is_cached(cached, client):
    p = f.point()
    biz = p.business_types.first()
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})
    with CaptureQueriesContext(connection) as q:
        r = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk})
    assert r.status_code == 302
    sql = [x["sql"] for x in q.captured_queries if "service_halls" in x["sql"]]
    assert len(sql) == (1 if connection.vendor == "postgresql" else 3), sql


def test_a_closed_point_is_forgotten_by_the_cache_at_once(cached, django_capture_on_commit_callbacks):
    p = f.point()
    biz = p.business_types.first()
    services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        services.point_close(point=p)
    with pytest.raises(ValidationFailed):
        services.ticket_issue(point=p, business_type=biz, channel="kiosk")


def test_call_next_is_one_candidate_statement_and_a_few_writes(cached):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    biz = p.business_types.first()
    for _ in range(20):
        services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    w = Window.objects.select_related("point").get(pk=w.pk)
    lookups.business_type_lookup(business_type_id=biz.pk)  # the process has shown this business before
    with CaptureQueriesContext(connection) as q:
        t = services.window_call_next(window=w, clerk=c)
    sql = _statements(q)
    # whatever the queue's length — PostgreSQL: one statement that locks the window
    # row, picks, marks, counts for the policy and writes the event and audit row;
    # SQLite: lock the window row, pick and mark in one UPDATE … RETURNING, the policy
    # counter, the display event, the audit row
    assert len(sql) == (1 if connection.vendor == "postgresql" else 5), sql
    assert sum("UPDATE service_halls_ticket " in s or 'UPDATE "service_halls_ticket"' in s for s in sql) == 1, sql
    assert t.number == "A001" and t.state == "called" and t.window_id == w.pk
    assert t.business_type.name == biz.name  # shown to the clerk without another read
    with CaptureQueriesContext(connection) as q:
        status = selectors.queue_status(ticket=t)  # the clerk's answer (API and screen)
    assert q.captured_queries == [] and status["window"] == w.number and status["your_turn"]
    t.refresh_from_db()
    assert t.state == "called" and t.called_at is not None and t.first_called_at == t.called_at


def test_api_call_next_trusts_the_signed_on_clerk_without_reading_assignments(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    client.force_login(c)
    with CaptureQueriesContext(connection) as q:
        r = client.post(f"/api/v1/service_halls/windows/{w.pk}/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001"
    # signing on checked the assignment; losing it signs the clerk off (next test)
    assert not [x for x in q.captured_queries if "access_roleassignment" in x["sql"]]


def test_losing_the_assignment_signs_the_clerk_off_and_ends_their_calls(client, django_capture_on_commit_callbacks):
    from minsheng.access.models import RoleAssignment

    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.filter(user=c).delete()
    w.refresh_from_db()
    assert w.clerk_id is None and not w.is_open
    client.force_login(c)
    r = client.post(f"/api/v1/service_halls/windows/{w.pk}/call-next")
    assert r.status_code == 403
    assert not services.Ticket.objects.filter(state="called").exists()


def test_an_assignment_that_lapsed_by_date_is_released_by_the_periodic_sweep():
    from minsheng.access.models import RoleAssignment
    from minsheng.core import periodic

    p = f.point()
    c, stays = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=1)
    other = f.window(point=p, clerk=stays, number=2)
    # a queryset update: no signal, as when the end date simply passes
    RoleAssignment.objects.filter(user=c).update(valid_to=MONDAY_10.date() - timedelta(days=1))
    assert "service_halls.windows_release" in periodic.registered()
    assert services.windows_release_out_of_scope() == 1
    w.refresh_from_db()
    other.refresh_from_db()
    assert w.clerk_id is None and other.clerk_id == stays.pk


def test_a_second_call_while_a_number_is_at_the_window_is_refused():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    biz = p.business_types.first()
    services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    services.window_call_next(window=w, clerk=c)
    from minsheng.core.errors import Conflict

    with pytest.raises(Conflict) as e:
        services.window_call_next(window=w, clerk=c)
    assert "A001" in str(e.value.message)


def test_priority_policy_is_per_window_and_starts_afresh_each_day():
    p = f.point(priority_every=2)
    c1, c2 = f.clerk(point=p), f.clerk(point=p)
    w1, w2 = f.window(point=p, clerk=c1, number=1), f.window(point=p, clerk=c2, number=2)
    biz = p.business_types.first()

    def issue(**kw):
        return services.ticket_issue(point=p, business_type=biz, channel="kiosk", **kw)

    def serve(w, c):
        t = services.window_call_next(window=w, clerk=c)
        services.ticket_finish(ticket=services.ticket_start(ticket=t, clerk=c), clerk=c)
        return t

    n1, n2 = issue(), issue()
    p1, p2 = issue(priority_reason="elderly"), issue(priority_reason="disabled")
    assert serve(w1, c1) == p1  # the day's first call at each window prefers priority
    assert serve(w2, c2) == p2
    assert serve(w1, c1) == n1
    w1.refresh_from_db()
    assert w1.normals_since_priority == 1
    with time_machine.travel(MONDAY_10 + timedelta(days=1), tick=True):
        issue()
        p3 = issue(priority_reason="pregnant")
        assert serve(w1, c1) == p3  # a new day starts afresh
    assert n2.number == "A002"
