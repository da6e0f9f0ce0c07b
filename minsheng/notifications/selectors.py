from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from minsheng.access.refusals import scoped_gate

from .models import Notification


def notifications_for(*, user) -> QuerySet[Notification]:
    """Everything addressed to the user's account or to their real-name person (one statement:
    the person is a subquery)."""
    from minsheng.identity.models import Person

    return Notification.objects.filter(
        Q(recipient=user) | Q(person_id__in=Person.objects.filter(user=user).values("pk"))
    )


def unread_count(*, user) -> int:
    """Unread messages addressed to the user or their person (the top bar's count)."""
    return notifications_for(user=user).filter(read_at__isnull=True).count()


@scoped_gate(model="notifications.notification", id_arg="notification_id")
def notification_get_for(*, user, notification_id: int) -> Notification:
    return get_object_or_404(notifications_for(user=user), pk=notification_id)
