from datetime import datetime

from ninja import Query, Router, Schema

from minsheng.core.schemas import ERROR_RESPONSES

from .selectors import notification_get_for, notifications_for, unread_count
from .services import notification_mark_read

# Beyond this no list has rows; SQLite cannot even take a larger offset (OverflowError).
MAX_OFFSET = 2**31 - 1

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    template: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int
    unread: int


@router.get("/", response={200: list[NotificationOut], **ERROR_RESPONSES})
def list_notifications(request, unread_only: bool = False, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):  # noqa: B008
    """My messages, newest first."""
    qs = notifications_for(user=request.auth)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    limit = max(1, min(limit, 200))
    offset = max(0, offset)
    return list(qs[offset : offset + limit])


@router.get("/unread-count", response={200: UnreadOut, **ERROR_RESPONSES})
def get_unread_count(request):
    return {"unread": unread_count(user=request.auth)}


@router.get("/{int:notification_id}", response={200: NotificationOut, **ERROR_RESPONSES})
def get_notification(request, notification_id: int):
    return notification_get_for(user=request.auth, notification_id=notification_id)


@router.post("/{int:notification_id}/read", response={200: MarkedOut, **ERROR_RESPONSES})
def mark_read(request, notification_id: int):
    notification = notification_get_for(user=request.auth, notification_id=notification_id)
    marked = notification_mark_read(user=request.auth, notification_ids=[notification.pk])
    return {"marked": marked, "unread": unread_count(user=request.auth)}


@router.post("/read-all", response={200: MarkedOut, **ERROR_RESPONSES})
def mark_all_read(request):
    marked = notification_mark_read(user=request.auth)
    return {"marked": marked, "unread": unread_count(user=request.auth)}
