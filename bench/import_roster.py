"""Import a generated student roster (students with guardians) and print rows per second.

    MINSHENG_VAR_DIR=/tmp/imp IMPORT_MAX_BYTES=200000000 .venv/bin/python bench/import_roster.py --rows 600000
    DATABASE_URL=postgres://…/empty_db IMPORT_MAX_BYTES=200000000 .venv/bin/python bench/import_roster.py

Uses a fresh database: migrates, creates 364 schools, writes a CSV of ``--rows`` rows (one per
student and guardian; 1 % of rows carry a mistake, so the row-by-row error report is exercised),
then runs the import job as the task worker would (``import_run``) and prints its figures. A
600,000-row file is about 80 MB: above the default upload limit (IMPORT_MAX_BYTES, 20 MB).
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

HEADER = "学校统一社会信用代码,年级,班级,学生姓名,学生身份证号,监护人姓名,监护人身份证号,监护人手机号,关系,家庭类别,双职工\n"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def write_roster(path: str, *, rows: int, codes: list[str], seed: int = 1) -> None:
    from minsheng.identity.idnumbers import id_number_make

    rng = random.Random(seed)
    used: set[str] = set()

    def number(born_from: date, span: int) -> str:
        while True:
            n = id_number_make(region_code=rng.choice(["320703", "320706", "320707", "320722"]),
                               birth_date=born_from + timedelta(days=rng.randrange(span)), sequence=rng.randrange(1000))
            if n not in used:
                used.add(n)
                return n

    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        i = 0
        while i < rows:
            kid = number(date(2011, 9, 1), 9 * 365)
            school, grade, cls = rng.choice(codes), rng.randint(1, 6), rng.randint(1, max(1, rows // 364 // 6 // 45))
            for _g in range(2 if rng.random() < 0.2 and i + 1 < rows else 1):
                adult = number(date(1975, 1, 1), 20 * 365)
                phone = f"139{rng.randrange(10**8):08d}" if rng.random() < 0.7 else ""
                bad = rng.random() < 0.01
                out.write(f"{'NOPE' if bad else school},{grade},{cls},王小明,{kid},李芳,{adult},{phone},母亲,"
                          f"{rng.choice(['', '', '', '低保', '特困'])},{rng.choice(['是', '否'])}\n")
                i += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--schools", type=int, default=364)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the import to FILE and print its top 30")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection

    from minsheng.access.models import Organisation
    from minsheng.core.creditcode import credit_code_generate
    from minsheng.identity.models import User
    from minsheng.imports.models import ImportJob
    from minsheng.imports.services import import_run, import_start
    from minsheng.regions.models import Region

    call_command("migrate", interactive=False, verbosity=0)
    if ImportJob.objects.exists():
        sys.exit("point at an empty database")
    region, _c = Region.objects.get_or_create(code="320706", defaults={"prefix": "320706", "name": "海州区",
                                                                       "level": "county"})
    rng = random.Random(7)
    codes = []
    for i in range(args.schools):
        code = credit_code_generate(rng=rng, region_code="320706", authority="1", entity_class="2")
        Organisation.objects.create(kind="school", name=f"连云港市第{i + 1}小学", region=region, credit_code=code)
        codes.append(code)
    admin = User.objects.create_superuser("bench_admin", "x-bench-1!", name="bench")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "roster.csv")
        started = time.perf_counter()
        write_roster(path, rows=args.rows, codes=codes)
        size = os.path.getsize(path)
        print(f"database: {connection.vendor}; roster: {args.rows} rows, {size / 2**20:.0f} MB, "
              f"written in {time.perf_counter() - started:.1f} s")
        with open(path, "rb") as fh:
            job = import_start(importer_key="after_school.students", actor=admin, dry_run=False,
                               file=SimpleUploadedFile("roster.csv", fh.read(), content_type="text/csv"))
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine is shared
    wall, cpu = time.perf_counter(), _cpu()
    if profiler:
        profiler.enable()
    job = import_run(ImportJob.objects.get(pk=job.pk))
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if profiler:
        import pstats

        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    print(f"import: {job.state}, {job.total} rows ({job.ok} saved, {job.failed} with errors, "
          f"{len(job.errors)} errors reported) in {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"rows/s: {job.total / wall:.0f} (wall), {job.total / cpu:.0f} (per CPU-second of this process)")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
