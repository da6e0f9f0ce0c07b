"""The display bus: how a hall's screens hear of a call at once (``bus()``).

- ``redis``: a pub/sub channel per hall, published in ``transaction.on_commit``, so a
  screen never shows a call that rolled back. Each ASGI process keeps one subscriber
  for all its screens (views/display.py).
- ``poll`` (the embedded default, one process): the stream reads the TicketEvent table
  once a second.

Whichever it is, the TicketEvent id is the event id, so a screen that reconnects with
``Last-Event-ID`` catches up from the database first. The bus carries what the services
wrote; it decides nothing.
"""

import json
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from ..models import DISPLAY_KINDS, TicketEvent
from ..selectors.queue import event_payload

BUS_REDIS, BUS_POLL = "redis", "poll"

_redis = None


def bus() -> str:
    """How display events travel: SERVICE_HALLS_DISPLAY_BUS, or by default ``redis`` with
    REDIS_URL, else ``poll``."""
    chosen = settings.SERVICE_HALLS_DISPLAY_BUS
    if chosen == "auto":
        return BUS_REDIS if settings.REDIS_URL else BUS_POLL
    if chosen not in (BUS_REDIS, BUS_POLL) or (chosen == BUS_REDIS and not settings.REDIS_URL):
        raise ImproperlyConfigured(
            f"SERVICE_HALLS_DISPLAY_BUS={chosen!r}: use 'auto', 'poll' or 'redis' (needs REDIS_URL)")
    return chosen


def channel_for(point_id: int) -> str:
    """The hall's Redis channel."""
    return f"service_halls:point:{point_id}"


def announce(event: TicketEvent, *, number: str, window_number: int | None) -> None:
    """Send a display event once the transaction that wrote it commits (never on rollback)."""
    if event.kind not in DISPLAY_KINDS or bus() != BUS_REDIS:
        return
    payload = event_payload(event, number=number, window_number=window_number)
    transaction.on_commit(partial(publish, event.point_id, payload))


def publish(point_id: int, payload: dict) -> None:
    """Publish on the hall's channel; called after commit."""
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
