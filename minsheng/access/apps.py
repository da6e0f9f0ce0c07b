from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender, using="default", **kwargs) -> None:
    """After ``migrate`` (and a test database's flush), the roles declared in code are in the
    Role table: a new installation's administrator can give them on the staff page at once."""
    from .services import roles_sync

    if using == "default":
        roles_sync()


class AccessConfig(AppConfig):
    name = "minsheng.access"
    label = "access"
    verbose_name = _("Organisations and access")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="minsheng.access.roles_sync")
