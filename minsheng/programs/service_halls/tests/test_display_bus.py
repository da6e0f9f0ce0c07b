"""The hall display through the Redis bus with a real server: calls reach a connected
screen live, only after commit, and a screen that reconnects with Last-Event-ID catches up.

These run where ``REDIS_URL`` is set (the PostgreSQL CI pass: redis://127.0.0.1:6379/15).
The embedded default polls the table (tests/test_views.py).
"""

import asyncio
import json
import time
from contextlib import contextmanager

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.db import transaction
from django.test import AsyncClient

from ..models import Ticket
from ..selectors.queue import events_after
from ..services import display
from ..services.calling import (
    ticket_finish,
    ticket_recall,
    ticket_skip,
    ticket_start,
    window_call_next,
)
from ..views import display as display_views
from . import factories as f

pytestmark = pytest.mark.django_db(transaction=True)  # events are sent on commit


@pytest.fixture
def bus(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs a Redis server: set REDIS_URL (the PostgreSQL CI pass sets redis://127.0.0.1:6379/15)")
    settings.SERVICE_HALLS_DISPLAY_BUS = display.BUS_REDIS
    return display.BUS_REDIS


@pytest.fixture
def hall(settings, bus):
    settings.SERVICE_HALLS_SSE_KEEPALIVE_SECONDS = 0.2  # the stream wakes up often; the test never hangs
    display._redis = None  # a client for this test's REDIS_URL
    p, c, w1 = f.staffed_window(waiting=4)
    c2 = f.clerk(point=p)
    w2 = f.window(point=p, clerk=c2, number=2)
    return {"point": p, "clerk": c, "window": w1, "clerk2": c2, "window2": w2, "bus": bus}


@pytest.fixture
def catch_up_calls(monkeypatch):
    """How many times the stream read the event table (catch-up); live events must come from the bus."""
    calls = []
    original = events_after

    def counting(**kwargs):
        calls.append(kwargs["after_id"])
        return original(**kwargs)

    monkeypatch.setattr(display_views, "events_after", counting)
    return calls


def _parse(text: str) -> dict:
    lines = dict(line.split(": ", 1) for line in text.strip().split("\n"))
    return {"id": int(lines["id"]), **json.loads(lines["data"])}


def read_stream(point_id, *, last_event_id, count, on_first=None, timeout=10.0):
    """Open the display stream through the ASGI handler; collect ``count`` events.

    ``on_first`` runs (in a worker thread, committing) once the first event has arrived,
    i.e. after the stream has subscribed to the bus and caught up from the database."""

    async def go():
        response = await AsyncClient().get(
            f"/p/service_halls/display/{point_id}/events", headers={"Last-Event-ID": str(last_event_id)}
        )
        assert response["Content-Type"].startswith("text/event-stream")
        events, chunks = [], response.streaming_content
        try:
            async for chunk in chunks:
                text = chunk.decode() if isinstance(chunk, bytes) else chunk
                if not text.startswith("id:"):
                    continue
                events.append((_parse(text), time.monotonic()))
                if on_first and len(events) == 1:
                    await sync_to_async(on_first)()
                if len(events) >= count:
                    break
        finally:
            await chunks.aclose()
        return events

    async def bounded():
        return await asyncio.wait_for(go(), timeout)

    return async_to_sync(bounded)()


def test_a_call_reaches_a_connected_display_through_the_bus(hall, catch_up_calls):
    p, c, w = hall["point"], hall["clerk"], hall["window"]
    first = window_call_next(window_id=w.pk, clerk=c)
    called_at = {}

    def next_call():
        f.act(ticket_skip, Ticket.objects.get(pk=first.pk), c)
        called_at["t"] = time.monotonic()
        window_call_next(window_id=w.pk, clerk=c)

    events = read_stream(p.pk, last_event_id=0, count=3, on_first=next_call)
    payloads = [e for e, _t in events]
    assert [(e["kind"], e["number"]) for e in payloads] == [("called", "A001"), ("skipped", "A001"),
                                                            ("called", "A002")]
    assert payloads[2]["window"] == 1
    # the table was read once, to catch up on A001; the skip and the new call came by the bus
    assert catch_up_calls == [0]
    assert events[2][1] - called_at["t"] < 1.0
    ids = [e["id"] for e in payloads]
    assert ids == sorted(ids)
    assert ids == list(
        Ticket.objects.get(pk=first.pk).events.filter(kind__in=["called", "skipped"]).values_list("id", flat=True)
    ) + [Ticket.objects.get(number="A002", point=p).events.get(kind="called").pk]


def test_a_display_reconnecting_with_last_event_id_gets_what_it_missed_then_live_calls(hall, catch_up_calls):
    p, c, w, c2, w2 = hall["point"], hall["clerk"], hall["window"], hall["clerk2"], hall["window2"]
    first = window_call_next(window_id=w.pk, clerk=c)
    seen = read_stream(p.pk, last_event_id=0, count=1)
    last_seen = seen[0][0]["id"]
    assert seen[0][0]["number"] == "A001"

    # while the screen is disconnected: a recall at window 1, a call at window 2
    f.act(ticket_recall, first, c)
    window_call_next(window_id=w2.pk, clerk=c2)

    def live_call():
        f.act(ticket_finish, f.act(ticket_start, first, c), c)
        window_call_next(window_id=w.pk, clerk=c)

    events = [e for e, _t in read_stream(p.pk, last_event_id=last_seen, count=5, on_first=live_call)]
    assert [(e["kind"], e["number"], e["window"]) for e in events] == [
        ("recalled", "A001", 1),  # missed, replayed from the database
        ("called", "A002", 2),  # missed, replayed from the database
        ("started", "A001", 1),  # live, from the bus
        ("finished", "A001", 1),
        ("called", "A003", 1),
    ]
    assert all(e["id"] > last_seen for e in events)
    assert catch_up_calls == [0, last_seen]  # one catch-up per connection, nothing polled


@contextmanager
def listening(point_id: int):
    """A subscriber of this test's own on the hall's channel: yields get(timeout) → payload or None."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(display.channel_for(point_id))
    pubsub.get_message(timeout=1.0)  # the subscription confirmation

    def get(timeout):
        message = pubsub.get_message(timeout=timeout)
        return None if message is None else json.loads(message["data"])

    try:
        yield get
    finally:
        pubsub.close()
        client.close()


def test_only_committed_calls_are_sent(hall):
    p, c, w = hall["point"], hall["clerk"], hall["window"]
    with listening(p.pk) as get:
        with pytest.raises(RuntimeError), transaction.atomic():
            window_call_next(window_id=w.pk, clerk=c)
            raise RuntimeError("the request failed after the call")
        assert get(0.5) is None
        assert Ticket.objects.get(point=p, number="A001").state == "waiting"

        ticket = window_call_next(window_id=w.pk, clerk=c)
        payload = get(2.0)
        assert payload is not None
        assert payload == {**payload, "kind": "called", "number": "A001", "window": 1,
                           "id": ticket.events.get(kind="called").pk}
        f.act(ticket_skip, Ticket.objects.get(pk=ticket.pk), c)
        payload = get(2.0)
        assert payload == {**payload, "kind": "skipped", "number": "A001", "window": 1,
                           "id": ticket.events.get(kind="skipped").pk}
