import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _freeze_startup_objects() -> None:
    """Load every URLconf and view now, then move what start-up made into the collector's
    permanent generation (``gc.freeze``): Django, the apps and their modules live as long as
    the process, so full collections need not walk them again."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()


_freeze_startup_objects()
