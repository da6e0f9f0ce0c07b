from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from minsheng.access.refusals import scoped_gate
from minsheng.core import usercache

from .models import Notification

# The top bar's unread count, per user, in the cache (minsheng.core.usercache); dropped
# by the receivers in .signals whenever one of the user's messages changes.
UNREAD_SLOT = "unread"
usercache.register(UNREAD_SLOT)


def _person_id(user):
    from minsheng.identity.models import Person

    try:
        return user.person.pk
    except Person.DoesNotExist:
        return None


def notifications_for(*, user) -> QuerySet[Notification]:
    """Everything addressed to the user's account or to their real-name person."""
    q = Q(recipient=user)
    person_id = _person_id(user)
    if person_id:
        q |= Q(person_id=person_id)
    return Notification.objects.filter(q)


def unread_count(*, user) -> int:
    """Unread messages addressed to the user or their person: from the cache when no
    message of theirs changed since it was counted, else one COUNT."""
    entries = getattr(user, "_usercache", None)
    entry = entries.get(UNREAD_SLOT) if entries else None
    if entry is None or not entry.current():
        entry = usercache.fetch(user.pk, [UNREAD_SLOT])[UNREAD_SLOT]
        if entries is not None:
            entries[UNREAD_SLOT] = entry
    if entry.hit:
        return entry.value
    n = notifications_for(user=user).filter(read_at__isnull=True).count()
    usercache.store(user.pk, UNREAD_SLOT, entry, n)
    return n


@scoped_gate(model="notifications.notification", id_arg="notification_id")
def notification_get_for(*, user, notification_id: int) -> Notification:
    return get_object_or_404(notifications_for(user=user), pk=notification_id)
