"""Taking a number and the life of a ticket through the services: numbering, opening hours,
priority, the call order, appointments, transfers, cancelling and rating."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import (
    Appointment,
    AppointmentState,
    Closure,
    OpeningHours,
    PriorityFlags,
    Ticket,
    TicketEvent,
    TicketState,
)
from ..selectors.halls import point_is_open
from ..services.appointments import appointment_book, appointments_mark_no_show
from ..services.calling import (
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    ticket_transfer,
    window_call_next,
)
from ..services.points import point_move
from ..services.schedule import slots_create
from ..services.tickets import ticket_cancel, ticket_issue
from ..services.windows import window_sign_on
from . import factories as f

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def issue(point, biz=None, **kw):
    return ticket_issue(
        point=point, business_type=biz or point.business_types.first(), channel="kiosk", **kw
    )


def test_numbers_run_per_prefix_and_restart_each_day():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    numbers = [issue(p, a).number, issue(p, a).number, issue(p, b).number, issue(p, a).number]
    assert numbers == ["A001", "A002", "B001", "A003"]
    with time_machine.travel(MONDAY_10 + timedelta(days=1)):
        assert issue(p, a).number == "A001"
    assert Ticket.objects.filter(point=p).count() == 5


def test_two_points_number_independently():
    a = f.business("A")
    p1, p2 = f.point(businesses=[a]), f.point(businesses=[a])
    assert issue(p1).number == issue(p2).number == "A001"


def test_closed_hall_refuses_a_ticket_with_a_sentence():
    p = f.point()
    OpeningHours.objects.create(point=p, weekday=0, opens=time(13, 0), closes=time(17, 0))
    with pytest.raises(ValidationFailed) as exc:
        issue(p)
    assert p.name in str(exc.value.message)
    assert not Ticket.objects.exists()


def test_closure_day_and_hours_decide_opening():
    p = f.point()
    OpeningHours.objects.create(point=p, weekday=0, opens=time(8, 30), closes=time(12, 0))
    assert point_is_open(point=p)
    Closure.objects.create(point=p, date=date(2026, 3, 2), reason="检修")
    assert not point_is_open(point=p)


def test_business_not_served_is_refused_on_the_field():
    p = f.point(businesses=[f.business("A")])
    with pytest.raises(ValidationFailed) as exc:
        issue(p, f.business("C"))
    assert "business_type" in exc.value.fields
    assert not Ticket.objects.exists()


def test_priority_is_set_from_age_and_flags():
    p = f.point()
    old = f.person(birth=date(1950, 6, 1))
    young = f.person(birth=date(1990, 6, 1))
    pregnant = f.person(birth=date(1995, 6, 1))
    PriorityFlags.objects.create(person=pregnant, pregnant_until=date(2026, 8, 1))
    assert issue(p, person=old).priority_reason == "elderly"
    assert issue(p, person=young).is_priority is False
    assert issue(p, person=pregnant).priority_reason == "pregnant"
    assert issue(p, priority_reason="disabled").is_priority is True


def test_person_turning_70_tomorrow_is_not_yet_elderly():
    p = f.point()
    assert issue(p, person=f.person(birth=date(1956, 3, 3))).is_priority is False


def test_priority_policy_calls_one_priority_after_every_n_normal():
    p = f.point(priority_every=2)
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    n1, n2, n3 = issue(p), issue(p), issue(p)
    p1, p2 = issue(p, priority_reason="elderly"), issue(p, priority_reason="pregnant")
    order = []
    for _ in range(5):
        t = window_call_next(window_id=w.pk, clerk=c)
        order.append(t.number)
        f.act(ticket_start, t, c)
        f.act(ticket_finish, t, c)
    assert order == [p1.number, n1.number, n2.number, p2.number, n3.number]


def test_due_appointment_is_called_first():
    a = f.business("A")
    p = f.point(businesses=[a])
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    citizen = f.citizen()
    slots_create(point=p, business_type=a, day=date(2026, 3, 2), start="10:30", end="11:00")
    slot = p.slots.first()
    walk_in = issue(p)
    appointment = appointment_book(slot=slot, user=citizen)
    with time_machine.travel(MONDAY_10 + timedelta(minutes=25)):
        booked = ticket_issue(point=p, business_type=a, channel="phone", appointment=appointment)
        assert booked.channel == "appointment"
        assert window_call_next(window_id=w.pk, clerk=c) == booked
    assert Ticket.objects.get(pk=walk_in.pk).state == TicketState.WAITING
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.CHECKED_IN


def test_appointment_cannot_take_two_numbers():
    a = f.business("A")
    p = f.point(businesses=[a])
    slots_create(point=p, business_type=a, day=date(2026, 3, 2), start="11:00", end="11:30")
    appointment = appointment_book(slot=p.slots.first(), user=f.citizen())
    ticket_issue(point=p, business_type=a, channel="phone", appointment=appointment)
    # a stale copy is stopped by the database guard, a fresh one by validation
    with pytest.raises(Conflict):
        ticket_issue(point=p, business_type=a, channel="phone", appointment=appointment)
    appointment.refresh_from_db()
    with pytest.raises(ValidationFailed):
        ticket_issue(point=p, business_type=a, channel="phone", appointment=appointment)
    assert Ticket.objects.count() == 1


def test_full_slot_refuses_booking():
    a = f.business("A")
    p = f.point(businesses=[a])
    slots_create(point=p, business_type=a, day=date(2026, 3, 2), start="11:00", end="11:30", capacity=1)
    slot = p.slots.first()
    appointment_book(slot=slot, user=f.citizen())
    with pytest.raises(Conflict):
        appointment_book(slot=slot, user=f.citizen())
    assert Appointment.objects.count() == 1


def test_unused_appointments_become_no_shows_after_their_slot():
    a = f.business("A")
    p = f.point(businesses=[a])
    slots_create(point=p, business_type=a, day=date(2026, 3, 2), start="11:00", end="11:30")
    appointment = appointment_book(slot=p.slots.first(), user=f.citizen())
    assert appointments_mark_no_show(ended_before=MONDAY_10 + timedelta(hours=2)) == 1
    appointment.refresh_from_db()
    assert appointment.state == AppointmentState.NO_SHOW


def test_window_calls_only_its_business_types():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    c = f.clerk(point=p)
    w = f.window(point=p, businesses=[b], clerk=c)
    issue(p, a)
    tb = issue(p, b)
    assert window_call_next(window_id=w.pk, clerk=c) == tb
    f.act(ticket_skip, tb, c)
    assert window_call_next(window_id=w.pk, clerk=c) is None


def test_clerk_cannot_call_from_a_window_not_their_own():
    p = f.point()
    owner, other = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=owner)
    issue(p)
    with pytest.raises(NotAllowed):
        window_call_next(window_id=w.pk, clerk=other)
    assert Ticket.objects.get().state == TicketState.WAITING


def test_clerk_cannot_sign_on_outside_their_assignment():
    p, elsewhere = f.point(), f.point()
    c = f.clerk(point=elsewhere)
    w = f.window(point=p)
    with pytest.raises(NotAllowed):
        window_sign_on(window=w, clerk=c)
    w.refresh_from_db()
    assert w.clerk_id is None


def test_sign_on_refuses_a_window_someone_else_holds():
    p = f.point()
    a, b = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p)
    window_sign_on(window=w, clerk=a)
    with pytest.raises(Conflict):
        window_sign_on(window=w, clerk=b)
    assert AuditEvent.objects.filter(event_type="service_halls.window_sign_on").count() == 1


def test_call_next_refuses_while_a_number_is_still_at_the_window():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    issue(p), issue(p)
    window_call_next(window_id=w.pk, clerk=c)
    with pytest.raises(Conflict) as exc:
        window_call_next(window_id=w.pk, clerk=c)
    assert "A001" in str(exc.value.message)


def test_full_service_cycle_records_times_events_and_audit():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    t = issue(p)
    window_call_next(window_id=w.pk, clerk=c)
    f.act(ticket_recall, t, c)
    f.act(ticket_start, t, c)
    f.act(ticket_finish, t, c)
    t.refresh_from_db()
    assert t.state == TicketState.DONE and t.recall_count == 1
    assert t.first_called_at <= t.started_at <= t.finished_at
    kinds = list(TicketEvent.objects.filter(ticket=t).order_by("id").values_list("kind", flat=True))
    assert kinds == ["called", "recalled", "started", "finished"]  # the ticket row records its issue
    assert AuditEvent.objects.filter(event_type__startswith="service_halls.ticket_").count() == 4


def test_finish_before_start_is_a_state_conflict():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    t = issue(p)
    window_call_next(window_id=w.pk, clerk=c)
    with pytest.raises(Conflict):
        f.act(ticket_finish, t, c)
    t.refresh_from_db()
    assert t.state == TicketState.CALLED


def test_transfer_to_another_business_requeues_with_number_and_place():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    ca, cb = f.clerk(point=p), f.clerk(point=p)
    wa = f.window(point=p, number=1, businesses=[a], clerk=ca)
    wb = f.window(point=p, number=2, businesses=[b], clerk=cb)
    t = issue(p, a)
    later_b = issue(p, b)
    window_call_next(window_id=wa.pk, clerk=ca)
    f.act(ticket_transfer, t, ca, business_type=b)
    t.refresh_from_db()
    assert (t.state, t.number, t.business_type_id, t.window_id) == ("waiting", "A001", b.pk, None)
    # issued earlier than B001, so window 2 calls it first
    assert window_call_next(window_id=wb.pk, clerk=cb) == t
    assert Ticket.objects.get(pk=later_b.pk).state == TicketState.WAITING


def test_transfer_to_a_window_is_called_only_there():
    a = f.business("A")
    p = f.point(businesses=[a])
    c1, c2, c3 = f.clerk(point=p), f.clerk(point=p), f.clerk(point=p)
    w1 = f.window(point=p, number=1, clerk=c1)
    w2 = f.window(point=p, number=2, clerk=c2)
    w3 = f.window(point=p, number=3, clerk=c3)
    t = issue(p)
    window_call_next(window_id=w1.pk, clerk=c1)
    f.act(ticket_transfer, t, c1, to_window=w3)
    assert window_call_next(window_id=w2.pk, clerk=c2) is None
    assert window_call_next(window_id=w3.pk, clerk=c3) == t


def test_transfer_needs_a_target():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    t = issue(p)
    window_call_next(window_id=w.pk, clerk=c)
    with pytest.raises(ValidationFailed):
        f.act(ticket_transfer, t, c)


def test_queue_survives_a_restart_because_it_lives_in_the_database():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    first, second = issue(p), issue(p)
    window_call_next(window_id=w.pk, clerk=c)
    # A "restart": fresh objects from the database, nothing carried in memory.
    from ..models import Window

    w2 = Window.objects.get(pk=w.pk)
    f.act(ticket_skip, Ticket.objects.get(pk=first.pk), c)
    assert window_call_next(window_id=w2.pk, clerk=c).pk == second.pk
    assert issue(p).number == "A003"


def test_citizen_cancels_own_waiting_ticket_only():
    p = f.point()
    owner, stranger = f.citizen(), f.citizen()
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="phone", user=owner)
    with pytest.raises(NotAllowed):
        ticket_cancel(ticket=t, user=stranger)
    ticket_cancel(ticket=t, user=owner)
    assert Ticket.objects.get(pk=t.pk).state == TicketState.CANCELLED


def test_point_move_records_audit_and_triggers_recompute():
    from ..models import CoverageRun

    p = f.point()
    with timezone.override("Asia/Shanghai"):
        point_move(point=p, latitude=34.7, longitude=119.2)
    assert AuditEvent.objects.filter(event_type="service_halls.point_move").exists()
    # eager task backend in tests: on_commit runs at the end of the test transaction,
    # so run the recompute explicitly to check it works end to end
    from ..services.coverage import coverage_recompute

    assert coverage_recompute(trigger="test").pk == CoverageRun.objects.latest("id").pk
