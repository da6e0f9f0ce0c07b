"""Booking a visit from the entitlement and dispatching it (views/orders_book.py, the API,
services/booking.py): what reaches the database, the refusals, who may not, the query budget."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.identity.models import Person, PersonRelation

from ..models import OrderStatus, ServiceEntitlement, WorkOrder
from ..services import orders
from . import factories as f

pytestmark = pytest.mark.django_db
NOW = "2026-03-10 11:00 +08:00"
P = "/p/elderly_care"


@pytest.fixture(autouse=True)
def _clock(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the messages are asserted in English
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


def _county():
    return f.regions()[1]


def _entitle(elder, amount="200", unit="yuan", month=date(2026, 3, 1)):
    return ServiceEntitlement.objects.create(elder=elder, month=month, unit=unit, amount=Decimal(amount))


def _son(elder):
    """The elder's registered family contact, with an account."""
    person = PersonRelation.objects.get(relative=elder.person).person
    user = f.user("张建国")
    Person.objects.filter(pk=person.pk).update(user=user)
    return user


@pytest.fixture
def world():
    provider = f.provider()
    elder = f.elder()
    _entitle(elder)
    return {"provider": provider, "elder": elder, "son": _son(elder), "cleaning": f.services()["cleaning"]}


def _book(client, world, *, day="2026-03-11", slot="09:00", service="cleaning"):
    key = f"{world['provider'].pk}-{f.services()[service].pk}"
    return client.post(f"{P}/book/{world['elder'].pk}/", {"offer": key, "day": day, "slot": slot})


