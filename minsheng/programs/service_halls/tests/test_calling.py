"""Calling at a window: the signed-on clerk is trusted (signing on checked the assignment;
losing it signs them off), one number at a window at a time, the priority policy per window
and per day; and the hall cache forgets a closed point at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed

from ..models import BusinessType, Ticket, TicketCounter, TicketEvent, Window
from ..services.calling import (
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    ticket_transfer,
    window_call_next,
)
from ..services.points import point_close
from ..services.tickets import ticket_issue
from ..services.windows import windows_release_out_of_scope
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def test_a_closed_point_issues_no_number_at_once(django_capture_on_commit_callbacks):
    p = f.point()
    biz = p.business_types.first()
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        point_close(point=p)
    with pytest.raises(ValidationFailed):
        ticket_issue(point=p, business_type=biz, channel="kiosk")


def test_api_call_next_trusts_the_signed_on_clerk_without_reading_assignments(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
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
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.filter(user=c).delete()
    w.refresh_from_db()
    assert w.clerk_id is None and not w.is_open
    client.force_login(c)
    r = client.post(f"/api/v1/service_halls/windows/{w.pk}/call-next")
    assert r.status_code == 403
    assert not Ticket.objects.filter(state="called").exists()


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
    assert windows_release_out_of_scope() == 1
    w.refresh_from_db()
    other.refresh_from_db()
    assert w.clerk_id is None and other.clerk_id == stays.pk


def test_a_second_call_while_a_number_is_at_the_window_is_refused():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    biz = p.business_types.first()
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    window_call_next(window_id=w.pk, clerk=c)
    from minsheng.core.errors import Conflict

    with pytest.raises(Conflict) as e:
        window_call_next(window_id=w.pk, clerk=c)
    assert "A001" in str(e.value.message)


def test_priority_policy_is_per_window_and_starts_afresh_each_day():
    p = f.point(priority_every=2)
    c1, c2 = f.clerk(point=p), f.clerk(point=p)
    w1, w2 = f.window(point=p, clerk=c1, number=1), f.window(point=p, clerk=c2, number=2)
    biz = p.business_types.first()

    def issue(**kw):
        return ticket_issue(point=p, business_type=biz, channel="kiosk", **kw)

    def serve(w, c):
        t = window_call_next(window_id=w.pk, clerk=c)
        f.act(ticket_finish, f.act(ticket_start, t, c), c)
        return t

    n1, n2 = issue(), issue()
    p1, p2 = issue(priority_reason="elderly"), issue(priority_reason="disabled")
    assert serve(w1, c1) == p1  # the day's first call at each window prefers priority
    assert serve(w2, c2) == p2
    assert serve(w1, c1) == n1
    with time_machine.travel(MONDAY_10 + timedelta(days=1), tick=True):
        issue()
        p3 = issue(priority_reason="pregnant")
        assert serve(w1, c1) == p3  # a new day starts afresh
    assert n2.number == "A002"


ACTS = {"recall": ticket_recall, "skip": ticket_skip, "start": ticket_start, "finish": ticket_finish}


def _call(w, clerk):
    return window_call_next(window_id=w.pk, clerk=clerk)


def _act(action, w, ticket, clerk):
    return ACTS[action](window_id=w.pk, ticket_id=ticket.pk, clerk=clerk)


def test_numbers_past_999_keep_every_digit():
    p = f.point()
    biz = p.business_types.first()
    TicketCounter.objects.create(point=p, prefix=biz.prefix, service_date=MONDAY_10.date(), last=998)
    numbers = [ticket_issue(point=p, business_type=biz, channel="kiosk").number for _ in range(3)]
    assert numbers == ["A999", "A1000", "A1001"]


def test_call_next_writes_the_call_the_event_the_audit_and_the_policy(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=3)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    called = _call(w, c)
    assert (called.pk, called.number, called.state, called.window.number) == (t.pk, "A001", "called", 3)
    assert called.business_type.name and called.point.name == p.name
    row = Ticket.objects.get(pk=t.pk)
    assert (row.state, row.window_id, row.target_window_id) == ("called", w.pk, None)
    assert row.called_at is not None and row.first_called_at == row.called_at
    event = TicketEvent.objects.get(ticket=row, kind="called")
    assert (event.window_id, event.actor_id, event.point_id) == (w.pk, c.pk, p.pk)
    audit = AuditEvent.objects.get(event_type="service_halls.ticket_call")
    assert (audit.actor_id, audit.actor_label, audit.target_type, audit.target_id, audit.target_label) == (
        c.pk, str(c), "service_halls.ticket", str(t.pk), "A001")
    assert audit.old_values == {"state": "waiting"} and audit.new_values == {"state": "called", "window": 3}


def test_call_next_refusals_and_nobody_waiting():
    p = f.point()
    c, other = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    assert _call(w, c) is None  # nobody waits
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    with pytest.raises(NotAllowed) as exc:
        _call(w, other)  # not their window
    assert "1" in exc.value.message
    assert not Ticket.objects.filter(state="called").exists()
    _call(w, c)
    with pytest.raises(Conflict) as exc:
        _call(w, c)  # A001 is still at the window
    assert "A001" in exc.value.message and exc.value.code == ErrorCode.STATE_CHANGED
    assert Ticket.objects.filter(state="called").count() == 1
    assert AuditEvent.objects.filter(event_type="service_halls.ticket_call").count() == 1


def test_window_actions_write_state_times_events_and_audit():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    _call(w, c)
    assert _act("recall", w, t, c).state == "called"
    started = _act("start", w, t, c)
    assert started.state == "serving" and started.window.number == w.number
    done = _act("finish", w, t, c)
    assert done.state == "done"
    row = Ticket.objects.get(pk=t.pk)
    assert row.recall_count == 1 and row.called_at <= row.started_at <= row.finished_at
    kinds = list(TicketEvent.objects.filter(ticket=row).order_by("id").values_list("kind", "window_id", "actor_id"))
    assert kinds == [("called", w.pk, c.pk), ("recalled", w.pk, c.pk),
                     ("started", w.pk, c.pk), ("finished", w.pk, c.pk)]
    audits = {a.event_type: (a.old_values, a.new_values, a.actor_id, a.target_id)
              for a in AuditEvent.objects.filter(event_type__startswith="service_halls.ticket_")}
    assert audits["service_halls.ticket_recall"] == ({"state": "called"}, {"state": "called", "recalls": 1},
                                                     c.pk, str(t.pk))
    assert audits["service_halls.ticket_start"] == ({"state": "called"}, {"state": "serving"}, c.pk, str(t.pk))
    assert audits["service_halls.ticket_finish"] == ({"state": "serving"}, {"state": "done"}, c.pk, str(t.pk))


def test_skip_marks_a_no_show_and_a_wrong_state_is_a_conflict_that_changes_nothing():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    _call(w, c)
    with pytest.raises(Conflict) as exc:
        _act("finish", w, t, c)  # not started yet
    assert exc.value.code == ErrorCode.STATE_CHANGED and "A001" in exc.value.message
    assert _act("skip", w, t, c).state == "no_show"
    with pytest.raises(Conflict):
        _act("skip", w, t, c)
    assert Ticket.objects.get(pk=t.pk).state == "no_show"
    assert TicketEvent.objects.filter(ticket=t, kind="skipped").count() == 1
    assert AuditEvent.objects.filter(event_type="service_halls.ticket_skip").count() == 1


def test_acting_on_a_number_at_someone_elses_window_is_refused():
    p = f.point()
    c, other = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=1)
    theirs = f.window(point=p, clerk=other, number=2)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    _call(w, c)
    with pytest.raises(NotAllowed):
        _act("skip", theirs, t, other)
    with pytest.raises(NotAllowed):
        ticket_skip(window_id=w.pk, ticket_id=t.pk, clerk=other)
    assert Ticket.objects.get(pk=t.pk).state == "called"


def test_a_transferred_ticket_goes_to_its_window_before_older_ones():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    c1, c2 = f.clerk(point=p), f.clerk(point=p)
    w1 = f.window(point=p, clerk=c1, number=1, businesses=[a])
    w2 = f.window(point=p, clerk=c2, number=2, businesses=[b])
    old_b = ticket_issue(point=p, business_type=b, channel="kiosk")
    moved = ticket_issue(point=p, business_type=a, channel="kiosk")
    _call(w1, c1)
    ticket_transfer(window_id=w1.pk, ticket_id=moved.pk, clerk=c1, to_window=Window.objects.get(pk=w2.pk))
    # transferred to window 2: it is callable there (issued after old_b, so old_b first)
    assert _call(w2, c2).pk == old_b.pk
    _act("skip", w2, old_b, c2)
    assert _call(w2, c2).pk == moved.pk
    assert BusinessType.objects.count() == 2
