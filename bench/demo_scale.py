"""Build the whole demo city and print each part's time, rows and the peak memory.

    MINSHENG_VAR_DIR=/tmp/city .venv/bin/python bench/demo_scale.py --scale 1
    DATABASE_URL=postgres://…/empty_db .venv/bin/python bench/demo_scale.py --scale 1

Uses a fresh database (the SQLite file under MINSHENG_VAR_DIR, or DATABASE_URL): migrates,
loads the national regions, then builds every part, as ``minsheng up --scale 1 --no-serve``
does. Prints wall time and this process's CPU time per part (on a shared machine the wall
time includes waiting for a core), the rows written per part (all tables), and the peak RSS.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()

    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    from minsheng.demo.models import DemoRun
    from minsheng.demo.services import demo_build, demo_parts
    from minsheng.regions.models import Region
    from minsheng.regions.services import regions_load

    def rows() -> int:
        return sum(m._base_manager.count() for m in apps.get_models() if m._meta.managed)

    call_command("migrate", interactive=False, verbosity=0)
    if DemoRun.objects.exists():
        sys.exit("the demo city is already (partly) built here: point at an empty database")
    if not Region.objects.exists():
        started = time.perf_counter()
        regions_load()
        print(f"regions: {time.perf_counter() - started:.1f} s")
    print(f"database: {connection.vendor}, scale {args.scale}, seed {args.seed}")
    print(f"{'part':<20}{'wall s':>9}{'cpu s':>9}{'rows':>11}{'rows/s':>9}")
    total_wall = total_cpu = 0.0
    before = rows()
    for key, _run, _after in demo_parts():
        wall, cpu = time.perf_counter(), _cpu()
        demo_build(scale=args.scale, seed=args.seed, only=[key], show_progress=False, stream=open(os.devnull, "w"))
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        after = rows()
        print(f"{key:<20}{wall:>9.1f}{cpu:>9.1f}{after - before:>11}{(after - before) / wall:>9.0f}", flush=True)
        total_wall, total_cpu, before = total_wall + wall, total_cpu + cpu, after
    print(f"{'whole city':<20}{total_wall:>9.1f}{total_cpu:>9.1f}{before:>11}")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
