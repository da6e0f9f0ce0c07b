"""Time the foundation's part of the demo city and print row counts and peak memory.

    MINSHENG_VAR_DIR=/tmp/bench .venv/bin/python bench/demo_city.py [--scale 1] [--seed N]

Uses a fresh database (the file under MINSHENG_VAR_DIR, or DATABASE_URL):
migrates, loads the national regions, then builds only the foundation.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minsheng.demo.models import DemoRun
    from minsheng.demo.services import FOUNDATION, demo_build
    from minsheng.regions.services import regions_load

    call_command("migrate", interactive=False, verbosity=0)
    if DemoRun.objects.filter(part=FOUNDATION).exists():
        sys.exit(
            "the foundation is already built in this database: point MINSHENG_VAR_DIR at an empty folder"
        )
    started = time.perf_counter()
    regions = regions_load()
    regions_seconds = time.perf_counter() - started
    started = time.perf_counter()
    counts = demo_build(scale=args.scale, seed=args.seed, only=[FOUNDATION], show_progress=False)[
        FOUNDATION
    ]
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"database: {connection.vendor}")
    print(f"regions: {regions['created']} rows in {regions_seconds:.1f} s")
    print(f"foundation at scale {args.scale}: {seconds:.1f} s")
    for key, value in counts.items():
        print(f"  {key}: {value}")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
