from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrawsConfig(AppConfig):
    name = "minsheng.draws"
    label = "draws"
    verbose_name = _("Public random draws")
