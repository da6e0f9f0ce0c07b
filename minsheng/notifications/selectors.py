from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Notification


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
    return notifications_for(user=user).filter(read_at__isnull=True).count()


def notification_get_for(*, user, notification_id: int) -> Notification:
    return get_object_or_404(notifications_for(user=user), pk=notification_id)
