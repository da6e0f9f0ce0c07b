from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import async_to_sync, sync_to_async
from django.test import AsyncClient

from ..models import Ticket, TicketState
from ..services.calling import (
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    window_call_next,
)
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


def test_kiosk_issues_a_ticket_and_shows_its_number(client):
    p = f.point()
    biz = p.business_types.first()
    page = client.get(f"/p/service_halls/kiosk/{p.pk}/")
    assert page.status_code == 200 and biz.name in page.content.decode()
    response = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": biz.pk, "priority_reason": "pregnant"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.token in response["Location"]
    assert ticket.is_priority and ticket.channel == "kiosk" and ticket.person is None
    follow = client.get(response["Location"])
    assert "A001" in follow.content.decode()


def test_kiosk_refuses_a_business_the_point_does_not_handle(client):
    p = f.point()
    other = f.business("F")
    response = client.post(f"/p/service_halls/kiosk/{p.pk}/", {"business": other.pk})
    assert response.status_code == 422
    assert not Ticket.objects.exists()


def test_phone_ticket_needs_sign_in_and_links_the_person(client):
    p = f.point()
    biz = p.business_types.first()
    anon = client.post(f"/p/service_halls/points/{p.pk}/take/", {"business": biz.pk})
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    user = f.citizen()
    client.force_login(user)
    client.post(f"/p/service_halls/points/{p.pk}/take/", {"business": biz.pk})
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.user_id, ticket.person_id) == ("phone", user.pk, user.person.pk)


def test_ticket_status_reports_position_and_wait(client):
    p = f.point()
    f.window(point=p)
    first = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    second = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    data = client.get(f"/p/service_halls/t/{second.token}/status.json").json()
    assert data["ahead"] == 1 and data["wait_minutes"] == 10 and data["your_turn"] is False
    assert "person" not in data
    assert client.get(f"/p/service_halls/t/{first.token}/status.json").json()["ahead"] == 0
    assert client.get("/p/service_halls/t/nope/status.json").status_code == 404


def test_clerk_tablet_calls_and_finishes(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p)
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    client.force_login(c)
    client.post(f"/p/service_halls/clerk/windows/{w.pk}/sign/")
    client.post(f"/p/service_halls/clerk/windows/{w.pk}/call/")
    page = client.get(f"/p/service_halls/clerk/windows/{w.pk}/")
    assert "A001" in page.content.decode()
    client.post(f"/p/service_halls/clerk/windows/{w.pk}/start/", {"ticket": t.pk})
    client.post(f"/p/service_halls/clerk/windows/{w.pk}/finish/", {"ticket": t.pk})
    assert Ticket.objects.get().state == TicketState.DONE


def test_clerk_of_another_point_cannot_open_a_window(client):
    p, other = f.point(), f.point()
    w = f.window(point=p)
    client.force_login(f.clerk(point=other))
    assert client.get(f"/p/service_halls/clerk/windows/{w.pk}/").status_code == 404
    client.post(f"/p/service_halls/clerk/windows/{w.pk}/sign/")
    w.refresh_from_db()
    assert w.clerk_id is None


def test_citizen_cannot_open_the_clerk_page(client):
    client.force_login(f.citizen())
    assert client.get("/p/service_halls/clerk/").status_code == 403


def test_display_feed_shows_calls_without_personal_data(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=3)
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk",
                          person=f.person(name="王小明"))
    window_call_next(window_id=w.pk, clerk=c)
    response = client.get(f"/p/service_halls/display/{p.pk}/feed.json")
    assert response.json()["current"] == [{"number": "A001", "window": 3, "state": "called"}]
    assert "王小明" not in response.content.decode()
    assert client.get(f"/p/service_halls/display/{p.pk}/").status_code == 200


