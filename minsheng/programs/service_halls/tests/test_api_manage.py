"""/api/v1/service_halls/manage/ — the hall manager's API: the same rules as the
pages, the platform's error shape, and scope (another hall's manager: 404)."""

from datetime import datetime
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
    Ticket,
    Window,
    Zone,
)
from ..services.appointments import appointment_book
from ..services.calling import window_call_next
from ..services.tickets import ticket_issue
from ..services.windows import window_sign_on
from . import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/service_halls/manage"
SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


@pytest.fixture
def hall():
    p = f.point(name="朐阳医保服务站")
    return p, f.clerk(point=p, role="hall_manager")


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def put(client, url, data):
    return client.put(url, data, content_type="application/json")


def test_points_are_added_edited_moved_closed_and_reopened(client, hall):
    p, manager = hall
    f.region("320706001201", "community", parent=p.region, name="新村")
    client.force_login(manager)
    r = post(client, f"{API}/points", {"name": "新村医保服务点", "level": "village_point", "region": "320706001201",
                                       "business_types": ["biz-a"], "latitude": 34.62, "longitude": 119.2})
    assert r.status_code == 201, r.json()
    new = ServicePoint.objects.get(pk=r.json()["id"])
    assert new.organisation.parent_id == p.organisation_id and r.json()["business_types"] == ["biz-a"]
    assert {x["id"] for x in client.get(f"{API}/points").json()} == {p.pk, new.pk}
    r = put(client, f"{API}/points/{new.pk}", {"name": "新村服务点", "level": "village_point",
                                               "region": "320706001201", "address": "村委会", "priority_every": 0,
                                               "business_types": ["biz-a"]})
    assert r.status_code == 200 and r.json()["priority_every"] == 0 and r.json()["address"] == "村委会"
    r = post(client, f"{API}/points/{new.pk}/move", {"latitude": 34.63, "longitude": 119.21})
    assert r.json()["latitude"] == 34.63
    assert post(client, f"{API}/points/{new.pk}/close").json()["is_active"] is False
    again = post(client, f"{API}/points/{new.pk}/close")
    assert again.status_code == 409 and again.json()["code"] == "state_changed"
    assert post(client, f"{API}/points/{new.pk}/reopen").json()["is_active"] is True
    assert AuditEvent.objects.filter(actor=manager, target_id=str(new.pk)).count() == 5


def test_bad_input_gets_the_error_shape_and_nothing_is_saved(client, hall):
    p, manager = hall
    client.force_login(manager)
    before = ServicePoint.objects.count()
    r = post(client, f"{API}/points", {"name": "", "level": "palace", "region": p.region_id,
                                       "latitude": 91, "longitude": 119.2, "business_types": ["nope"]})
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert "business_types" in r.json()["fields"]
    r = post(client, f"{API}/points", {"name": "", "level": "palace", "region": p.region_id,
                                       "latitude": 91, "longitude": 119.2})
    assert set(r.json()["fields"]) == {"name", "level", "latitude"}
    assert r.json()["message"] == "部分信息有误，请修改标出的字段。"
    r = post(client, f"{API}/points", {"name": "外区服务站", "level": "town_station", "region": "320707",
                                       "latitude": 34.8, "longitude": 119.1})
    assert r.status_code == 422 and "region" in r.json()["fields"]  # no such region loaded
    assert ServicePoint.objects.count() == before


