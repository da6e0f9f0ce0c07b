from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ..models import Ticket
from ..selectors.queue import queue_status
from . import factories as f

pytestmark = pytest.mark.django_db
API = "/api/v1/service_halls"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def _hall_with_window_4():
    """A point, its first business, a citizen, and a clerk signed on at window 4."""
    p = f.point()
    clerk = f.clerk(point=p)
    return p, p.business_types.first(), f.citizen(), clerk, f.window(point=p, clerk=clerk, number=4)


def test_issue_follow_and_serve_through_the_api(client):
    p, biz, citizen, clerk, w = _hall_with_window_4()
    client.force_login(citizen)
    r = client.post(f"{API}/points/{p.pk}/tickets", {"business_type": biz.code}, content_type="application/json")
    assert r.status_code == 201 and r.json()["number"] == "A001"
    token = r.json()["token"]
    client.force_login(clerk)
    called = client.post(f"{API}/windows/{w.pk}/call-next")
    assert called.status_code == 200 and called.json()["your_turn"] is True
    ticket = Ticket.objects.get()
    assert called.json()["id"] == ticket.pk  # the window acts on it next by id
    for action in ("start", "finish"):
        assert client.post(f"{API}/windows/{w.pk}/{action}", {"ticket": ticket.pk}, content_type="application/json").status_code == 200
    client.logout()
    assert client.get(f"{API}/tickets/{token}").json()["state"] == "done"
    assert client.post(f"{API}/windows/{w.pk}/call-next").status_code == 401


def test_api_error_shapes(client):
    p = f.point()
    client.force_login(f.citizen())
    unknown = client.post(f"{API}/points/{p.pk}/tickets", {"business_type": "nope"}, content_type="application/json")
    assert unknown.status_code == 404 and "business_type" in unknown.json()["fields"]
    other = f.business("E")
    refused = client.post(f"{API}/points/{p.pk}/tickets", {"business_type": other.code}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["code"] == "invalid"
    w = f.window(point=p)
    assert client.post(f"{API}/windows/{w.pk}/call-next").status_code == 403
    assert not Ticket.objects.exists()


def test_clerk_on_someone_elses_window_gets_403(client):
    p = f.point()
    owner, other = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=owner)
    client.force_login(other)
    r = client.post(f"{API}/windows/{w.pk}/call-next")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


def test_answers_equal_the_validated_schemas(client):
    """What goes out is exactly what the validated schema gives, waiting or called."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from ..api.queue import TicketOut, WindowTicketOut

    p, biz, citizen, clerk, w = _hall_with_window_4()
    client.force_login(citizen)
    first = client.post(f"{API}/points/{p.pk}/tickets", {"business_type": biz.code}, content_type="application/json")
    second = client.post(f"{API}/points/{p.pk}/tickets", {"business_type": biz.code}, content_type="application/json")

    def validated(schema, ticket, **extra):
        data = {"token": ticket.token, **extra, **queue_status(ticket=ticket)}
        return json.loads(json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder))

    waiting = Ticket.objects.get(token=second.json()["token"])
    assert second.json() == validated(TicketOut, waiting)
    assert second.json()["ahead"] == 1 and second.json()["wait_minutes"] is not None
    client.force_login(clerk)
    called = client.post(f"{API}/windows/{w.pk}/call-next")
    ticket = Ticket.objects.get(token=first.json()["token"])
    assert called.json() == validated(WindowTicketOut, ticket, id=ticket.pk)
    assert called.json()["window"] == 4 and called.json()["state_label"]
