"""Reads of the audit trail: one search used by the admin, the staff page and the export."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEvent


def audit_search(
    *,
    actor: str = "",
    event_type: str = "",
    target_type: str = "",
    target_id: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """``actor`` matches the actor's name or username (or ``#<id>``); ``event_type``
    a prefix (``cases.`` finds every case event); dates are local calendar days,
    ``until`` inclusive."""
    qs = AuditEvent.objects.all()
    if actor:
        if actor.startswith("#") and actor[1:].isdigit():
            qs = qs.filter(actor_id=int(actor[1:]))
        else:
            qs = qs.filter(Q(actor_label__icontains=actor) | Q(actor__username=actor))
    if event_type:
        qs = qs.filter(event_type__startswith=event_type)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    tz = timezone.get_current_timezone()
    if since:
        qs = qs.filter(occurred_at__gte=dt.datetime.combine(since, dt.time.min, tzinfo=tz))
    if until:
        qs = qs.filter(
            occurred_at__lt=dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs.order_by("-occurred_at", "-id")
