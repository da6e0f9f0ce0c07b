"""Live display events: sent when the call commits, read by the server-sent-event view.

Three buses carry a hall's events to its connected screens (``bus()``):

- ``postgres`` (the default on PostgreSQL): ``NOTIFY`` on one channel, sent inside the
  transaction that writes the event — PostgreSQL delivers it at commit and drops it on
  rollback. The window's one-statement actions (queue_pg) notify within that statement,
  so a call costs no round trip to anything else. Each ASGI process keeps one
  connection that LISTENs (sse._PgHub) and fans events out to its screens by hall.
- ``redis``: a pub/sub channel per hall, published in ``transaction.on_commit``.
- ``poll`` (the embedded default, one process): the stream reads the TicketEvent table
  once a second.

Whichever it is, the TicketEvent id is the event id, so a screen that reconnects
with ``Last-Event-ID`` catches up from the database first.
"""

import json
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from .models import EventKind, TicketEvent

DISPLAY_KINDS = (EventKind.CALLED, EventKind.RECALLED, EventKind.SKIPPED, EventKind.FINISHED,
                 EventKind.STARTED, EventKind.TRANSFERRED)

_redis = None

BUS_POSTGRES, BUS_REDIS, BUS_POLL = "postgres", "redis", "poll"
# One NOTIFY channel for every hall: the listener in each ASGI process dispatches by
# the payload's "point" (a LISTEN per hall would cost a command per hall per process).
PG_CHANNEL = "service_halls_display"
# The listening connection's name in pg_stat_activity.
PG_LISTENER_NAME = "minsheng-display-listener"


def bus() -> str:
    """How display events travel: SERVICE_HALLS_DISPLAY_BUS, or by default ``postgres``
    on PostgreSQL, ``redis`` with REDIS_URL on another database, else ``poll``."""
    chosen = settings.SERVICE_HALLS_DISPLAY_BUS
    postgresql = connection.vendor == "postgresql"
    if chosen == "auto":
        return BUS_POSTGRES if postgresql else BUS_REDIS if settings.REDIS_URL else BUS_POLL
    if chosen not in (BUS_POSTGRES, BUS_REDIS, BUS_POLL) or (chosen == BUS_POSTGRES and not postgresql) \
            or (chosen == BUS_REDIS and not settings.REDIS_URL):
        raise ImproperlyConfigured(
            f"SERVICE_HALLS_DISPLAY_BUS={chosen!r}: use 'auto', 'poll', 'redis' (needs REDIS_URL) "
            "or 'postgres' (needs PostgreSQL)")
    return chosen


def channel_for(point_id: int) -> str:
    """The hall's Redis channel (the ``redis`` bus)."""
    return f"service_halls:point:{point_id}"


def event_payload(event: TicketEvent, *, number: str, window_number: int | None) -> dict:
    return {
        "id": event.pk,
        "kind": event.kind,
        "number": number,
        "window": window_number,
        "at": event.at.isoformat(),
    }


def announce(point_id: int, payload: dict) -> None:
    """Send a display event with the transaction that wrote it: screens get it once
    it commits, never when it rolls back."""
    chosen = bus()
    if chosen == BUS_POSTGRES:
        notify(point_id, payload)
    elif chosen == BUS_REDIS:
        transaction.on_commit(partial(publish, point_id, payload))


def notify_payload(point_id: int, payload: dict) -> str:
    return json.dumps({**payload, "point": point_id})


def notify(point_id: int, payload: dict) -> None:
    """NOTIFY in the current transaction (delivered at its commit)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, notify_payload(point_id, payload)])


def publish(point_id: int, payload: dict) -> None:
    """The ``redis`` bus; called from transaction.on_commit: only committed calls reach a screen."""
    if not settings.REDIS_URL:
        return
    global _redis
    import redis

    if _redis is None:
        _redis = redis.Redis.from_url(settings.REDIS_URL)
    try:
        _redis.publish(channel_for(point_id), json.dumps(payload))
    except redis.RedisError:
        # The call is committed; screens on the polling fallback or reconnecting
        # with Last-Event-ID still get it from the database.
        _redis = None


def events_after(*, point_id: int, after_id: int, limit: int = 50) -> list[dict]:
    rows = (
        TicketEvent.objects.filter(point_id=point_id, id__gt=after_id, kind__in=DISPLAY_KINDS)
        .select_related("ticket", "window")
        .order_by("id")[:limit]
    )
    return [
        event_payload(e, number=e.ticket.number, window_number=e.window.number if e.window else None)
        for e in rows
    ]


def last_event_id(*, point_id: int) -> int:
    last = TicketEvent.objects.filter(point_id=point_id).order_by("-id").values_list("id", flat=True).first()
    return last or 0


def sse_format(payload: dict) -> str:
    return f"id: {payload['id']}\nevent: ticket\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"
