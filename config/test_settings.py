"""The settings a test run starts from: ``config.settings`` with ``MINSHENG_ENV=test``.

pytest-django sets Django up (pyproject's ``DJANGO_SETTINGS_MODULE`` names this module)
before any conftest runs, so a bare ``pytest`` gets the test settings from here; an
environment that names another ``MINSHENG_ENV`` keeps it.
"""

import os

os.environ.setdefault("MINSHENG_ENV", "test")

from config.settings import *  # noqa: E402, F403
