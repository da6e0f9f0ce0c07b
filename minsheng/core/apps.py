from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _holidays_present(sender, using="default", **kwargs) -> None:
    """The holiday table is seeded by a migration (core/0002); a flush (a transactional test, a
    restore of data only) empties it with everything else, and every deadline would then be counted
    Monday–Friday as "provisional". After ``migrate`` and after such a flush the years
    chinesecalendar knows are loaded again where the table is empty."""
    from .calendar import holidays_seed
    from .models import HolidayDay

    if using == "default" and not HolidayDay.objects.exists():
        holidays_seed()


class CoreConfig(AppConfig):
    name = "minsheng.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        post_migrate.connect(_holidays_present, sender=self, dispatch_uid="minsheng.core.holidays")
