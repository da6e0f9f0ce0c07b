"""``minsheng …`` — the platform's command line; every Django command is a subcommand.

``minsheng up`` (set up and run the demo city), ``minsheng demo``,
``minsheng serve``, ``minsheng worker``, ``minsheng draw-verify`` …
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    argv = [
        sys.argv[0],
        *[a.replace("-", "_") if i == 0 else a for i, a in enumerate(sys.argv[1:])],
    ]
    execute_from_command_line(argv)
