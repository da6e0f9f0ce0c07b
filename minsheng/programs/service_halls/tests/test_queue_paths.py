"""The hot paths write exactly what the ORM path writes.

On PostgreSQL, issuing, calling and the window actions run as single statements
(queue_pg.py); on SQLite they go through the ORM. These tests run in both CI
passes and pin the rows either way: the ticket, its events, the audit entry, the
policy counter, and the refusals with their wording."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, NotFound

from .. import services
from ..models import BusinessType, Ticket, TicketCounter, TicketEvent, Window
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def _call(w, clerk):
    return services.window_call_next_at(
        window_id=w.pk, clerk=clerk, window_for=lambda: Window.objects.select_related("point").get(pk=w.pk)
    )


def _act(action, w, ticket, clerk):
    return services.window_ticket_act(
        action=action, window_id=w.pk, ticket_id=ticket.pk, clerk=clerk,
        ticket_for=lambda: Ticket.objects.get(pk=ticket.pk),
    )


def test_issue_writes_the_ticket_and_its_event():
    p = f.point()
    biz = p.business_types.first()
    t = services.ticket_issue(point=p, business_type=biz, channel="kiosk", priority_reason="pregnant")
    row = Ticket.objects.get(pk=t.pk)
    assert (row.number, row.state, row.channel, row.is_priority, row.priority_reason) == (
        "A001", "waiting", "kiosk", True, "pregnant")
    assert row.token == t.token and len(row.token) >= 16
    assert (row.recall_count, row.transfer_count, row.window_id, row.user_id) == (0, 0, None, None)
    assert row.issued_at == t.issued_at and row.service_date == MONDAY_10.date()
    (event,) = TicketEvent.objects.filter(ticket=row)
    assert (event.kind, event.point_id, event.detail, event.actor_id) == ("issued", p.pk, {"channel": "kiosk"}, None)
    assert t.business_type == biz and t.point == p  # shown without another read


def test_numbers_past_999_keep_every_digit():
    p = f.point()
    biz = p.business_types.first()
    TicketCounter.objects.create(point=p, prefix=biz.prefix, service_date=MONDAY_10.date(), last=998)
    numbers = [services.ticket_issue(point=p, business_type=biz, channel="kiosk").number for _ in range(3)]
    assert numbers == ["A999", "A1000", "A1001"]


def test_call_next_writes_the_call_the_event_the_audit_and_the_policy(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=3)
    t = services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
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
    w.refresh_from_db()
    assert w.policy_day == MONDAY_10.date() and w.normals_since_priority > 0


def test_call_next_refusals_and_nobody_waiting():
    p = f.point()
    c, other = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    assert _call(w, c) is None  # nobody waits
    services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
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
    t = services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    _call(w, c)
    assert _act("recall", w, t, c).state == "called"
    started = _act("start", w, t, c)
    assert started.state == "serving" and started.window.number == w.number
    done = _act("finish", w, t, c)
    assert done.state == "done"
    row = Ticket.objects.get(pk=t.pk)
    assert row.recall_count == 1 and row.called_at <= row.started_at <= row.finished_at
    kinds = list(TicketEvent.objects.filter(ticket=row).order_by("id").values_list("kind", "window_id", "actor_id"))
    assert kinds == [("issued", None, None), ("called", w.pk, c.pk), ("recalled", w.pk, c.pk),
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
    t = services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
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
    t = services.ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    _call(w, c)
    with pytest.raises(NotAllowed):
        _act("skip", theirs, t, other)
    with pytest.raises(NotFound):
        services.window_ticket_act(action="explode", window_id=w.pk, ticket_id=t.pk, clerk=c,
                                   ticket_for=lambda: t)
    assert Ticket.objects.get(pk=t.pk).state == "called"


def test_a_transferred_ticket_goes_to_its_window_before_older_ones():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    c1, c2 = f.clerk(point=p), f.clerk(point=p)
    w1 = f.window(point=p, clerk=c1, number=1, businesses=[a])
    w2 = f.window(point=p, clerk=c2, number=2, businesses=[b])
    old_b = services.ticket_issue(point=p, business_type=b, channel="kiosk")
    moved = services.ticket_issue(point=p, business_type=a, channel="kiosk")
    _call(w1, c1)
    services.ticket_transfer(ticket=Ticket.objects.get(pk=moved.pk), clerk=c1, to_window=Window.objects.get(pk=w2.pk))
    # transferred to window 2: it is callable there (issued after old_b, so old_b first)
    assert _call(w2, c2).pk == old_b.pk
    _act("skip", w2, old_b, c2)
    assert _call(w2, c2).pk == moved.pk
    assert BusinessType.objects.count() == 2



def test_call_statement_is_planned_once_per_connection_not_per_call():
    """PostgreSQL plans the call statement once and reuses that plan: when the states
    were parameters, the partial queue indexes could not serve a generic plan, so
    every call was planned afresh and planning cost twice the execution."""
    from django.db import connection

    from .. import queue_pg

    if not queue_pg.available():
        pytest.skip("prepared statements are PostgreSQL's; SQLite takes the ORM path")
    p = f.point()
    biz = p.business_types.first()
    windows = []
    for n in range(8):
        c = f.clerk(point=p)
        windows.append((f.window(point=p, clerk=c, number=n + 1), c))
    for _ in range(len(windows)):
        services.ticket_issue(point=p, business_type=biz, channel="kiosk")
    with connection.cursor() as cur:  # a day's served numbers: the size at which plans differ
        cur.execute(
            "INSERT INTO service_halls_ticket (point_id, business_type_id, service_date, number, channel,"
            " is_priority, priority_reason, state, issued_at, recall_count, transfer_count, token)"
            " SELECT %s, %s, %s, 'Z' || g, 'kiosk', false, '', 'done', now(), 0, 0, 'done-' || g"
            " FROM generate_series(1, 20000) g", [p.pk, biz.pk, MONDAY_10.date()])
        cur.execute("ANALYZE service_halls_ticket")
    for w, c in windows:
        assert _call(w, c).state == "called"
    with connection.cursor() as cur:
        cur.execute("SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
                    ["%FOR UPDATE OF w%"])
        ((generic, custom),) = cur.fetchall()
    assert generic >= 3 and custom <= 5, (generic, custom)


def test_every_hall_statement_fits_psycopgs_conversion_cache():
    """psycopg keeps a statement's placeholder conversion only up to 4 KiB; past it, every
    call parses the statement again (core.prepared). The call statement is close to it."""
    from psycopg import _queries

    from minsheng.core import prepared

    from .. import queue_pg

    statements = [queue_pg._ISSUE, queue_pg._CALL, queue_pg._CALL_AND_NOTIFY,
                  *queue_pg._ACT_SQL.values(), *queue_pg._ACT_AND_NOTIFY_SQL.values()]
    sizes = [len(prepared.fitted(sql).encode()) for sql in statements]
    assert max(sizes) <= _queries.MAX_CACHED_STATEMENT_LENGTH, sizes


def test_the_called_ticket_reads_any_column_the_statement_did_not_return_from_the_database():
    """After a one-statement call the ticket holds only what the statement returned; any
    other column comes from its row when asked, never from a default."""
    from django.db.models.signals import post_init, pre_init

    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=3)
    t = services.ticket_issue(point=p, business_type=p.business_types.first(), channel="phone")
    called = _call(w, c)
    row = Ticket.objects.get(pk=t.pk)
    assert (called.issued_at, called.called_at, called.channel, called.service_date) == (
        row.issued_at, row.called_at, "phone", MONDAY_10.date())
    assert not called._state.adding and called._state.db == "default"
    called.save(update_fields=["recall_count"])  # an ordinary model instance: it saves as one
    assert Ticket.objects.get(pk=t.pk).state == "called"
    # services._loaded builds these without __init__: nothing may listen for it
    for model in (Ticket, Window):
        assert not pre_init.has_listeners(model) and not post_init.has_listeners(model)