def _read_events(point_id, *, last_event_id=None, count=2, between=None):
    """Open the stream through the ASGI handler and collect ``count`` events."""

    async def go():
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        response = await AsyncClient().get(f"/p/service_halls/display/{point_id}/events", headers=headers)
        assert response["Content-Type"].startswith("text/event-stream")
        events, chunks = [], response.streaming_content
        async for chunk in chunks:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            if text.startswith("id:"):
                events.append(text)
                if between and len(events) == 1:
                    await sync_to_async(between)()
            if len(events) >= count:
                break
        await chunks.aclose()
        return events

    return async_to_sync(go)()


def test_display_stream_catches_up_from_last_event_id_and_streams_new_calls(settings):
    # The polling path (the embedded default): this test's calls are never committed, so
    # nothing is sent on a bus; the buses are covered by test_display_bus.py.
    settings.SERVICE_HALLS_DISPLAY_BUS = "poll"
    settings.SERVICE_HALLS_SSE_POLL_SECONDS = 0.05
    p, c, w = f.staffed_window(waiting=3, number=2)
    first = window_call_next(window_id=w.pk, clerk=c)
    first_call_id = first.events.get(kind="called").pk
    f.act(ticket_recall, first, c)

    def next_call():
        f.act(ticket_skip, Ticket.objects.get(pk=first.pk), c)
        window_call_next(window_id=w.pk, clerk=c)

    # reconnect after the first call: the recall is replayed, then live events follow
    events = _read_events(p.pk, last_event_id=first_call_id, count=3, between=next_call)
    assert '"kind": "recalled"' in events[0] and '"number": "A001"' in events[0]
    assert '"kind": "skipped"' in events[1]
    assert '"kind": "called"' in events[2] and '"number": "A002"' in events[2] and '"window": 2' in events[2]
    ids = [int(e.split("\n")[0][4:]) for e in events]
    assert ids == sorted(ids) and ids[0] > first_call_id


def test_display_stream_for_an_unknown_point_is_404(client):
    assert client.get("/p/service_halls/display/999999/events").status_code == 404


def test_coverage_page_lists_uncovered_communities(client):
    from ..services.coverage import coverage_recompute

    town = f.town()
    f.region("320706001001", "community", parent=town, name="近社区", lat=34.6, lon=119.181, population=1000, is_urban=True)
    f.region("320706001002", "community", parent=town, name="远村", lat=34.8, lon=119.4, population=500)
    f.point(lat=34.6, lon=119.18)
    coverage_recompute(trigger="test")
    page = client.get("/p/service_halls/coverage/").content.decode()
    assert "远村" in page and "67%" in page
    assert "<svg" in page


def test_citizen_rates_a_finished_service_once(client):
    from minsheng.ratings.models import Rating

    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    user = f.citizen()
    t = ticket_issue(point=p, business_type=p.business_types.first(), channel="phone", user=user)
    client.force_login(user)
    client.post(f"/p/service_halls/t/{t.token}/rate/", {"level": 5})
    assert not Rating.objects.exists()  # not finished yet
    window_call_next(window_id=w.pk, clerk=c)
    f.act(ticket_start, t, c)
    f.act(ticket_finish, t, c)
    assert 'data-test="rate"' in client.get(f"/p/service_halls/t/{t.token}/").content.decode()
    client.post(f"/p/service_halls/t/{t.token}/rate/", {"level": 5})
    client.post(f"/p/service_halls/t/{t.token}/rate/", {"level": 4})
    rating = Rating.objects.get()
    assert rating.level == 5 and rating.rater_id == user.pk and rating.organisation_id == p.organisation_id


@pytest.mark.parametrize("chosen", ["redsi", "postgres", "redis"])
def test_a_display_bus_the_deployment_cannot_carry_is_a_configuration_error(settings, chosen):
    """Only ``redis`` (with REDIS_URL) and ``poll`` carry display events."""
    from django.core.exceptions import ImproperlyConfigured

    from ..services import display

    settings.SERVICE_HALLS_DISPLAY_BUS = chosen
    settings.REDIS_URL = ""
    with pytest.raises(ImproperlyConfigured, match="SERVICE_HALLS_DISPLAY_BUS"):
        display.bus()