def _error(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- booking ------------------------------------------------------------------------------


def test_the_family_books_a_visit_and_sees_the_entitlement_left(client, world):
    client.force_login(world["son"])
    page = client.get(f"{P}/book/{world['elder'].pk}/")
    assert page.status_code == 200
    assert "¥200.00" in page.content.decode()
    response = _book(client, world)
    assert response.status_code == 302
    order = WorkOrder.objects.get(elder=world["elder"])
    assert order.status == OrderStatus.PLANNED and order.on_request and order.caregiver is None
    assert order.provider_id == world["provider"].pk and order.service == world["cleaning"]
    assert f"{order.planned_start.astimezone().isoformat()}".startswith("2026-03-11T09:00")
    assert AuditEvent.objects.filter(event_type="elderly_care.visit_book", actor=world["son"]).exists()
    page = client.get(response["Location"])
    assert "¥165.00" in page.content.decode()  # ¥200 − one hour of cleaning at ¥35
    assert f'data-test="upcoming-{order.pk}"' in page.content.decode()


def test_the_elder_books_for_themself(client, world):
    elder_user = f.user("张桂英")
    Person.objects.filter(pk=world["elder"].person_id).update(user=elder_user)
    client.force_login(elder_user)
    assert _book(client, world).status_code == 302
    assert WorkOrder.objects.filter(elder=world["elder"]).count() == 1


@pytest.mark.parametrize(
    ("day", "slot", "words"),
    [
        ("2026-03-10", "09:00", "already passed"),
        ("2026-04-02", "09:00", "no home-care entitlement for 2026-04"),
    ],
)
def test_a_past_slot_or_a_month_without_entitlement_is_refused(client, world, day, slot, words):
    client.force_login(world["son"])
    response = _book(client, world, day=day, slot=slot)
    assert response.status_code == 200 and words in _error(response)
    assert not WorkOrder.objects.exists()


def test_a_taken_slot_is_refused(client, world):
    client.force_login(world["son"])
    _book(client, world, slot="09:00")
    response = _book(client, world, slot="09:00", service="companionship")
    assert response.status_code == 200 and "already has a visit at this time" in _error(response)
    assert WorkOrder.objects.count() == 1
    assert _book(client, world, slot="10:00", service="companionship").status_code == 302


def test_a_visit_beyond_the_money_left_is_refused(client, world):
    ServiceEntitlement.objects.filter(elder=world["elder"]).update(amount=Decimal("50"))
    client.force_login(world["son"])
    assert _book(client, world, slot="09:00").status_code == 302  # ¥35 of ¥50
    response = _book(client, world, slot="11:00")  # another ¥35: ¥15 left
    assert "more than is left" in _error(response)
    assert WorkOrder.objects.count() == 1


def test_an_hours_entitlement_counts_the_planned_time(client, world):
    ServiceEntitlement.objects.filter(elder=world["elder"]).update(unit="hours", amount=Decimal("1.5"))
    client.force_login(world["son"])
    page = client.get(f"{P}/book/{world['elder'].pk}/")
    assert "1 h 30 min" in page.content.decode()
    assert _book(client, world, slot="09:00").status_code == 302  # 60 of 90 minutes
    assert "more than is left" in _error(_book(client, world, slot="14:00"))
    assert WorkOrder.objects.count() == 1


def test_another_family_cannot_book_for_the_elder(client, world):
    stranger = f.user("王五")
    Person.objects.create(name="王五", user=stranger)
    client.force_login(stranger)
    assert client.get(f"{P}/book/{world['elder'].pk}/").status_code == 404
    assert _book(client, world).status_code == 404
    assert world["elder"].pk not in [
        e.pk for e in client.get(f"{P}/book/").context["elders"]
    ]
    assert not WorkOrder.objects.exists()


def test_a_community_worker_books_on_behalf_and_one_of_another_area_cannot(client, world):
    worker = f.grant(f.user("社区网格员"), "community_worker", f.civil_affairs(), _county())
    client.force_login(worker)
    assert world["elder"] in client.get(f"{P}/book/").context["elders"]
    assert _book(client, world).status_code == 302
    event = AuditEvent.objects.get(event_type="elderly_care.visit_book")
    assert event.new_values["on_behalf"] is True
    city = f.regions()[0]
    from minsheng.regions.models import Region

    other, _ = Region.objects.get_or_create(
        code="320703", defaults={"prefix": "320703", "name": "连云区", "level": "county", "parent": city}
    )
    org = Organisation.objects.create(name="连云区民政局", kind="department", region=other)
    far = f.grant(f.user("别区网格员"), "community_worker", org, other)
    client.force_login(far)
    assert client.get(f"{P}/book/{world['elder'].pk}/").status_code == 404


# --- dispatch -----------------------------------------------------------------------------


def _admin(provider, name="机构调度"):
    return f.grant(f.user(name), "provider_admin", provider, _county())


def _order(world, hour=9, day=11, service="cleaning", caregiver=None):
    return orders.order_create(
        elder=world["elder"], provider=world["provider"], service=f.services()[service],
        planned_start=f.at(2026, 3, day, hour), on_request=True, caregiver=caregiver,
    )


def test_the_dispatcher_gives_a_visit_to_a_caregiver_and_then_to_another(client, world):
    li, wang = f.caregiver(world["provider"], "李护理"), f.caregiver(world["provider"], "王护理")
    order = _order(world)
    client.force_login(_admin(world["provider"]))
    page = client.get(f"{P}/dispatch/")
    assert page.status_code == 200 and [r["order"].pk for r in page.context["unassigned"]] == [order.pk]
    assert client.post(f"{P}/dispatch/{order.pk}/", {"caregiver": li.pk}).status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED and order.caregiver == li
    assert client.post(f"{P}/dispatch/{order.pk}/", {"caregiver": wang.pk}).status_code == 302
    order.refresh_from_db()
    assert order.caregiver == wang
    assert AuditEvent.objects.filter(event_type="elderly_care.order_dispatch").count() == 2


def test_the_dispatch_page_shows_the_caregivers_other_visits_that_day(client, world):
    li = f.caregiver(world["provider"], "李护理")
    _order(world, hour=9, caregiver=li)
    other_elder = f.elder(name="王秀兰", family_phone="")
    order = orders.order_create(elder=other_elder, provider=world["provider"], service=world["cleaning"],
                                planned_start=f.at(2026, 3, 11, 9, 30), on_request=True)
    client.force_login(_admin(world["provider"]))
    row = next(r for r in client.get(f"{P}/dispatch/").context["unassigned"] if r["order"].pk == order.pk)
    (carer, visits, busy), = row["day_visits"]
    assert carer == li and busy and [v.elder.person.name for v in visits] == ["张桂英"]
    assert "busy at this time" in dict(row["form"].fields["caregiver"].choices)[li.pk]


def test_another_providers_dispatcher_neither_sees_nor_dispatches(client, world):
    li = f.caregiver(world["provider"])
    order = _order(world)
    rival = f.provider("别家养老")
    rival_carer = f.caregiver(rival, "赵护理")
    client.force_login(_admin(rival, "别家调度"))
    page = client.get(f"{P}/dispatch/")
    assert order.pk not in [r["order"].pk for r in page.context["unassigned"]]
    assert client.post(f"{P}/dispatch/{order.pk}/", {"caregiver": li.pk}).status_code == 404
    assert client.post(f"{P}/dispatch/{order.pk}/", {"caregiver": rival_carer.pk}).status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).caregiver is None


