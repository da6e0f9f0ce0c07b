"""The hall manager's workbench pages, over HTTP: each change lands in the
database, bad input comes back in Chinese with nothing saved, and another hall's
manager gets 404 (a clerk or citizen 403)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.audit.models import AuditEvent

from ..models import (
    AppointmentSlot,
    BusinessType,
    Closure,
    OpeningHours,
    ServicePoint,
    Window,
    Zone,
)
from ..services.appointments import appointment_book
from ..services.calling import window_call_next
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = pytest.mark.django_db
M = "/p/service_halls/manage"
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


@pytest.fixture
def hall():
    p = f.point(name="朐阳医保服务站")
    return p, f.clerk(point=p, role="hall_manager")


def page(response) -> str:
    return response.content.decode()


def test_the_workbench_lists_the_managers_points_and_offers_the_entry(client, hall):
    p, manager = hall
    f.point(name="别人的服务站")
    client.force_login(manager)
    home = page(client.get(f"{M}/"))
    assert "朐阳医保服务站" in home and "别人的服务站" not in home
    assert "/p/service_halls/manage/" in page(client.get("/workbench/"))


def test_manager_adds_a_point_through_the_page(client, hall):
    p, manager = hall
    f.region("320706001201", "community", parent=p.region, name="新村")
    biz = p.business_types.first()
    client.force_login(manager)
    assert client.get(f"{M}/points/new/").status_code == 200
    r = client.post(f"{M}/points/new/", {
        "name": "新村医保服务点", "level": "village_point", "region": "320706001201", "address": "村委会",
        "priority_every": 2, "business_types": [biz.pk], "latitude": 34.62, "longitude": 119.2,
        "parent": p.organisation_id,
    })
    new = ServicePoint.objects.get(name="新村医保服务点")
    assert r.status_code == 302 and r["Location"] == f"{M}/points/{new.pk}/"
    assert new.organisation.parent_id == p.organisation_id and new.region_id == "320706001201"
    assert client.get(r["Location"]).status_code == 200


def test_bad_point_input_is_answered_in_chinese_and_nothing_is_saved(client, hall):
    p, manager = hall
    client.force_login(manager)
    before = ServicePoint.objects.count()
    r = client.post(f"{M}/points/new/", {
        "name": "朐阳医保服务站", "level": "town_station", "region": "999999", "priority_every": 2,
        "latitude": 34.6, "longitude": 119.2,
    })
    assert r.status_code == 422 and "没有区划代码为 999999 的地区" in page(r)
    r = client.post(f"{M}/points/new/", {
        "name": "朐阳医保服务站", "level": "town_station", "region": p.region_id, "priority_every": 2,
        "latitude": 34.6, "longitude": 219.2,
    })
    assert r.status_code == 422
    assert "已有名为“朐阳医保服务站”的服务站点" in page(r) and "经度" in page(r)
    assert ServicePoint.objects.count() == before


def test_manager_edits_moves_closes_and_reopens_the_point(client, hall):
    p, manager = hall
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/"
    r = client.post(url, {"form": "edit", "name": "朐阳街道医保服务站", "level": "town_station",
                          "region": p.region_id, "address": "海连中路1号", "priority_every": 1,
                          "business_types": [b.pk for b in p.business_types.all()]})
    assert r.status_code == 302
    r = client.post(url, {"form": "move", "latitude": 34.61, "longitude": 119.19})
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.name, p.address, p.priority_every, p.latitude) == ("朐阳街道医保服务站", "海连中路1号", 1, 34.61)
    client.post(url, {"form": "close"})
    assert not ServicePoint.objects.get(pk=p.pk).is_active
    again = client.post(url, {"form": "close"})
    assert again.status_code == 422 and "该服务站点已经停止服务" in page(again)
    assert 'data-test="point-reopen"' in page(client.get(url))  # a closed point is still managed
    client.post(url, {"form": "reopen"})
    assert ServicePoint.objects.get(pk=p.pk).is_active
    assert AuditEvent.objects.filter(actor=manager, event_type__startswith="service_halls.point_").count() == 4


def test_zones_are_added_renamed_and_removed(client, hall):
    p, manager = hall
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/zones/"
    assert client.post(url, {"form": "create", "kind": "guidance", "name": "导办区"}).status_code == 302
    zone = Zone.objects.get(point=p)
    dup = client.post(url, {"form": "create", "kind": "waiting", "name": "导办区"})
    assert dup.status_code == 422 and "已有名为“导办区”的区域" in page(dup)
    client.post(url, {"form": "update", "zone": zone.pk, "kind": "guidance", "name": "导办咨询区"})
    assert Zone.objects.get(pk=zone.pk).name == "导办咨询区"
    assert "导办咨询区" in page(client.get(url))
    client.post(url, {"form": "delete", "zone": zone.pk})
    assert not Zone.objects.filter(point=p).exists()


def test_windows_page_shows_who_is_on_duty_and_the_manager_signs_them_off(client, hall):
    p, manager = hall
    clerk = f.clerk(point=p)
    w = f.window(point=p, number=3, clerk=clerk)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    window_call_next(window_id=w.pk, clerk=clerk)
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/windows/"
    body = page(client.get(url))
    assert clerk.name in body and t.number in body and 'data-test="sign-off-3"' in body
    r = client.post(f"{M}/windows/{w.pk}/sign-off/")
    assert r.status_code == 302 and Window.objects.get(pk=w.pk).clerk_id is None
    assert "无人在岗" in page(client.get(url))


def test_windows_are_added_and_edited_with_their_businesses(client, hall):
    p, manager = hall
    a, b = p.business_types.first(), f.business("B")
    p.business_types.add(b)
    zone = Zone.objects.create(point=p, kind="business", name="业务区")
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/windows/"
    r = client.post(url, {"number": 7, "zone": zone.pk, "business_types": [a.pk]})
    assert r.status_code == 302
    w = Window.objects.get(point=p, number=7)
    assert w.zone_id == zone.pk and list(w.business_types.all()) == [a]
    dup = client.post(url, {"number": 7, "business_types": [a.pk]})
    assert dup.status_code == 422 and "已有 7 号窗口" in page(dup)
    none = client.post(url, {"number": 8})
    assert none.status_code == 422 and "至少选择一项" in page(none)
    r = client.post(f"{M}/windows/{w.pk}/", {"number": 9, "zone": "", "business_types": [a.pk, b.pk]})
    assert r.status_code == 302
    w.refresh_from_db()
    assert (w.number, w.zone_id, set(w.business_types.all())) == (9, None, {a, b})
    assert Window.objects.filter(point=p).count() == 1


def test_opening_hours_and_closed_days_through_the_page(client, hall):
    p, manager = hall
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/hours/"
    bad = client.post(url, {"form": "hours", "hours_0": "8点到12点"})
    assert bad.status_code == 422 and "08:30-12:00" in page(bad) and not OpeningHours.objects.exists()
    overlap = client.post(url, {"form": "hours", "hours_0": "08:30-12:00, 11:00-17:30"})
    assert overlap.status_code == 422 and "不能重叠" in page(overlap)
    r = client.post(url, {"form": "hours", "hours_0": "08:30-12:00, 13:30-17:30", "hours_5": "09:00-12:00"})
    assert r.status_code == 302
    assert sorted((h.weekday, h.opens) for h in OpeningHours.objects.filter(point=p)) == [
        (0, time(8, 30)), (0, time(13, 30)), (5, time(9, 0))]
    assert "08:30-12:00, 13:30-17:30" in page(client.get(url))
    r = client.post(url, {"form": "closure", "date_from": "2026-04-04", "date_to": "2026-04-06", "reason": "清明节"})
    assert r.status_code == 302 and Closure.objects.filter(point=p).count() == 3
    past = client.post(url, {"form": "closure", "date_from": "2026-03-01"})
    assert past.status_code == 422 and "请选择今天或以后的日期" in page(past)
    closure = Closure.objects.get(point=p, date=date(2026, 4, 5))
    client.post(url, {"form": "reopen_day", "closure": closure.pk})
    assert Closure.objects.filter(point=p).count() == 2


def test_slots_for_a_range_and_the_days_appointments(client, hall):
    p, manager = hall
    biz = p.business_types.first()
    client.force_login(manager)
    url = f"{M}/points/{p.pk}/appointments/"
    r = client.post(url, {"form": "slots", "business_type": biz.pk, "date_from": "2026-03-03",
                          "date_to": "2026-03-04", "start": "09:00", "end": "10:00", "minutes": 30, "capacity": 2})
    assert r.status_code == 302 and AppointmentSlot.objects.filter(point=p).count() == 4
    slot = AppointmentSlot.objects.filter(point=p).order_by("starts_at").first()
    citizen = f.citizen()
    appointment_book(slot=slot, user=citizen, person=citizen.person)
    body = page(client.get(url, {"day": "2026-03-03"}))
    assert citizen.person.name in body and "已预约" in body and "1/2" in body
    bad = client.post(url, {"form": "slots", "business_type": biz.pk, "date_from": "2026-03-03",
                            "date_to": "2026-03-03", "start": "10:00", "end": "09:00", "minutes": 30, "capacity": 2})
    assert bad.status_code == 422 and AppointmentSlot.objects.filter(point=p).count() == 4
    refused = client.post(url, {"form": "slot_delete", "slot": slot.pk})
    assert refused.status_code == 422 and AppointmentSlot.objects.filter(pk=slot.pk).exists()


def test_business_types_for_managers_and_supervisors(client, hall):
    p, manager = hall
    supervisor = f.clerk(point=p, role="supervisor")
    client.force_login(supervisor)
    url = f"{M}/business-types/"
    r = client.post(url, {"code": "medical-card", "name": "社保卡业务", "prefix": "k", "typical_minutes": 8,
                          "order": 7, "is_active": "on"})
    assert r.status_code == 302
    biz = BusinessType.objects.get(code="medical-card")
    assert (biz.prefix, biz.typical_minutes, biz.is_active) == ("K", 8, True)
    taken = client.post(url, {"code": "other", "name": "其他", "prefix": "K", "typical_minutes": 8, "order": 1})
    assert taken.status_code == 422 and "字母 K 已被“社保卡业务”使用" in page(taken)
    client.force_login(manager)
    r = client.post(f"{url}{biz.pk}/", {"name": "社保卡", "prefix": "L", "typical_minutes": 9, "order": 7})
    assert r.status_code == 302
    biz.refresh_from_db()
    assert (biz.name, biz.prefix, biz.code, biz.is_active) == ("社保卡", "L", "medical-card", False)


def test_another_halls_manager_gets_404_and_others_403(client, hall):
    p, _manager = hall
    w = f.window(point=p, clerk=f.clerk(point=p))
    zone = Zone.objects.create(point=p, kind="waiting", name="等候区")
    closure = Closure.objects.create(point=p, date=date(2026, 3, 9))
    slot = AppointmentSlot.objects.create(point=p, business_type=p.business_types.first(),
                                          starts_at=MONDAY_10, ends_at=MONDAY_10, capacity=1)
    other = f.clerk(point=f.point(), role="hall_manager")
    client.force_login(other)
    for url in (f"{M}/points/{p.pk}/", f"{M}/points/{p.pk}/zones/", f"{M}/points/{p.pk}/windows/",
                f"{M}/points/{p.pk}/hours/", f"{M}/points/{p.pk}/appointments/", f"{M}/windows/{w.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{M}/windows/{w.pk}/sign-off/").status_code == 404
    assert client.post(f"{M}/points/{p.pk}/", {"form": "close"}).status_code == 404
    assert ServicePoint.objects.get(pk=p.pk).is_active and Window.objects.get(pk=w.pk).clerk_id
    # records of another point, smuggled into the manager's own point's form, are refused too
    own = ServicePoint.objects.get(organisation__role_assignments__user=other)
    assert client.post(f"{M}/points/{own.pk}/zones/", {"form": "delete", "zone": zone.pk}).status_code == 404
    assert client.post(f"{M}/points/{own.pk}/hours/", {"form": "reopen_day", "closure": closure.pk}).status_code == 404
    assert client.post(f"{M}/points/{own.pk}/appointments/", {"form": "slot_delete", "slot": slot.pk}).status_code == 404
    assert Zone.objects.filter(pk=zone.pk).exists() and Closure.objects.filter(pk=closure.pk).exists()
    assert AppointmentSlot.objects.filter(pk=slot.pk).exists()
    client.force_login(f.clerk(point=p))  # a window clerk of this very hall
    assert client.get(f"{M}/points/{p.pk}/").status_code == 403
    assert client.get(f"{M}/business-types/").status_code == 403
    client.force_login(f.citizen())
    assert client.get(f"{M}/").status_code == 403


def test_closing_a_day_with_bookings_tells_the_manager_to_let_citizens_know(client, hall):
    p, manager = hall
    starts = datetime(2026, 3, 5, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    slot = AppointmentSlot.objects.create(point=p, business_type=p.business_types.first(), starts_at=starts,
                                          ends_at=starts.replace(minute=30), capacity=2)
    appointment_book(slot=slot, user=f.citizen())
    client.force_login(manager)
    r = client.post(f"{M}/points/{p.pk}/hours/", {"form": "closure", "date_from": "2026-03-05"}, follow=True)
    assert "站点将在 1 天闭厅。" in page(r) and "这些日期已有 1 个预约，请通知预约群众。" in page(r)
    assert Closure.objects.filter(point=p, date=date(2026, 3, 5)).exists()
