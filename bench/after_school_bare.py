"""WSGI app for the rush benchmark: the platform (settings, middleware, URLs) plus one bare view
doing SELECT … FOR UPDATE on a day row, an INSERT and an UPDATE with no auth or services — the
ceiling.

Served by granian as ``after_school_bare:application`` with PYTHONPATH=bench.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "after_school_bare_settings")

from config.wsgi import application  # noqa: E402,F401 - the deployed entry point, with these settings