def test_zones_windows_and_who_is_on_duty(client, hall):
    p, manager = hall
    clerk = f.clerk(point=p)
    client.force_login(manager)
    zone = post(client, f"{API}/points/{p.pk}/zones", {"kind": "business", "name": "业务办理区"}).json()
    assert post(client, f"{API}/points/{p.pk}/zones", {"kind": "business", "name": "业务办理区"}).status_code == 422
    r = post(client, f"{API}/points/{p.pk}/windows", {"number": 2, "zone": zone["id"], "business_types": ["biz-a"]})
    assert r.status_code == 201 and r.json()["clerk"] is None
    w = Window.objects.get(pk=r.json()["id"])
    refused = post(client, f"{API}/points/{p.pk}/windows", {"number": 2, "business_types": ["biz-a"]})
    assert refused.status_code == 422 and "number" in refused.json()["fields"]
    window_sign_on(window=w, clerk=clerk)
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    window_call_next(window_id=Window.objects.get(pk=w.pk).pk, clerk=clerk)
    [row] = client.get(f"{API}/points/{p.pk}/windows").json()
    assert row["clerk"]["id"] == clerk.pk and row["current"] == "A001" and row["zone"] == zone["id"]
    r = put(client, f"{API}/windows/{w.pk}", {"number": 4, "zone": None, "business_types": ["biz-a"]})
    assert r.json()["number"] == 4 and r.json()["zone"] is None
    r = post(client, f"{API}/windows/{w.pk}/sign-off")
    assert r.status_code == 200 and r.json()["clerk"] is None and r.json()["current"] == "A001"
    assert post(client, f"{API}/windows/{w.pk}/sign-off").status_code == 409
    put(client, f"{API}/zones/{zone['id']}", {"kind": "waiting", "name": "等候区"})
    assert Zone.objects.get(pk=zone["id"]).name == "等候区"
    assert client.delete(f"{API}/zones/{zone['id']}").status_code == 204
    assert not Zone.objects.exists()


def test_hours_closures_slots_and_appointments(client, hall):
    p, manager = hall
    client.force_login(manager)
    week = [{"weekday": d, "opens": "08:30", "closes": "12:00"} for d in range(5)]
    r = put(client, f"{API}/points/{p.pk}/hours", {"periods": week})
    assert r.status_code == 200 and len(r.json()) == 5
    bad = put(client, f"{API}/points/{p.pk}/hours", {"periods": [{"weekday": 0, "opens": "12:00", "closes": "08:00"}]})
    assert bad.status_code == 422 and "hours_0" in bad.json()["fields"]
    assert OpeningHours.objects.filter(point=p).count() == 5
    r = post(client, f"{API}/points/{p.pk}/closures", {"date_from": "2026-03-04", "reason": "培训"})
    assert r.status_code == 201 and r.json()[0]["date"] == "2026-03-04" and r.json()[0]["id"]
    r = post(client, f"{API}/points/{p.pk}/slots", {"business_type": "biz-a", "date_from": "2026-03-03",
                                                    "date_to": "2026-03-07", "start": "09:00", "end": "10:00"})
    assert r.status_code == 201 and r.json() == {"created": 6}  # Tue, Thu, Fri; Wed closed; Sat no hours
    none = post(client, f"{API}/points/{p.pk}/slots", {"business_type": "biz-a", "date_from": "2026-03-07",
                                                       "date_to": "2026-03-08", "start": "09:00", "end": "10:00"})
    assert none.status_code == 422 and "没有新增预约时段" in none.json()["message"]
    slots = client.get(f"{API}/points/{p.pk}/slots", {"day": "2026-03-03"}).json()
    local = [datetime.fromisoformat(s["starts_at"]).astimezone(SH).strftime("%H:%M") for s in slots]
    assert local == ["09:00", "09:30"]
    citizen = f.citizen()
    appointment_book(slot=AppointmentSlot.objects.get(pk=slots[0]["id"]), user=citizen,
                              person=citizen.person)
    [a] = client.get(f"{API}/points/{p.pk}/appointments", {"day": "2026-03-03"}).json()
    assert (a["name"], a["state"], a["ticket_number"]) == (citizen.person.name, "booked", None)
    assert client.delete(f"{API}/slots/{slots[0]['id']}").status_code == 409
    assert client.delete(f"{API}/slots/{slots[1]['id']}").status_code == 204
    closure = Closure.objects.get(point=p)
    assert client.delete(f"{API}/closures/{closure.pk}").status_code == 204


