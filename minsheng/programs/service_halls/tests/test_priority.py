"""A citizen records their own disability / illness / pregnancy priority (page and API); the
next number they take is a priority number; every change is audited."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from minsheng.audit.models import AuditEvent

from ..models import PriorityFlags
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = timezone.make_aware(timezone.datetime(2026, 3, 10, 9, 0))


def test_a_citizen_records_pregnancy_and_their_next_number_is_a_priority_one(client):
    user = f.citizen()
    client.force_login(user)
    with time_machine.travel(TODAY, tick=False):
        assert 'data-test="priority-form"' in client.get("/p/service_halls/priority/").content.decode()
        assert client.post("/p/service_halls/priority/", {"pregnant_until": "2026-08-01"}).status_code == 302
        p = f.point()
        ticket = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk", person=user.person)
    assert ticket.priority_reason == "pregnant" and ticket.is_priority
    assert PriorityFlags.objects.get(person=user.person).pregnant_until == date(2026, 8, 1)
    assert AuditEvent.objects.filter(event_type="service_halls.priority_flags", actor=user).count() == 1


def test_the_api_sets_and_clears_flags_and_refuses_an_implausible_date(client):
    user = f.citizen()
    client.force_login(user)
    with time_machine.travel(TODAY, tick=False):
        r = client.put("/api/v1/service_halls/me/priority", {"disabled": True}, content_type="application/json")
        assert r.status_code == 200 and r.json() == {"disabled": True, "ill": False, "pregnant_until": None}
        bad = client.put("/api/v1/service_halls/me/priority", {"pregnant_until": "2028-01-01"},
                         content_type="application/json")
        assert bad.status_code == 422 and "pregnant_until" in bad.json()["fields"]
        assert PriorityFlags.objects.get(person=user.person).disabled is True
        client.put("/api/v1/service_halls/me/priority", {}, content_type="application/json")
    assert PriorityFlags.objects.get(person=user.person).disabled is False
