from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from minsheng.access.decorators import citizen

from .selectors import notification_get_for, notifications_for, unread_count
from .services import notification_mark_read


@citizen
def inbox(request):
    """消息中心 — every message addressed to me, newest first."""
    page = Paginator(notifications_for(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_count(user=request.user)},
    )


@citizen
def detail(request, pk):
    notification = notification_get_for(user=request.user, notification_id=pk)
    if notification.read_at is None:
        notification_mark_read(user=request.user, notification_ids=[notification.pk])
        notification.refresh_from_db(fields=["read_at"])
    return render(request, "notifications/detail.html", {"notification": notification})


@citizen
@require_POST
def mark_read(request, pk):
    notification = notification_get_for(user=request.user, notification_id=pk)
    notification_mark_read(user=request.user, notification_ids=[notification.pk])
    return redirect("notifications:inbox")


@citizen
@require_POST
def mark_all_read(request):
    notification_mark_read(user=request.user)
    return redirect("notifications:inbox")