def test_business_types_keep_their_letters_unique_and_todays_numbers(client, hall):
    p, manager = hall
    a = p.business_types.first()
    ticket_issue(point=p, business_type=a, channel="kiosk")
    client.force_login(f.clerk(point=p, role="supervisor"))
    r = post(client, f"{API}/business-types", {"code": "medical-card", "name": "社保卡", "prefix": "A"})
    assert r.status_code == 422 and "prefix" in r.json()["fields"]
    r = post(client, f"{API}/business-types", {"code": "medical-card", "name": "社保卡", "prefix": "k"})
    assert r.status_code == 201 and r.json()["prefix"] == "K"
    client.force_login(manager)
    r = put(client, f"{API}/business-types/{a.pk}", {"name": a.name, "prefix": "Z", "typical_minutes": 9})
    assert r.status_code == 200 and r.json()["code"] == "biz-a"
    assert Ticket.objects.get().number == "A001"
    assert ticket_issue(point=p, business_type=BusinessType.objects.get(pk=a.pk),
                                 channel="kiosk").number == "Z001"
    assert [b["prefix"] for b in client.get(f"{API}/business-types").json()] == ["K", "Z"]


def test_scope_another_halls_manager_gets_404_others_403(client, hall):
    p, _manager = hall
    w = f.window(point=p, clerk=f.clerk(point=p))
    zone = Zone.objects.create(point=p, kind="waiting", name="等候区")
    closure = Closure.objects.create(point=p, date=MONDAY_10.date())
    slot = AppointmentSlot.objects.create(point=p, business_type=p.business_types.first(), starts_at=MONDAY_10,
                                          ends_at=MONDAY_10, capacity=1)
    client.force_login(f.clerk(point=f.point(), role="hall_manager"))
    assert p.pk not in [x["id"] for x in client.get(f"{API}/points").json()]
    for method, url in (("get", f"/points/{p.pk}"), ("post", f"/points/{p.pk}/close"),
                        ("get", f"/points/{p.pk}/windows"), ("post", f"/windows/{w.pk}/sign-off"),
                        ("delete", f"/zones/{zone.pk}"), ("delete", f"/closures/{closure.pk}"),
                        ("delete", f"/slots/{slot.pk}"), ("get", f"/points/{p.pk}/appointments")):
        r = getattr(client, method)(API + url)
        assert r.status_code == 404 and r.json()["code"] == "not_found", url
    assert ServicePoint.objects.get(pk=p.pk).is_active and Window.objects.get(pk=w.pk).clerk_id
    assert Zone.objects.filter(pk=zone.pk).exists() and Closure.objects.filter(pk=closure.pk).exists()
    assert AppointmentSlot.objects.filter(pk=slot.pk).exists()
    client.force_login(f.clerk(point=p))  # a window clerk of this hall
    r = client.get(f"{API}/points/{p.pk}")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert client.get(f"{API}/business-types").status_code == 403
    client.logout()
    assert client.get(f"{API}/points").status_code == 401


def test_the_managers_point_list_reads_the_same_statements_for_any_number_of_points(client, hall):
    """No statement per point: the businesses of every point come in one read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.access.models import Organisation

    p, manager = hall
    client.force_login(manager)

    def add_points(n):
        for _ in range(n):
            org = Organisation.objects.create(name=f"分站{Organisation.objects.count()}", kind="service_point",
                                              region=p.region, parent=p.organisation)
            extra = ServicePoint.objects.create(organisation=org, name=org.name, level="village_point",
                                                region=p.region, latitude=34.6, longitude=119.2)
            extra.business_types.set(p.business_types.all())

    def listed():
        with CaptureQueriesContext(connection) as q:
            r = client.get("/api/v1/service_halls/manage/points")
        assert r.status_code == 200
        # the program's own reads (the user's cached roles are refreshed when organisations change)
        return len(r.json()), len([x for x in q.captured_queries if "service_halls" in x["sql"]])

    add_points(1)
    few, few_queries = listed()
    add_points(4)
    many, many_queries = listed()
    assert (few, many) == (2, 6) and many_queries == few_queries
