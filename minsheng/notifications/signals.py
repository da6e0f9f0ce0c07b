"""Drop a user's cached unread count when one of their messages or their person changes.

Connected in NotificationsConfig.ready. Bulk UPDATEs (marking read) bump in the
service that runs them, since they send no signal.
"""

from minsheng.core import usercache

from .selectors import UNREAD_SLOT


def notification_changed(sender, instance, **kwargs) -> None:
    user_ids = {instance.recipient_id}
    if instance.recipient_id is None and instance.person_id is not None:
        # Addressed to a person only: their account, if they have one now.
        from minsheng.identity.models import Person

        user_ids.update(
            Person.objects.filter(pk=instance.person_id).values_list("user_id", flat=True)
        )
    usercache.bump(user_ids, [UNREAD_SLOT])


def person_changed(sender, instance, **kwargs) -> None:
    # Messages to the person count for the account it belongs to, and no longer
    # for the account it belonged to when it was read.
    usercache.bump({instance.user_id, getattr(instance, "_loaded_user_id", None)}, [UNREAD_SLOT])


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from minsheng.identity.models import Person

    from .models import Notification

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(notification_changed, sender=Notification, dispatch_uid=f"unread-n-{name}")
        signal.connect(person_changed, sender=Person, dispatch_uid=f"unread-p-{name}")
