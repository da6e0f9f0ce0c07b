"""The hall display's live stream: server-sent events.

Under ASGI the view streams from an async generator — reading the hall's Redis
pub/sub channel when ``REDIS_URL`` is set, polling the event table once a
second otherwise — for up to an hour, then the browser reconnects. Under
WSGI (the embedded server's worker threads, tests) it streams for a short
while from a plain generator so no worker is held for long. Every event
carries its TicketEvent id; a screen that reconnects sends ``Last-Event-ID``
and first gets everything it missed from the database.
"""

import asyncio
import json
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import Http404, StreamingHttpResponse

from minsheng.access.decorators import public
from minsheng.core.errors import NotFound

from . import realtime
from .selectors import point_get


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _start_id(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    return int(raw) if raw.isdigit() else None


def _release_db() -> None:
    if not connection.in_atomic_block:
        connection.close()


async def _async_events(point_id: int, last_id: int):
    poll = _setting("SERVICE_HALLS_SSE_POLL_SECONDS", 1.0)
    keepalive = _setting("SERVICE_HALLS_SSE_KEEPALIVE_SECONDS", 15.0)
    deadline = time.monotonic() + _setting("SERVICE_HALLS_SSE_ASGI_SECONDS", 3600.0)
    yield "retry: 1000\n\n"
    catch_up = sync_to_async(realtime.events_after)
    if settings.REDIS_URL:
        import redis.asyncio as aioredis

        client = aioredis.from_url(settings.REDIS_URL)
        pubsub = client.pubsub()
        await pubsub.subscribe(realtime.channel_for(point_id))
        try:
            # Subscribed first, then caught up: nothing falls between the two.
            for payload in await catch_up(point_id=point_id, after_id=last_id, limit=200):
                last_id = payload["id"]
                yield realtime.sse_format(payload)
            # Redis brings the rest: give the database connection back rather than
            # hold one per screen for the stream's life (500 screens > max_connections).
            await sync_to_async(_release_db)()
            while time.monotonic() < deadline:
                msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=keepalive)
                if msg is None:
                    yield ": keepalive\n\n"
                    continue
                payload = json.loads(msg["data"])
                if payload["id"] > last_id:
                    last_id = payload["id"]
                    yield realtime.sse_format(payload)
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()
            await client.aclose()
        return
    quiet = 0.0
    while True:
        rows = await catch_up(point_id=point_id, after_id=last_id, limit=200)
        for payload in rows:
            last_id = payload["id"]
            yield realtime.sse_format(payload)
        if time.monotonic() >= deadline:
            return
        if not rows:
            quiet += poll
            if quiet >= keepalive:
                quiet = 0.0
                yield ": keepalive\n\n"
        await asyncio.sleep(poll)


def _sync_events(point_id: int, last_id: int):
    poll = _setting("SERVICE_HALLS_SSE_POLL_SECONDS", 1.0)
    deadline = time.monotonic() + _setting("SERVICE_HALLS_SSE_WSGI_SECONDS", 25.0)
    yield "retry: 500\n\n"
    while True:
        rows = realtime.events_after(point_id=point_id, after_id=last_id, limit=200)
        for payload in rows:
            last_id = payload["id"]
            yield realtime.sse_format(payload)
        if time.monotonic() >= deadline:
            return
        yield ": waiting\n\n"
        time.sleep(poll)


@public
async def display_stream(request, point_id: int):
    try:
        point = await sync_to_async(point_get)(point_id=point_id)
    except NotFound as e:
        raise Http404(str(e.message))
    last_id = _start_id(request)
    if last_id is None:
        last_id = await sync_to_async(realtime.last_event_id)(point_id=point.pk)
    if isinstance(request, ASGIRequest):
        stream = _async_events(point.pk, last_id)
    else:
        stream = _sync_events(point.pk, last_id)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
