"""The hall's TV: the page, its snapshot, and its live stream of server-sent events.

Under ASGI the stream comes from an async generator for up to an hour, then the
browser reconnects. Each process keeps one Redis pub/sub subscriber for all its
screens (``_Hub``, the ``redis`` display bus); without it (the embedded default)
each stream polls the event table once a second.
Under WSGI (the embedded server's worker threads, tests) it streams for a short
while from a plain generator so no worker is held for long. Every event carries
its TicketEvent id; a screen that reconnects sends ``Last-Event-ID`` and first
gets everything it missed from the database.
"""

import asyncio
import json
import time
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import connection
from django.http import Http404, JsonResponse, StreamingHttpResponse
from django.shortcuts import render

from minsheng.access.decorators import public
from minsheng.core.errors import NotFound

from ..selectors.halls import point_get
from ..selectors.queue import display_snapshot, events_after, last_event_id
from ..services import display as display_bus
from . import http_errors


def sse_format(payload: dict) -> str:
    return f"id: {payload['id']}\nevent: ticket\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


@public
@http_errors
def display(request, point_id: int):
    point = point_get(point_id=point_id)
    return render(request, "service_halls/display.html", {"point": point})


@public
@http_errors
def display_feed(request, point_id: int):
    point = point_get(point_id=point_id)
    return JsonResponse(display_snapshot(point=point))






def _start_id(request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    return int(raw) if raw.isdigit() else None


def _release_db() -> None:
    if not connection.in_atomic_block:
        connection.close()


class _Screen:
    """One connected display: its queue of payloads from the shared subscriber."""

    __slots__ = ("queue", "lagged")

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.lagged = False  # missed something (queue full, Redis reconnect): catch up from the DB

    def offer(self, payload: dict | None) -> None:
        try:
            self.queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.lagged = True


class _Hub:
    """One Redis subscription per process (per event loop) for every screen it
    serves: one pub/sub connection, subscribed to each hall's channel while a
    screen of that hall is connected, fanning each message out to the screens'
    asyncio queues. Connecting a screen costs no Redis connection of its own."""

    def __init__(self) -> None:
        self.screens: dict[str, set[_Screen]] = {}
        self.confirmed: dict[str, asyncio.Event] = {}
        self.pubsub = None
        self.reader: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    async def _ensure(self) -> None:
        if self.pubsub is None:
            import redis.asyncio as aioredis

            self.pubsub = aioredis.from_url(settings.REDIS_URL).pubsub()
        if self.reader is None or self.reader.done():
            self.reader = asyncio.get_running_loop().create_task(self._read())

    async def join(self, point_id: int) -> _Screen:
        channel = display_bus.channel_for(point_id)
        screen = _Screen()
        async with self.lock:
            await self._ensure()
            self.screens.setdefault(channel, set()).add(screen)
            event = self.confirmed.get(channel)
            if event is None:
                event = self.confirmed[channel] = asyncio.Event()
                await self.pubsub.subscribe(channel)
        try:  # subscribed before catching up: nothing falls between the two
            await asyncio.wait_for(event.wait(), 5.0)
        except TimeoutError:
            screen.lagged = True  # Redis is slow or away: the stream polls the DB once
        return screen

    def leave(self, point_id: int, screen: _Screen) -> None:
        # The channel stays subscribed while the process lives: halls are few and
        # their screens reconnect; unsubscribing and resubscribing would race.
        self.screens.get(display_bus.channel_for(point_id), set()).discard(screen)

    async def _read(self) -> None:
        import redis

        while True:
            try:
                if not self.pubsub.subscribed:
                    await asyncio.sleep(0.05)
                    continue
                msg = await self.pubsub.get_message(timeout=1.0)
            except (redis.RedisError, OSError):
                # Lost Redis: every screen catches up from the database, then we resubscribe.
                for screens in self.screens.values():
                    for screen in screens:
                        screen.lagged = True
                        screen.offer(None)
                await asyncio.sleep(1.0)
                try:
                    await self.pubsub.reset()
                    channels = list(self.confirmed)
                    if channels:
                        await self.pubsub.subscribe(*channels)
                except (redis.RedisError, OSError):
                    pass
                continue
            if msg is None:
                continue
            channel = msg["channel"].decode() if isinstance(msg["channel"], bytes) else msg["channel"]
            if msg["type"] == "subscribe":
                event = self.confirmed.get(channel)
                if event is not None:
                    event.set()
                continue
            if msg["type"] != "message":
                continue
            payload = json.loads(msg["data"])
            for screen in list(self.screens.get(channel, ())):
                screen.offer(payload)


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Hub]" = weakref.WeakKeyDictionary()