def test_a_caregiver_of_another_provider_is_refused(client, world):
    order = _order(world)
    rival_carer = f.caregiver(f.provider("别家养老"), "赵护理")
    client.force_login(_admin(world["provider"]))
    response = client.post(f"{P}/dispatch/{order.pk}/", {"caregiver": rival_carer.pk}, follow=True)
    assert "Choose an active caregiver" in _error(response)
    assert WorkOrder.objects.get(pk=order.pk).caregiver is None


def test_a_family_member_cannot_open_the_dispatch_page(client, world):
    client.force_login(world["son"])
    assert client.get(f"{P}/dispatch/").status_code == 403


def _dispatch_list_queries(client, user) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"{P}/dispatch/").status_code == 200
    return len(ctx.captured_queries)


def test_the_dispatch_list_costs_the_same_for_two_or_twenty_visits(client, world, django_assert_max_num_queries):
    for name in ("李护理", "王护理"):
        f.caregiver(world["provider"], name)
    admin = _admin(world["provider"])
    client.force_login(admin)
    _order(world, hour=8)
    _order(world, hour=12, day=12)
    client.get(f"{P}/dispatch/")  # warm the per-session caches
    small = _dispatch_list_queries(client, admin)
    carers = [f.caregiver(world["provider"], f"护理{i}") for i in range(4)]
    for i in range(18):
        elder = f.elder(name=f"老人{i}", family_phone="")
        orders.order_create(elder=elder, provider=world["provider"], service=world["cleaning"],
                            planned_start=f.at(2026, 3, 11 + i % 3, 8 + i % 9), on_request=True,
                            caregiver=carers[i % 4] if i % 2 else None)
    with django_assert_max_num_queries(small):
        assert client.get(f"{P}/dispatch/").status_code == 200


# --- API ----------------------------------------------------------------------------------


def test_book_and_dispatch_by_api(client, world):
    li = f.caregiver(world["provider"])
    client.force_login(world["son"])
    body = {"elder": world["elder"].pk, "provider": world["provider"].pk, "service": "cleaning",
            "day": "2026-03-11", "slot": "09:00"}
    booked = client.post("/api/v1/elderly_care/visits", body, content_type="application/json")
    assert booked.status_code == 201 and booked.json()["status"] == "planned"
    again = client.post("/api/v1/elderly_care/visits", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    order_id = booked.json()["id"]
    rival = _admin(f.provider("别家养老"), "别家调度")
    client.force_login(rival)
    url = f"/api/v1/elderly_care/orders/{order_id}/dispatch"
    assert client.post(url, {"caregiver": li.pk}, content_type="application/json").status_code == 404
    client.force_login(_admin(world["provider"]))
    done = client.post(url, {"caregiver": li.pk}, content_type="application/json")
    assert done.status_code == 200 and done.json()["caregiver"] == li.pk
    assert WorkOrder.objects.get(pk=order_id).status == OrderStatus.DISPATCHED


def test_another_family_cannot_book_by_api(client, world):
    stranger = f.user("王五")
    Person.objects.create(name="王五", user=stranger)
    client.force_login(stranger)
    body = {"elder": world["elder"].pk, "provider": world["provider"].pk, "service": "cleaning",
            "day": "2026-03-11", "slot": "09:00"}
    assert client.post("/api/v1/elderly_care/visits", body, content_type="application/json").status_code == 404
    assert not WorkOrder.objects.exists()
