"""The database's cost per hot action, beside the least the action must write (issue 18).

    .venv/bin/python bench/db_cost.py [--n 300] [--db minsheng_db_cost] [--keep-db]

Creates a fresh PostgreSQL database (``--pg``/``--db``), migrates it and makes, with the tests'
factories, one school's first-come offering on five days with ``n`` guardians and children,
and a service point with a clerk signed on to a window and waiting tickets. Then, for the
application submit and the window's call-next:

- the real action, ``n`` times through its service in this process (``application_submit``,
  ``window_call_next``) on Django's connection;
- the pgbench script of the least it must write (``bench/pgbench/apply.sql``,
  ``call_next.sql``), ``n`` times on a connection of its own, statement by statement as
  pgbench sends them;

and prints, for each, statements per action (BEGIN and COMMIT included) and PostgreSQL CPU per
action: the serving backend's on-CPU time from ``/proc/<pid>/schedstat``, read before and after
each action (PostgreSQL must run on this machine; ``pg_stat_statements`` is not preloaded
here). Then pgbench itself runs each script (``-c 1 -t n``) for its own figure. Between two
calls the called ticket is finished outside the measured span. The goal of issue 18 is a ratio
≤ 1.5 for each. Figures, not tests: the machine's cores are shared, so CPU per action varies
by a few tens of per cent between runs.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRIPTS = ROOT / "bench" / "pgbench"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=300, help="actions of each kind")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db", default="minsheng_db_cost")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--no-analyze", action="store_true",
                   help="skip ANALYZE after the data is made (this server runs without autovacuum)")
    p.add_argument("--only", choices=["apply", "call-next"], help="measure one action only")
    p.add_argument("--explain", action="store_true",
                   help="also print EXPLAIN (ANALYZE, BUFFERS) of one more action's statements (rolled back)")
    return p.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.pg}/{ARGS.db}"
os.environ.setdefault("MINSHENG_ENV", "test")  # the tests' factories and fast password hashing
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import psycopg  # noqa: E402


def admin_sql(sql: str) -> None:
    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def cpu_ns(pid: int) -> int:
    """The backend's on-CPU time so far (ns)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


class Script:
    """A pgbench script run statement by statement on its own connection: ``:name`` variables,
    ``\\gset`` (the row's columns become variables), one statement per line."""

    def __init__(self, path: Path, variables: dict):
        self.path, self.vars = path, dict(variables)
        self.statements = [line.strip() for line in path.read_text().splitlines()
                           if line.strip() and not line.startswith("--")]
        self.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        self.pid = self.conn.execute("SELECT pg_backend_pid()").fetchone()[0]

    def run_once(self) -> int:
        for statement in self.statements:
            gset = statement.endswith("\\gset")
            sql = re.sub(r"(?<![:\w]):([a-z_]+)", lambda m: str(self.vars[m.group(1)]),
                         statement.removesuffix("\\gset").strip().rstrip(";"))
            cursor = self.conn.execute(sql)
            if gset:
                row = cursor.fetchone()
                self.vars.update(zip([c.name for c in cursor.description], row, strict=True))
        return len(self.statements)

    def measure(self, n: int) -> tuple[float, float]:
        """(statements per action, backend CPU ms per action)."""
        spent, statements = 0, 0
        for _ in range(n):
            before = cpu_ns(self.pid)
            statements += self.run_once()
            spent += cpu_ns(self.pid) - before
        return statements / n, spent / n / 1e6


def pgbench(script: Path, variables: dict, n: int) -> str:
    exe = shutil.which("pgbench")
    if exe is None:
        return "pgbench not installed"
    cmd = [exe, "-n", "-c", "1", "-t", str(n), "-f", str(script),
           *[f"-D{k}={v}" for k, v in variables.items()], os.environ["DATABASE_URL"]]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    tps = re.search(r"tps = ([\d.]+)", out.stdout)
    lat = re.search(r"latency average = ([\d.]+) ms", out.stdout)
    if out.returncode or not tps:
        return f"pgbench failed: {out.stderr.strip()[:300]}"
    return f"{float(tps.group(1)):.0f} transactions/s, latency {float(lat.group(1)):.2f} ms (-c 1 -t {n})"


