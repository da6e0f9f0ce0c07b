from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

RETRY_SECONDS = settings.NOTIFICATION_RETRY_SECONDS


class NotificationsConfig(AppConfig):
    name = "minsheng.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from minsheng.core import periodic

        from . import signals
        from .tasks import notification_retry_due_task

        signals.connect()

        # Deliveries that failed (or whose worker died) are picked up again here.
        periodic.register(
            "notifications.retry_due", notification_retry_due_task, every_seconds=RETRY_SECONDS
        )
