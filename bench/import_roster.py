"""Import a generated student roster (students with guardians) and print rows per second.

    MINSHENG_VAR_DIR=/tmp/imp IMPORT_MAX_BYTES=200000000 .venv/bin/python bench/import_roster.py --rows 600000
    DATABASE_URL=postgres://…/empty_db IMPORT_MAX_BYTES=200000000 .venv/bin/python bench/import_roster.py

Uses a fresh database: migrates, creates 364 schools, writes a CSV of ``--rows`` rows (one per
student and guardian; 1 % of rows carry a mistake, so the row-by-row error report is exercised),
then runs the import job as the task worker would (``import_run``) and prints its figures. A
600,000-row file is about 80 MB: above the default upload limit (IMPORT_MAX_BYTES, 20 MB).

``--parallel N`` (PostgreSQL): one import job whose run splits the rows by family over N
processes (IMPORT_WORKERS; one progress count and one error report). CPU time is this process's
and its children's together. A progress bar (tqdm, on stderr) follows the job's count.

``--workers N`` (PostgreSQL): the roster is split into N files by family — rows that share a
student, a guardian or a phone number stay in one file, so no two jobs register the same person
or account — and the N import jobs run at once in N processes, as N task workers would run them.
Prints the wall time of all and the CPU time of the N processes together (rows per CPU-second).
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
    """This process's CPU time and its finished children's (the parts of a parallel run)."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


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


def split_by_family(path: str, n: int) -> list[str]:
    """N files of the roster's rows; rows sharing a student's or guardian's ID number or a phone
    number are in the same file (union-find over those values)."""
    import csv

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with open(path, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    for row in body:
        keys = [f"id:{row[4]}", f"id:{row[6]}"] + ([f"tel:{row[7]}"] if row[7] else [])
        root = find(keys[0])
        for key in keys[1:]:
            other = find(key)
            if other != root:
                parent[other] = root
    parts = [path + f".{k}" for k in range(n)]
    outs = [open(p, "w", encoding="utf-8", newline="") for p in parts]
    writers = [csv.writer(out) for out in outs]
    for w in writers:
        w.writerow(header)
    for row in body:
        writers[hash(find(f"id:{row[4]}")) % n].writerow(row)
    for out in outs:
        out.close()
    return parts


def run_parallel(job_ids: list[int]) -> None:
    """Each job in its own process (forked, with its own database connection)."""
    from django.db import connections

    from minsheng.imports.models import ImportJob
    from minsheng.imports.services import import_run

    connections.close_all()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    pids = []
    for job_id in job_ids:
        pid = os.fork()
        if pid == 0:  # the child: one import job, then out without running the parent's exit handlers
            code = 0
            try:
                import_run(ImportJob.objects.get(pk=job_id))
            except BaseException:  # noqa: BLE001 - reported by the exit status
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                connections.close_all()
                os._exit(code)
        pids.append(pid)
    failed = sum(1 for pid in pids if os.waitpid(pid, 0)[1] != 0)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    jobs = list(ImportJob.objects.filter(pk__in=job_ids))
    total, ok, bad = (sum(getattr(j, f) for j in jobs) for f in ("total", "ok", "failed"))
    errors = sum(len(j.errors) for j in jobs)
    print(f"import: {len(jobs)} jobs in {len(job_ids)} processes ({failed} crashed; states "
          f"{sorted({j.state for j in jobs})}), {total} rows ({ok} saved, {bad} with errors, {errors} errors "
          f"reported) in {wall:.1f} s wall, {cpu:.1f} s CPU (the processes together)")
    print(f"rows/s: {total / wall:.0f} (wall, {len(job_ids)} workers), {total / cpu:.0f} (per CPU-second)")
    print(f"peak memory (max RSS of one worker): {after.ru_maxrss / 1024:.0f} MB")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=600_000)
    parser.add_argument("--schools", type=int, default=364)
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the import to FILE and print its top 30")
    parser.add_argument("--workers", type=int, default=1, help="split by family into N jobs, each in a process (PostgreSQL)")
    parser.add_argument("--parallel", type=int, default=1,
                        help="one job whose run splits the rows over N processes (IMPORT_WORKERS; PostgreSQL)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
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
    if args.workers > 1 and connection.vendor != "postgresql":
        sys.exit("--workers needs PostgreSQL (SQLite has one writer at a time)")
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
        parts = split_by_family(path, args.workers) if args.workers > 1 else [path]
        jobs = []
        for part in parts:
            with open(part, "rb") as fh:
                jobs.append(import_start(importer_key="after_school.students", actor=admin, dry_run=False,
                                         file=SimpleUploadedFile("roster.csv", fh.read(), content_type="text/csv")))
    if args.workers > 1:
        run_parallel([j.pk for j in jobs])
        return
    job = jobs[0]
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()  # wall clock: on a loaded machine prefer py-spy's CPU samples
    wall, cpu = time.perf_counter(), _cpu()
    if profiler:
        profiler.enable()
    from tqdm import tqdm

    bar = tqdm(total=args.rows, unit="rows", disable=args.no_progress, mininterval=2, file=sys.stderr)

    def progress(j) -> None:
        bar.update(j.processed - bar.n)

    job = import_run(ImportJob.objects.get(pk=job.pk), workers=args.parallel, on_progress=progress)
    bar.close()
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    if profiler:
        import pstats

        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    print(f"import: {job.state}, {args.parallel} process(es), {job.total} rows ({job.ok} saved, {job.failed} with errors, "
          f"{len(job.errors)} errors reported) in {wall:.1f} s wall, {cpu:.1f} s CPU")
    print(f"rows/s: {job.total / wall:.0f} (wall), {job.total / cpu:.0f} (per CPU-second of this process and its parts)")
    print(f"peak memory (max RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"(of one part: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB)")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
