from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .display import large_text_for

SITE_NAME = _("Minsheng public services")


def platform(request):
    return {
        "site_name": SITE_NAME,
        "debug": settings.DEBUG,
        "large_text": large_text_for(request),
    }
