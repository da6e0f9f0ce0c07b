import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def _freeze_startup_objects() -> None:
    """Load every URLconf and view now, then move what start-up made into the collector's
    permanent generation (``gc.freeze``): the few hundred thousand objects of Django, the apps
    and their modules live as long as the process, and every full collection used to walk them
    all again — ~0.17 s each in a worker here, several times in an enrolment rush, while the
    per-user caches fill (figures in bench/README.md, stop 15)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    gc.collect()
    gc.freeze()


_freeze_startup_objects()
