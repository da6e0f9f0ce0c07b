"""Live display events: published after commit, read by the server-sent-event view.

With ``settings.REDIS_URL`` each hall has a Redis pub/sub channel and a
connected screen reads only Redis; without it (the embedded default) the
stream polls the TicketEvent table once a second. Either way the TicketEvent
id is the event id, so a screen that reconnects with ``Last-Event-ID``
catches up from the database first.
"""

import json

from django.conf import settings

from .models import EventKind, TicketEvent

DISPLAY_KINDS = (EventKind.CALLED, EventKind.RECALLED, EventKind.SKIPPED, EventKind.FINISHED,
                 EventKind.STARTED, EventKind.TRANSFERRED)

_redis = None


def channel_for(point_id: int) -> str:
    return f"service_halls:point:{point_id}"


def event_payload(event: TicketEvent, *, number: str, window_number: int | None) -> dict:
    return {
        "id": event.pk,
        "kind": event.kind,
        "number": number,
        "window": window_number,
        "at": event.at.isoformat(),
    }


def publish(point_id: int, payload: dict) -> None:
    """Called from transaction.on_commit: only committed calls reach a screen."""
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
