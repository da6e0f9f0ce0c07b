"""The hall manager's services: points, zones, windows, business types, hours,
closures and slots — each refusal leaves nothing half-saved, each change is
audited, and what the kiosk caches is forgotten at once."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import (
    AppointmentSlot,
    BusinessType,
    Closure,
    CoverageRun,
    OpeningHours,
    ServicePoint,
    Ticket,
    TicketState,
    Window,
    Zone,
)
from ..selectors.halls import hall_find, kiosk_choice
from ..selectors.manage import appointments_for_day, booked_on, points_managed
from ..services.appointments import appointment_book, appointment_cancel
from ..services.business_types import business_type_create, business_type_update
from ..services.calling import ticket_finish, ticket_start, window_call_next
from ..services.points import (
    point_close,
    point_create,
    point_move,
    point_reopen,
    point_update,
    window_create,
    window_update,
    zone_create,
    zone_delete,
    zone_update,
)
from ..services.schedule import (
    closure_remove,
    closures_add,
    hours_set,
    slot_delete,
    slots_create_range,
)
from ..services.tickets import ticket_issue
from ..services.windows import window_sign_off, window_sign_on
from . import factories as f

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def manager_of(point):
    return f.clerk(point=point, role="hall_manager")


def issue(point, biz=None):
    return ticket_issue(point=point, business_type=biz or point.business_types.first(), channel="kiosk")


def kiosk_issue(point, biz):
    """Issue as the kiosk does: the point and the business as its one read finds them."""
    point, business = kiosk_choice(point_id=point.pk, business_id=biz.pk)
    return ticket_issue(point=point, business_type=business, channel="kiosk")


# --- points ----------------------------------------------------------------------------
def test_manager_adds_a_point_under_their_organisation_and_the_circle_is_recomputed(
    django_capture_on_commit_callbacks,
):
    home = f.point()
    manager = manager_of(home)
    village = f.region("320706001201", "community", parent=home.region, name="新村", lat=34.62, lon=119.2,
                       population=800)
    biz = home.business_types.first()
    with django_capture_on_commit_callbacks(execute=True):
        point = point_create(name="新村医保服务点", level="village_point", region=village, latitude=34.62,
                                longitude=119.2, address="村委会一楼", business_types=[biz],
                                parent=home.organisation, actor=manager)
    org = point.organisation
    assert (org.kind, org.parent_id, org.region_id) == ("service_point", home.organisation_id, village.pk)
    assert list(point.business_types.all()) == [biz]
    assert points_managed(user=manager).filter(pk=point.pk).exists()
    event = AuditEvent.objects.get(event_type="service_halls.point_create")
    assert event.actor_id == manager.pk and event.new_values["region"] == village.pk
    run = CoverageRun.objects.latest("id")
    assert run.trigger == f"point {point.pk} added" and run.finished_at is not None


def test_a_point_outside_the_managers_area_is_refused_and_nothing_is_created():
    home = f.point()
    manager = manager_of(home)
    elsewhere = f.region("320707", "county", parent=home.region.parent.parent, name="赣榆区")
    points, orgs = ServicePoint.objects.count(), Organisation.objects.count()
    with pytest.raises(NotAllowed):
        point_create(name="越界服务站", level="town_station", region=elsewhere, latitude=34.8,
                        longitude=119.1, parent=home.organisation, actor=manager)
    other = f.point()
    with pytest.raises(NotAllowed):  # the right area, but someone else's organisation
        point_create(name="借名服务站", level="town_station", region=home.region, latitude=34.6,
                        longitude=119.2, parent=other.organisation, actor=manager)
    assert (ServicePoint.objects.count(), Organisation.objects.count()) == (points + 1, orgs + 1)  # `other` only


def test_bad_point_input_names_every_field_and_saves_nothing():
    home = f.point(name="朐阳服务站")
    manager = manager_of(home)
    before = ServicePoint.objects.count()
    with pytest.raises(ValidationFailed) as e:
        point_create(name="朐阳服务站", level="palace", region=home.region, latitude=200, longitude=119,
                        priority_every=99, parent=home.organisation, actor=manager)
    assert set(e.value.fields) == {"name", "level", "latitude", "priority_every"}
    assert ServicePoint.objects.count() == before


def test_a_point_stops_handling_a_business_only_once_its_numbers_are_served():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    manager, clerk = manager_of(p), f.clerk(point=p)
    w = f.window(point=p, businesses=[a, b], clerk=clerk)
    t = issue(p, b)
    fields = {"name": p.name, "level": p.level, "region": p.region, "address": "新地址", "priority_every": 3}
    with pytest.raises(ValidationFailed) as e:
        point_update(point=p, business_types=[a], actor=manager, **fields)
    assert "business_types" in e.value.fields
    p.refresh_from_db()
    assert p.address == "" and set(p.business_types.all()) == {a, b}  # nothing half-saved
    window_call_next(window_id=w.pk, clerk=clerk)
    f.act(ticket_start, t, clerk)
    f.act(ticket_finish, t, clerk)
    point_update(point=p, business_types=[a], actor=manager, **fields)
    p.refresh_from_db()
    assert (p.address, p.priority_every) == ("新地址", 3) and list(p.business_types.all()) == [a]
    assert list(Window.objects.get(pk=w.pk).business_types.all()) == [a]
    event = AuditEvent.objects.get(event_type="service_halls.point_update")
    assert event.old_values == {"address": "", "priority_every": 2, "business_types": ["biz-a", "biz-b"]}
    assert event.new_values["business_types"] == ["biz-a"]


def test_close_and_reopen_take_effect_at_the_kiosk_at_once(django_capture_on_commit_callbacks):
    p = f.point()
    manager = manager_of(p)
    biz = p.business_types.first()
    kiosk_issue(p, biz)
    with django_capture_on_commit_callbacks(execute=True):
        point_close(point=p, actor=manager)
    with pytest.raises(ValidationFailed):
        issue(p)
    with pytest.raises(Conflict):
        point_close(point=p, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        point_reopen(point=p, actor=manager)
    assert kiosk_issue(p, biz).number == "A002"
    assert list(AuditEvent.objects.filter(target_id=str(p.pk), event_type__startswith="service_halls.point_")
                .values_list("event_type", flat=True).order_by("id")) == [
        "service_halls.point_close", "service_halls.point_reopen"]
    assert CoverageRun.objects.filter(trigger=f"point {p.pk} reopened").exists()


def test_point_move_keeps_the_organisation_in_step():
    p = f.point()
    point_move(point=p, latitude=34.7, longitude=119.3, actor=manager_of(p))
    p.organisation.refresh_from_db()
    assert (p.organisation.latitude, p.organisation.longitude) == (34.7, 119.3)
    with pytest.raises(ValidationFailed):
        point_move(point=p, latitude=95, longitude=119.3)


# --- zones and windows ---------------------------------------------------------------------
def test_zones_are_named_once_per_point_and_removing_one_keeps_its_windows():
    p = f.point()
    manager = manager_of(p)
    zone = zone_create(point=p, kind="business", name="业务办理区", actor=manager)
    with pytest.raises(ValidationFailed) as e:
        zone_create(point=p, kind="waiting", name="业务办理区", actor=manager)
    assert "name" in e.value.fields
    with pytest.raises(ValidationFailed):
        zone_create(point=p, kind="sauna", name="桑拿", actor=manager)
    assert zone_create(point=f.point(), kind="business", name="业务办理区").pk  # another point may
    w = window_create(point=p, number=1, zone=zone, business_types=p.business_types.all(), actor=manager)
    zone_update(zone=zone, kind="nursing", name="母婴室", actor=manager)
    assert Zone.objects.get(pk=zone.pk).name == "母婴室"
    zone_delete(zone=zone, actor=manager)
    assert Window.objects.get(pk=w.pk).zone_id is None
    assert AuditEvent.objects.filter(event_type__startswith="service_halls.zone_").count() == 4


def test_window_input_is_checked_against_the_point():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a])
    manager = manager_of(p)
    foreign_zone = zone_create(point=f.point(), kind="business", name="别处")
    window_create(point=p, number=1, business_types=[a], actor=manager)
    with pytest.raises(ValidationFailed) as e:
        window_create(point=p, number=1, zone=foreign_zone, business_types=[b], actor=manager)
    assert set(e.value.fields) == {"number", "zone", "business_types"}
    with pytest.raises(ValidationFailed) as e:
        window_create(point=p, number=2, business_types=[], actor=manager)
    assert set(e.value.fields) == {"business_types"}
    assert Window.objects.filter(point=p).count() == 1


def test_a_window_calls_by_its_new_businesses_once_changed():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    manager, clerk = manager_of(p), f.clerk(point=p)
    w = window_create(point=p, number=5, business_types=[a], actor=manager)
    window_sign_on(window=w, clerk=clerk)
    issue(p, b)
    assert window_call_next(window_id=Window.objects.get(pk=w.pk).pk, clerk=clerk) is None
    window_update(window=Window.objects.get(pk=w.pk), number=6, business_types=[b], actor=manager)
    w = Window.objects.get(pk=w.pk)
    assert w.number == 6 and w.clerk_id == clerk.pk  # the clerk stays on duty
    assert window_call_next(window_id=w.pk, clerk=clerk).number == "B001"
    event = AuditEvent.objects.get(event_type="service_halls.window_update")
    assert event.old_values == {"number": 5, "business_types": ["biz-a"]}


def test_the_hall_manager_signs_a_clerk_off_but_a_manager_elsewhere_cannot():
    p = f.point()
    clerk, manager, stranger = f.clerk(point=p), manager_of(p), manager_of(f.point())
    w = f.window(point=p, clerk=clerk)
    with pytest.raises(NotAllowed):
        window_sign_off(window=w, clerk=stranger)
    assert Window.objects.get(pk=w.pk).clerk_id == clerk.pk
    window_sign_off(window=w, clerk=manager)
    w.refresh_from_db()
    assert w.clerk_id is None and not w.is_open
    event = AuditEvent.objects.get(event_type="service_halls.window_sign_off")
    assert (event.actor_id, event.old_values, event.new_values["reason"]) == (manager.pk, {"clerk": clerk.pk}, "hall_manager")
    with pytest.raises(Conflict):
        window_sign_off(window=w, clerk=manager)


# --- business types ------------------------------------------------------------------------
def test_prefix_letters_stay_unique():
    f.business("A", name="参保登记")
    with pytest.raises(ValidationFailed) as e:
        business_type_create(code="new-biz", name="新业务", prefix="a", typical_minutes=10)
    assert "prefix" in e.value.fields and "参保登记" in e.value.message
    for bad in ("", "AB", "1", "甲"):
        with pytest.raises(ValidationFailed):
            business_type_create(code="new-biz", name="新业务", prefix=bad, typical_minutes=10)
    with pytest.raises(ValidationFailed) as e:
        business_type_create(code="Bad Code", name="", prefix="Q", typical_minutes=0, order=-1)
    assert set(e.value.fields) == {"code", "name", "typical_minutes", "order"}
    assert BusinessType.objects.count() == 1
    biz = business_type_create(code="new-biz", name="新业务", prefix="q", typical_minutes=12)
    assert biz.prefix == "Q"
    assert AuditEvent.objects.filter(event_type="service_halls.business_type_create").count() == 1


def test_a_new_letter_does_not_renumber_todays_tickets(django_capture_on_commit_callbacks):
    a = f.business("A")
    p = f.point(businesses=[a])
    first, second = kiosk_issue(p, a), kiosk_issue(p, a)
    with django_capture_on_commit_callbacks(execute=True):
        business_type_update(business_type=a, name=a.name, prefix="G", typical_minutes=10, order=1,
                                is_active=True)
    assert [t.number for t in Ticket.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk")] == ["A001", "A002"]
    assert kiosk_issue(p, a).number == "G001"  # the new letter counts at once
    with django_capture_on_commit_callbacks(execute=True):
        business_type_update(business_type=a, name=a.name, prefix="A", typical_minutes=10, order=1,
                                is_active=True)
    assert kiosk_issue(p, a).number == "A003"  # the letter's count for the day goes on: no number twice
    event = AuditEvent.objects.filter(event_type="service_halls.business_type_update").order_by("id").first()
    assert (event.old_values, event.new_values) == ({"prefix": "A", "order": 100}, {"prefix": "G", "order": 1})


def test_a_business_taken_out_of_service_issues_no_numbers(django_capture_on_commit_callbacks):
    a = f.business("A")
    p = f.point(businesses=[a])
    kiosk_issue(p, a)
    with django_capture_on_commit_callbacks(execute=True):
        business_type_update(business_type=a, name=a.name, prefix="A", typical_minutes=10, order=100,
                                is_active=False)
    assert not hall_find(point_id=p.pk).handles(a.pk)
    with pytest.raises(ValidationFailed):
        issue(p, BusinessType.objects.get(pk=a.pk))


# --- opening hours and closures ----------------------------------------------------------------
def test_hours_are_replaced_whole_and_bad_periods_change_nothing(django_capture_on_commit_callbacks):
    p = f.point()
    manager = manager_of(p)
    OpeningHours.objects.create(point=p, weekday=0, opens=time(8, 0), closes=time(18, 0))
    issue(p)  # open on Monday at 10
    with pytest.raises(ValidationFailed) as e:
        hours_set(point=p, periods=[(0, time(8, 30), time(12, 0)), (0, time(11, 0), time(17, 0)),
                                       (1, time(12, 0), time(9, 0))], actor=manager)
    assert set(e.value.fields) == {"hours_0", "hours_1"}
    assert OpeningHours.objects.filter(point=p).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        hours_set(point=p, periods=[(d, time(13, 30), time(17, 30)) for d in range(5)], actor=manager)
    assert OpeningHours.objects.filter(point=p).count() == 5
    with pytest.raises(ValidationFailed):  # closed this morning now, at once
        issue(p)
    event = AuditEvent.objects.get(event_type="service_halls.hours_set")
    assert event.old_values == {"hours": ["0 08:00-18:00"]} and len(event.new_values["hours"]) == 5


def test_closed_days_are_added_for_a_range_and_removed_again(django_capture_on_commit_callbacks):
    p = f.point()
    manager = manager_of(p)
    issue(p)
    with pytest.raises(ValidationFailed):
        closures_add(point=p, date_from=TODAY - timedelta(days=1), actor=manager)
    with pytest.raises(ValidationFailed):
        closures_add(point=p, date_from=TODAY, date_to=TODAY + timedelta(days=90), actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        added = closures_add(point=p, date_from=TODAY, date_to=TODAY + timedelta(days=2), reason="系统升级",
                                actor=manager)
    assert len(added) == 3 and Closure.objects.filter(point=p).count() == 3
    with pytest.raises(ValidationFailed):  # closed today, the kiosk knows at once
        issue(p)
    with pytest.raises(ValidationFailed):
        closures_add(point=p, date_from=TODAY, date_to=TODAY + timedelta(days=1), actor=manager)
    assert len(closures_add(point=p, date_from=TODAY, date_to=TODAY + timedelta(days=3), actor=manager)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        closure_remove(closure=Closure.objects.get(point=p, date=TODAY), actor=manager)
    assert issue(p).number == "A002"
    assert AuditEvent.objects.filter(event_type="service_halls.closure_remove", actor=manager).exists()


# --- appointment slots -------------------------------------------------------------------------
def test_slots_are_added_only_where_and_when_the_point_is_open():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a])
    manager = manager_of(p)
    for d in range(5):  # weekdays 08:30-12:00 and 13:30-17:30; closed at weekends
        OpeningHours.objects.create(point=p, weekday=d, opens=time(8, 30), closes=time(12, 0))
        OpeningHours.objects.create(point=p, weekday=d, opens=time(13, 30), closes=time(17, 30))
    Closure.objects.create(point=p, date=date(2026, 3, 4))  # Wednesday
    n = slots_create_range(point=p, business_type=a, date_from=date(2026, 3, 3), date_to=date(2026, 3, 8),
                              start=time(11, 0), end=time(14, 30), minutes=30, capacity=3, actor=manager)
    # Tue, Thu, Fri: 11:00 and 11:30 fit the morning, 13:30 and 14:00 the afternoon; 12:00–13:30 do not
    assert n == 12
    starts = {s.starts_at.astimezone(SH).strftime("%d %H:%M") for s in AppointmentSlot.objects.filter(point=p)}
    assert "03 11:00" in starts and "03 14:00" in starts and "03 12:00" not in starts
    assert not any(s.startswith(("04", "07", "08")) for s in starts)
    assert slots_create_range(point=p, business_type=a, date_from=date(2026, 3, 3), date_to=date(2026, 3, 3),
                                 start=time(9, 0), end=time(12, 0), minutes=30, capacity=3) == 4  # 11:00, 11:30 kept
    with pytest.raises(ValidationFailed):  # all exist already
        slots_create_range(point=p, business_type=a, date_from=date(2026, 3, 3), date_to=date(2026, 3, 3),
                              start=time(9, 0), end=time(12, 0))
    with pytest.raises(ValidationFailed) as e:
        slots_create_range(point=p, business_type=b, date_from=date(2026, 3, 1), date_to=date(2026, 2, 1),
                              start=time(12, 0), end=time(9, 0), minutes=2, capacity=0)
    assert set(e.value.fields) == {"business_type", "date_from", "date_to", "minutes", "capacity"}
    assert AppointmentSlot.objects.filter(point=p).count() == 16
    assert AuditEvent.objects.filter(event_type="service_halls.slots_create").count() == 2


def test_a_booked_slot_cannot_be_removed():
    p = f.point()
    manager = manager_of(p)
    slots_create_range(point=p, business_type=p.business_types.first(), date_from=TODAY + timedelta(days=1),
                          date_to=TODAY + timedelta(days=1), start=time(9, 0), end=time(10, 0), actor=manager)
    booked, free = AppointmentSlot.objects.order_by("starts_at")
    appointment_book(slot=booked, user=f.citizen())
    with pytest.raises(Conflict):
        slot_delete(slot=booked, actor=manager)
    slot_delete(slot=free, actor=manager)
    assert list(AppointmentSlot.objects.all()) == [booked]


def test_the_days_appointments_show_who_booked_and_the_number_taken():
    p = f.point()
    slots_create_range(point=p, business_type=p.business_types.first(), date_from=TODAY, date_to=TODAY,
                          start=time(10, 30), end=time(11, 30))
    slot = AppointmentSlot.objects.order_by("starts_at").first()
    one, two = f.citizen(), f.citizen()
    booked = appointment_book(slot=slot, user=one, person=one.person)
    appointment_book(slot=slot, user=two, person=two.person)
    ticket = ticket_issue(point=p, business_type=slot.business_type, channel="appointment",
                                   appointment=booked)
    rows = list(appointments_for_day(point=p, day=TODAY))
    assert [(r.user_id, r.state) for r in rows] == [(one.pk, "checked_in"), (two.pk, "booked")]
    assert rows[0].ticket.number == ticket.number
    assert booked_on(point=p, days=[TODAY]) == 1
    assert ticket.state == TicketState.WAITING


def test_todays_slots_start_after_now():
    p = f.point()
    n = slots_create_range(point=p, business_type=p.business_types.first(), date_from=TODAY, date_to=TODAY,
                              start=time(9, 0), end=time(11, 0))
    # 09:00, 09:30 and 10:00 have begun at 10:00; only 10:30 can still be booked
    assert n == 1
    assert [s.starts_at.astimezone(SH).strftime("%H:%M") for s in AppointmentSlot.objects.all()] == ["10:30"]


def test_dropping_a_business_removes_its_coming_slots_or_closes_those_with_cancelled_bookings():
    a, b = f.business("A"), f.business("B")
    p = f.point(businesses=[a, b])
    tomorrow = TODAY + timedelta(days=1)
    slots_create_range(point=p, business_type=b, date_from=tomorrow, date_to=tomorrow,
                          start=time(9, 0), end=time(10, 0))
    kept_on_record, empty = AppointmentSlot.objects.order_by("starts_at")
    citizen = f.citizen()
    appointment_cancel(appointment=appointment_book(slot=kept_on_record, user=citizen),
                                user=citizen)
    point_update(point=p, name=p.name, level=p.level, region=p.region, address="", priority_every=2,
                    business_types=[a], actor=manager_of(p))
    assert not AppointmentSlot.objects.filter(pk=empty.pk).exists()
    assert AppointmentSlot.objects.get(pk=kept_on_record.pk).capacity == 0  # nobody can book it any more
    with pytest.raises(Conflict):
        appointment_book(slot=AppointmentSlot.objects.get(pk=kept_on_record.pk), user=f.citizen())


def test_a_point_can_be_created_for_an_existing_organisation_as_commands_and_the_bench_do():
    place = f.town()
    org = Organisation.objects.create(name="已有机构服务站", kind="service_point", region=place)
    point = point_create(organisation=org, name=org.name, level="town_station", region=place,
                                  latitude=34.6, longitude=119.2, business_types=[f.business("A")])
    assert point.organisation_id == org.pk and Organisation.objects.filter(name=org.name).count() == 1