def _hub() -> _Hub:
    """The process's Redis subscriber (one per event loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = _Hub()
    return hub


def _catch_up(point_id: int, last_id: int | None, release: bool) -> tuple[int, list[dict]]:
    """Run in a worker thread (not the one shared sync thread): the events after
    ``last_id`` (or, for a fresh screen, where the log stands), then give the
    database connection back so streaming screens hold none."""
    try:
        if last_id is None:
            return last_event_id(point_id=point_id), []
        rows = events_after(point_id=point_id, after_id=last_id, limit=200)
        return (rows[-1]["id"] if rows else last_id), rows
    finally:
        if release:
            _release_db()


def _open(point_id: int, last_id: int | None, release: bool) -> tuple[int, list[dict]]:
    point_get(point_id=point_id)  # NotFound when it does not exist or is out of service
    return _catch_up(point_id, last_id, release)


async def _async_events(point_id: int, last_id: int, catch_up: list[dict], screen: "_Screen | None"):
    poll = settings.SERVICE_HALLS_SSE_POLL_SECONDS
    keepalive = settings.SERVICE_HALLS_SSE_KEEPALIVE_SECONDS
    deadline = time.monotonic() + settings.SERVICE_HALLS_SSE_ASGI_SECONDS
    yield "retry: 1000\n\n"
    for payload in catch_up:
        yield sse_format(payload)
    if screen is not None:
        hub = _hub()
        try:
            while time.monotonic() < deadline:
                if screen.lagged:
                    screen.lagged = False
                    last_id, rows = await sync_to_async(_catch_up, thread_sensitive=False)(point_id, last_id, True)
                    for payload in rows:
                        yield sse_format(payload)
                try:
                    payload = await asyncio.wait_for(screen.queue.get(), keepalive)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if payload is not None and payload["id"] > last_id:
                    last_id = payload["id"]
                    yield sse_format(payload)
        finally:
            hub.leave(point_id, screen)
        return
    quiet = 0.0
    while time.monotonic() < deadline:
        await asyncio.sleep(poll)
        last_id, rows = await sync_to_async(_catch_up)(point_id, last_id, False)
        for payload in rows:
            yield sse_format(payload)
        if not rows:
            quiet += poll
            if quiet >= keepalive:
                quiet = 0.0
                yield ": keepalive\n\n"


def _sync_events(point_id: int, last_id: int):
    poll = settings.SERVICE_HALLS_SSE_POLL_SECONDS
    deadline = time.monotonic() + settings.SERVICE_HALLS_SSE_WSGI_SECONDS
    yield "retry: 500\n\n"
    while True:
        rows = events_after(point_id=point_id, after_id=last_id, limit=200)
        for payload in rows:
            last_id = payload["id"]
            yield sse_format(payload)
        if time.monotonic() >= deadline:
            return
        yield ": waiting\n\n"
        time.sleep(poll)


@public
async def display_stream(request, point_id: int):
    last_id = _start_id(request)
    if not isinstance(request, ASGIRequest):
        try:
            await sync_to_async(point_get)(point_id=point_id)
        except NotFound as e:
            raise Http404(str(e.message))
        if last_id is None:
            last_id = await sync_to_async(last_event_id)(point_id=point_id)
        stream = _sync_events(point_id, last_id)
    else:
        # Under ASGI: join the process's shared subscriber first, then one trip to
        # the database in a worker thread (point check + catch-up), which hands its
        # connection back; the stream itself reads only the queue.
        bus = display_bus.bus()
        screen = await _hub().join(point_id) if bus != display_bus.BUS_POLL else None
        try:
            # Polling (the embedded default) keeps the one sync thread, as for any
            # view; with a subscriber the trip runs in a pool thread.
            last_id, rows = await sync_to_async(_open, thread_sensitive=screen is None)(
                point_id, last_id, screen is not None
            )
        except NotFound as e:
            if screen is not None:
                _hub().leave(point_id, screen)
            raise Http404(str(e.message))
        stream = _async_events(point_id, last_id, rows, screen)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
