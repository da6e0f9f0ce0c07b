"""WSGI app for the service-halls benchmark: the platform (settings, middleware, URLs) plus
one bare view doing a single INSERT with no auth or services — the ceiling.

Served by granian as ``service_halls_bare:application`` with PYTHONPATH=bench.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "service_halls_bare_settings")

from config.wsgi import application  # noqa: E402,F401 - the deployed entry point, with these settings