def main():
    admin_sql(f'DROP DATABASE IF EXISTS "{ARGS.db}"')
    admin_sql(f'CREATE DATABASE "{ARGS.db}"')
    try:
        run()
    finally:
        from django.db import connections

        connections.close_all()
        if not ARGS.keep_db:
            admin_sql(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')


def run():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    import time_machine

    from minsheng.programs.after_school.tests import factories as asf
    from minsheng.programs.service_halls.tests.test_query_budgets import MONDAY_10

    n = ARGS.n
    pid = connection.cursor().connection.info.backend_pid
    from django.conf import settings

    print(f"db_cost: {n} actions of each kind, PostgreSQL backend CPU from /proc/<pid>/schedstat; "
          f"DB_PREPARE_THRESHOLD={getattr(settings, 'DB_PREPARE_THRESHOLD', '(no such setting)')}", flush=True)

    # --- the application submit -----------------------------------------------------------
    with time_machine.travel(asf.NOW, tick=True):
        if ARGS.only != "call-next":
            submits(n, pid)
    # --- the window's call-next -----------------------------------------------------------
    with time_machine.travel(MONDAY_10, tick=True):
        if ARGS.only != "apply":
            calls(n, pid)


def submits(n: int, pid: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.programs.after_school.services.applications import application_submit
    from minsheng.programs.after_school.tests import factories as asf

    school = asf.school()
    off = asf.offering(school, capacity=4 * n + 10)
    window = asf.window(school)
    families = [asf.guardian_with_child(school) for _ in range(n)]
    first = asf.person("脚本孩子").pk
    for _ in range(2 * n - 1):  # fresh children for the script's runs (contiguous ids)
        asf.person("脚本孩子")
    guardian = families[0][0].person.pk
    script_vars = {"offering": off.pk, "school": school.pk, "window": window.pk, "guardian": guardian,
                   "user": families[0][0].pk, "student_base": first - 1}
    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE perf_apply_seq")
    analyze()
    journey(families[: n // 2], off, pid)
    families = families[n // 2:]
    if ARGS.explain:
        user, child = families.pop()
        explain(lambda: application_submit(guardian_user=user, student_id=child.pk, offering_id=off.pk,
                                           weekdays=[0, 1, 2, 3, 4], idempotency_key="db-cost-explain"))
    statements = spent = 0
    per = PerStatement(pid)
    for i, (user, child) in enumerate(families):
        before = cpu_ns(pid)
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(per):
            application_submit(guardian_user=user, student_id=child.pk, offering_id=off.pk,
                               weekdays=[0, 1, 2, 3, 4], idempotency_key=f"db-cost-{i:08d}")
        spent += cpu_ns(pid) - before
        statements += len(queries)
    per.total = spent
    report("apply (application_submit)", statements / len(families), spent / len(families) / 1e6,
           *Script(SCRIPTS / "apply.sql", script_vars).measure(n))
    per.print(len(families))
    prepared("after_school_", "audit_", "identity_")
    print(f"  pgbench apply.sql: {pgbench(SCRIPTS / 'apply.sql', script_vars, n)}", flush=True)


def calls(n: int, pid: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.programs.service_halls.models import Ticket
    from minsheng.programs.service_halls.services.calling import window_call_next
    from minsheng.programs.service_halls.tests import factories as shf

    point, clerk, w = shf.staffed_window(waiting=3 * n)
    analyze()
    if ARGS.explain:
        explain(lambda: window_call_next(window_id=w.pk, clerk=clerk))
    statements = spent = 0
    per = PerStatement(pid)
    for _ in range(n):
        before = cpu_ns(pid)
        with CaptureQueriesContext(connection) as queries, connection.execute_wrapper(per):
            ticket = window_call_next(window_id=w.pk, clerk=clerk)
        spent += cpu_ns(pid) - before
        statements += len(queries)
        per.total += cpu_ns(pid) - before
        Ticket.objects.filter(pk=ticket.pk).update(state="done")  # not measured: frees the window
    script_vars = {"point": point.pk, "window": w.pk, "user": clerk.pk}
    report("call-next (window_call_next)", statements / n, spent / n / 1e6,
           *Script(SCRIPTS / "call_next.sql", script_vars).measure(n))
    per.print(n)
    prepared("service_halls_", "audit_")
    print(f"  pgbench call_next.sql: {pgbench(SCRIPTS / 'call_next.sql', script_vars, n)}", flush=True)


def outermost(sql: str) -> str:
    """'VERB table' of a statement, the table of its outermost FROM/INTO/UPDATE (not a subquery's)."""
    depth, top = 0, []
    for ch in sql:
        depth += (ch == "(") - (ch == ")")
        top.append(ch if depth == 0 and ch != ")" else "")
    table = re.search(r'(?:FROM|INTO|UPDATE) "(\w+)"', "".join(top))
    return f"{sql.split()[0]} {table.group(1) if table else ''}".strip()


class PerStatement:
    """A Django execute wrapper adding up the backend's CPU per statement kind (verb, outermost
    table); ``total`` (set by the caller) less their sum is the transaction control (BEGIN,
    COMMIT with its deferred foreign-key checks) and what the backend does between statements."""

    def __init__(self, pid: int):
        self.pid, self.cpu, self.total = pid, {}, 0

    def __call__(self, execute, sql, params, many, context):
        before = cpu_ns(self.pid)
        try:
            return execute(sql, params, many, context)
        finally:
            key = outermost(sql)
            self.cpu[key] = self.cpu.get(key, 0) + cpu_ns(self.pid) - before

    def print(self, n: int) -> None:
        rest = self.total - sum(self.cpu.values())
        print("  by statement (ms/action): " + ", ".join(
            f"{k} {v / n / 1e6:.3f}" for k, v in sorted(self.cpu.items(), key=lambda kv: -kv[1]))
            + f"; BEGIN/COMMIT and the rest {rest / n / 1e6:.3f}", flush=True)


def prepared(*tables: str) -> None:
    """The statements on ``tables`` (name prefixes) that PostgreSQL holds prepared for Django's
    connection (DB_PREPARE_THRESHOLD), with how often each ran on a generic plan (not planned
    again) or on a custom one."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
                       " WHERE generic_plans + custom_plans > 20 ORDER BY statement")
        rows = cursor.fetchall()
    if rows:
        print("  prepared (generic/custom plans): " + ", ".join(
            f"{outermost(sql)} {g}/{c}" for sql, g, c in rows
            if outermost(sql).split()[-1].startswith(tables)), flush=True)


def analyze() -> None:
    """Statistics, as autovacuum keeps them in production (this server runs without it: the
    tables just filled would otherwise be planned as nearly empty). ``--no-analyze`` skips it."""
    if ARGS.no_analyze:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def explain(action) -> None:
    """Run ``action`` once in a transaction rolled back at the end, printing before each of its
    statements that statement's EXPLAIN (ANALYZE, BUFFERS), itself rolled back to a savepoint."""
    from django.db import connection, transaction

    def show(execute, sql, params, many, context):
        if sql.startswith(("SELECT", "UPDATE", "INSERT", "DELETE")):
            cursor = context["cursor"]
            # Server-side binding cursors (DB_PREPARE_THRESHOLD) have no mogrify: print the
            # statement and its parameters apart.
            print(f"---- {outermost(sql)}\n{sql}\n  params: {params}")
            cursor.execute("SAVEPOINT explain")
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))
            cursor.execute("ROLLBACK TO SAVEPOINT explain")
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(show):
            action()
        transaction.set_rollback(True)


def journey(families, off, pid: int) -> None:
    """The rush's two steps in this process, through HTTP (Django's test client; no network):
    each guardian's first request opens the application page (GET /children), then submits.
    Wall-clock ms and statements per request, and the backend's CPU."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = []
    for user, _child in families:
        client = Client()
        client.force_login(user)
        clients.append(client)
    steps = {"page GET /api/v1/after_school/children": [], "submit POST /api/v1/after_school/applications": []}
    for i, (client, (_user, child)) in enumerate(zip(clients, families, strict=True)):
        body = json.dumps({"student": child.pk, "offering": off.pk, "weekdays": [0, 1, 2, 3, 4]})
        for name, call in (
            ("page GET /api/v1/after_school/children", lambda c=client: c.get("/api/v1/after_school/children")),
            ("submit POST /api/v1/after_school/applications", lambda c=client, b=body, k=f"journey-{i:08d}": c.post(
                "/api/v1/after_school/applications", b, content_type="application/json",
                headers={"Idempotency-Key": k})),
        ):
            before, t = cpu_ns(pid), time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = call()
            assert response.status_code in (200, 201), response.content[:300]
            steps[name].append((time.perf_counter() - t, len(queries), cpu_ns(pid) - before))
    for name, rows in steps.items():
        k = len(rows)
        print(f"{name} (in process, {k} guardians, each page the session's first request): "
              f"{sum(r[0] for r in rows) / k * 1000:.1f} ms/request wall, {sum(r[1] for r in rows) / k:.1f} "
              f"statements, PostgreSQL CPU {sum(r[2] for r in rows) / k / 1e6:.3f} ms", flush=True)


def report(action: str, statements: float, cpu_ms: float, script_statements: float, script_cpu_ms: float):
    print(f"{action}: {statements:.1f} statements/action, PostgreSQL CPU {cpu_ms:.3f} ms/action; "
          f"pgbench script: {script_statements:.1f} statements, {script_cpu_ms:.3f} ms; "
          f"ratio statements {statements / script_statements:.2f}, CPU {cpu_ms / script_cpu_ms:.2f} "
          f"(goal ≤ 1.5)", flush=True)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"({time.perf_counter() - t0:.0f} s)")
