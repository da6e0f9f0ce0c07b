"""A walk-in's kiosk ticket with a phone number (kept encrypted) is found again in 我的 by whoever
signs in with that phone, who may then rate it; nobody else sees it. The hall's part of 我的 reads
in a fixed number of queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User

from ..mine import mine
from ..models import Appointment, AppointmentSlot, Ticket
from ..services.calling import ticket_finish, ticket_start, window_call_next
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def _phone_user(phone: str = PHONE) -> User:
    return User.objects.create_user(None, "pw-12345678", name="走入市民", phone=phone, phone_hash=keyed_hash(phone))


def test_kiosk_keeps_an_optional_phone_encrypted_with_its_lookup_hash(client):
    p = f.point()
    biz = p.business_types.first()
    assert 'data-test="kiosk-phone"' in client.get(f"/p/service_halls/kiosk/{p.pk}/").content.decode()
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk, "phone": "139 1234 5678"})
    ticket = Ticket.objects.get()
    assert ticket.phone == PHONE and ticket.phone_hash == keyed_hash(PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM service_halls_ticket WHERE id = %s", [ticket.pk])
        stored = cursor.fetchone()[0]
    assert PHONE not in stored and stored.startswith("v1:")


def test_kiosk_without_a_phone_still_issues_and_a_wrong_phone_is_refused(client):
    p = f.point()
    biz = p.business_types.first()
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk, "phone": ""})
    assert Ticket.objects.get().phone_hash == ""
    refused = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk, "phone": "12345"})
    assert refused.status_code == 422 and Ticket.objects.count() == 1
    assert "11-digit" in refused.content.decode() or "11 位" in refused.content.decode()


def test_kiosk_ticket_is_found_again_in_mine_and_rated_by_the_phones_owner(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": p.business_types.first().pk, "phone": PHONE})
    ticket = Ticket.objects.get()
    owner, stranger = _phone_user(), _phone_user("13700000000")

    client.force_login(stranger)
    assert ticket.number not in client.get("/mine/").content.decode()

    client.force_login(owner)
    html = client.get("/mine/").content.decode()
    assert f"/p/service_halls/t/{ticket.token}/" in html and "A001" in html

    window_call_next(window_id=w.pk, clerk=c)
    f.act(ticket_start, ticket, c)
    f.act(ticket_finish, ticket, c)
    items = [i for i in mine(owner) if i.url.endswith(f"/t/{ticket.token}/")]
    assert items and items[0].action  # its next step: rate it
    client.post(f"/p/service_halls/t/{ticket.token}/rate/", {"level": 5})
    from minsheng.ratings.models import Rating

    assert Rating.objects.get().rater_id == owner.pk
    assert not [i for i in mine(owner) if i.url.endswith(f"/t/{ticket.token}/")][0].action

    client.force_login(stranger)
    client.post(f"/p/service_halls/t/{ticket.token}/rate/", {"level": 1})
    assert Rating.objects.count() == 1


def test_the_halls_part_of_mine_reads_in_a_fixed_number_of_queries():
    p = f.point()
    biz = p.business_types.first()
    user = _phone_user()
    ticket_issue(point=p, business_type=biz, channel="kiosk", phone=PHONE)
    mine(user)  # content types cached
    with CaptureQueriesContext(connection) as few:
        assert len(mine(user)) == 1
    start = MONDAY_10 + timedelta(days=1)
    for i in range(5):
        ticket_issue(point=p, business_type=biz, channel="phone", user=user)
        slot = AppointmentSlot.objects.create(point=p, business_type=biz, starts_at=start + timedelta(hours=i),
                                              ends_at=start + timedelta(hours=i, minutes=30))
        Appointment.objects.create(slot=slot, user=user)
    with CaptureQueriesContext(connection) as many:
        items = mine(user)
    assert len(items) == 11
    assert len(many) == len(few) <= 3
