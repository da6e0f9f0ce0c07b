"""Home care at city scale: monthly settlement, the daily rollup and the supervisor's pages.

    .venv/bin/python bench/elderly_care_settlement.py [--scale 1] [--total 10000000]
        [--grow-seconds 600] [--repeat 30] [--db minsheng_ec_bench] [--keep]

Prints figures, never asserts timing. Creates its own PostgreSQL database (``--db`` on
127.0.0.1:5432; dropped at the end unless ``--keep``), migrates it, builds the foundation at
scale 0.01 (regions, providers, staff) and the elderly_care demo at ``--scale`` (1 = ~150,000
elders, ~700,000 visits over three months, anomalies detected by the real detector, the
month before last settled). Then, at that size:

1. ``settlement_run`` for last month, the whole city (goal: under a minute);
2. ``rollup_refresh`` over the demo's three months (the dashboard reads the daily rollup);
3. the supervisor's pages through Django's test Client, signed in as a city supervisor —
   the dashboard (default range and twelve months) and the anomaly review list — p50/p95
   over ``--repeat`` requests, each beside the raw SQL the page needs (hand-written as well
   as we can), the two run in turn so that both see the same load (goal: page within 2×
   its raw query), plus the same figures straight from the work orders (what the page
   would cost without the rollup) and the request floor: the dashboard for a range
   without data (session, user, role check, top bar, layout), measured alongside.

Then it grows the table to ``--total`` visits with COPY: older months (already settled, on
approved statements) going back from the demo's first month, stopping early after
``--grow-seconds`` and saying so; last month is un-settled again and steps 1–3 are repeated
(with a full rebuild of the rollup over all months).
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--db", default="minsheng_ec_bench")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--scale", type=float, default=1.0, help="elderly_care demo scale")
    p.add_argument("--total", type=int, default=10_000_000, help="visits for the large run")
    p.add_argument("--grow-seconds", type=float, default=600)
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--seed", type=int, default=20261126)
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument(
        "--redis",
        default="redis://127.0.0.1:6379/0",
        help="cache for sessions and the per-user cache, as in production ('' = the embedded"
        " file cache)",
    )
    p.add_argument(
        "--reuse", action="store_true", help="measure a database kept with --keep (no build)"
    )
    return p.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.pg}/{ARGS.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["RATE_LIMITS_ENABLED"] = "0"
os.environ.setdefault("MINSHENG_VAR_DIR", "/tmp/minsheng_ec_bench_var")
if ARGS.redis:
    os.environ["REDIS_URL"] = ARGS.redis

RESULTS: list[tuple[str, str, str, str, str]] = []  # size, what, figure, beside, ratio


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def admin_conn():
    import psycopg

    return psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True)


def fresh_database() -> None:
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.db}"')


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with admin_conn() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')


def timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return time.perf_counter() - t, out


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs)) - 1))]


def repeat(fn, n: int) -> tuple[float, float]:
    fn()  # warm
    xs = [timed(fn)[0] for _ in range(n)]
    return statistics.median(xs), pct(xs, 95)


def alternate(fns: dict, n: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 of each function, run in turn n times (each sees the same load)."""
    for fn in fns.values():
        fn()  # warm
    xs: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(n):
        for k, fn in fns.items():
            xs[k].append(timed(fn)[0])
    return {k: (statistics.median(v), pct(v, 95)) for k, v in xs.items()}


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


# --- building ---------------------------------------------------------------
def build_demo():
    from django.core.management import call_command
    from django.db import transaction

    from minsheng.demo.context import DemoContext
    from minsheng.demo.services import demo_build
    from minsheng.programs.elderly_care import demo

    call_command("migrate", verbosity=0, skip_checks=True)
    secs, _ = timed(
        demo_build, scale=0.01, seed=ARGS.seed, only=["foundation"], show_progress=False
    )
    log(f"foundation (scale 0.01) built in {secs:.1f} s")
    ctx = DemoContext(scale=ARGS.scale, seed=ARGS.seed, part="elderly_care", show_progress=False)
    with transaction.atomic():
        secs, counts = timed(demo.run, ctx)
    log(f"elderly_care demo (scale {ARGS.scale}) built in {secs:.1f} s: {counts}")
    RESULTS.append(("demo", "elderly_care demo build", f"{secs:.1f} s", "", ""))
    return counts


def supervisor():
    from minsheng.access.models import Organisation, Role, RoleAssignment
    from minsheng.identity.models import User

    Role.objects.get_or_create(code="supervisor", defaults={"title": "supervisor"})
    u = User.objects.create(username="ec-bench-supervisor", name="督查", is_staff=True)
    org = Organisation.objects.filter(region_id="320700").order_by("id").first()
    RoleAssignment.objects.create(
        user=u, role_id="supervisor", organisation=org, region_id="320700"
    )
    return u


def grow(total: int, first_month: date) -> tuple[int, int]:
    """COPY older, settled months of visits until the table holds ``total`` (or time is up)."""
    from django.db import connection

    from minsheng.programs.elderly_care.demo_visits import (
        WORK_ORDER_COLUMNS,
        _months_back,
        copy_rows,
        next_id,
    )
    from minsheng.programs.elderly_care.models import SettlementStatement, WorkOrder

    rng = random.Random(ARGS.seed)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT elder_id, region_id, provider_id, caregiver_id, service_id, planned_minutes,"
            " unit_price, quantity FROM elderly_care_workorder WHERE status = 'verified'"
            " ORDER BY random() LIMIT 200000"
        )
        pool = cur.fetchall()
        cur.execute("SELECT count(*) FROM elderly_care_workorder")
        have = cur.fetchone()[0]
    per_month = max(1, have // 3)
    tz = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    slots = [dtime(7, 30), dtime(9, 30), dtime(11, 30), dtime(14, 0), dtime(16, 0)]
    started = time.perf_counter()
    k, cols = 1, WORK_ORDER_COLUMNS
    c = {n: i for i, n in enumerate(cols)}
    while have < total and time.perf_counter() - started < ARGS.grow_seconds:
        month = _months_back(first_month, k)
        nxt = _months_back(month, -1)
        n_days = (nxt - month).days
        providers = sorted({r[2] for r in pool})
        statements = SettlementStatement.objects.bulk_create(
            [SettlementStatement(provider_id=p, month=month, status="approved") for p in providers]
        )
        st = {s.provider_id: s.pk for s in statements}
        n = min(per_month, total - have)
        oid = next_id(WorkOrder)

        def rows(n=n, month=month, n_days=n_days, oid=oid, st=st):
            for i in range(n):
                e, reg, prov, cg, svc, planned, price, qty = pool[rng.randrange(len(pool))]
                day = month + timedelta(days=rng.randrange(n_days))
                start = datetime.combine(day, slots[rng.randrange(5)], tzinfo=tz)
                served = planned + rng.randint(-2, 10)
                out = start + timedelta(minutes=served)
                row = [None] * len(cols)
                row[c["id"]] = oid + i
                row[c["created_at"]] = start - timedelta(days=7)
                row[c["updated_at"]] = out
                row[c["elder_id"]], row[c["region_id"]], row[c["provider_id"]] = e, reg, prov
                row[c["caregiver_id"]], row[c["service_id"]] = cg, svc
                row[c["on_request"]] = False
                row[c["planned_start"]], row[c["planned_minutes"]] = start, planned
                row[c["status"]] = "verified"
                row[c["checked_in_at"]], row[c["checked_out_at"]] = start, out
                row[c["check_in_distance_m"]] = 30.0
                row[c["minutes_served"]] = served
                row[c["checklist_done"]] = []
                row[c["confirm_code_hash"]], row[c["confirm_attempts"]] = "", 0
                row[c["confirmed_by"]], row[c["confirmed_at"]] = "signature", out
                row[c["quantity"]], row[c["unit_price"]] = qty, price
                row[c["amount"]] = (price * qty).quantize(Decimal("0.01"))
                row[c["statement_id"]] = st[prov]
                yield row

        with __import__("django.db", fromlist=["transaction"]).transaction.atomic():
            copy_rows(WorkOrder, cols, rows())
        have += n
        k += 1
        log(f"  grown to {have:,} visits ({month:%Y-%m}), {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    secs = time.perf_counter() - started
    note = "" if have >= total else f"stopped after {ARGS.grow_seconds:.0f} s"
    RESULTS.append(("grow", f"COPY to {have:,} visits", f"{secs:.0f} s", note, ""))
    return have, k - 1


# --- measuring --------------------------------------------------------------
# The raw SQL each page needs, written as well as we can by hand: one pass over the rollup
# grouped by district × provider, then the names of the few groups (joining the names
# first made PostgreSQL hash all 49,512 regions: 10× slower, and a flattering baseline).
DASH_SQL = """
WITH g AS MATERIALIZED (
  SELECT district_id, provider_id, sum(visits) AS visits, sum(verified) AS verified,
         sum(minutes) AS minutes, sum(spend) AS spend, sum(anomalies) AS anomalies
    FROM elderly_care_dailyrollup
   WHERE day BETWEEN %(lo)s AND %(hi)s AND district_id LIKE '3207%%'
   GROUP BY district_id, provider_id)
SELECT 't', NULL, sum(visits), sum(verified), sum(minutes), sum(spend), sum(anomalies) FROM g
UNION ALL
(SELECT 'd', (SELECT name FROM regions_region WHERE code = district_id), sum(visits),
        sum(verified), sum(minutes), sum(spend), sum(anomalies)
   FROM g GROUP BY district_id ORDER BY district_id)
UNION ALL
(SELECT 'p', (SELECT name FROM access_organisation WHERE id = provider_id), sum(visits),
        sum(verified), sum(minutes), sum(spend), sum(anomalies)
   FROM g GROUP BY provider_id ORDER BY 6 DESC NULLS LAST LIMIT 50)
"""

RAW_ORDERS_SQL = """
SELECT substr(w.region_id, 1, 6), w.provider_id, count(*),
       count(*) FILTER (WHERE w.status = 'verified'),
       sum(w.minutes_served) FILTER (WHERE w.status = 'verified'),
       sum(w.amount) FILTER (WHERE w.status = 'verified'),
       (SELECT count(*) FROM elderly_care_anomaly a JOIN elderly_care_workorder x
          ON x.id = a.work_order_id WHERE x.planned_start >= %(lo)s AND x.planned_start < %(hi)s)
  FROM elderly_care_workorder w
 WHERE w.planned_start >= %(lo)s AND w.planned_start < %(hi)s
 GROUP BY 1, 2
"""

# The first page of open anomalies with the names the list shows (names by scalar
# subquery: joining five more tables cost PostgreSQL more planning than running; the
# timestamps as text, since Django's timestamptz loader parses each in Python and cost
# more CPU than the query — the page reads them the same way).
ANOMALY_SQL = """
SELECT a.id, a.kind, a.detail, CAST(a.created_at AS TEXT), a.work_order_id,
       CAST(w.planned_start AS TEXT),
       (SELECT p.name FROM elderly_care_elder e JOIN identity_person p ON p.id = e.person_id
         WHERE e.id = w.elder_id),
       (SELECT o.name FROM access_organisation o WHERE o.id = w.provider_id),
       (SELECT u.name FROM elderly_care_caregiver c JOIN identity_user u ON u.id = c.user_id
         WHERE c.id = w.caregiver_id)
  FROM elderly_care_anomaly a
  JOIN elderly_care_workorder w ON w.id = a.work_order_id
 WHERE a.status = 'open' AND w.region_id LIKE '3207%%'
 ORDER BY a.created_at DESC, a.id DESC LIMIT 200
"""


def sql_runner(sql: str, params: dict):
    from django.db import connection

    def run():
        with connection.cursor() as cur:
            cur.execute(sql, params)
            cur.fetchall()

    return run


def page_runner(client, url: str):
    def run():
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)

    return run


def measure(size: str, user, *, today: date, last_month: date, months_total: int) -> None:
    from django.db import connection

    from minsheng.programs.elderly_care.demo import FUTURE_DAYS, _months_back
    from minsheng.programs.elderly_care.models import WorkOrder
    from minsheng.programs.elderly_care.services.settlement import rollup_refresh, settlement_run

    tz = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    month_visits = WorkOrder.objects.filter(
        planned_start__gte=datetime.combine(last_month, dtime.min, tzinfo=tz),
        planned_start__lt=datetime.combine(_months_back(last_month, -1), dtime.min, tzinfo=tz),
    ).count()
    secs, out = timed(settlement_run, month=last_month)
    log(f"{size}: settlement {last_month:%Y-%m}: {secs:.2f} s, {len(out['statements'])} statements")
    RESULTS.append(
        (
            size,
            f"settlement_run {last_month:%Y-%m} ({month_visits:,} visits)",
            f"{secs:.2f} s",
            "goal < 60 s",
            "",
        )
    )
    secs2, again = timed(settlement_run, month=last_month)
    RESULTS.append((size, "settlement_run again (nothing new)", f"{secs2:.2f} s", "", ""))

    start3 = _months_back(today, 2)
    end = today + timedelta(days=FUTURE_DAYS)
    secs, n = timed(rollup_refresh, start=start3, end=end)
    RESULTS.append((size, f"rollup_refresh 3 months ({n:,} rows)", f"{secs:.2f} s", "", ""))
    if months_total > 4:
        first = _months_back(today, months_total - 1)
        secs, n = timed(rollup_refresh, start=first, end=end)
        RESULTS.append(
            (
                size,
                f"rollup_refresh all {months_total} months ({n:,} rows)",
                f"{secs:.2f} s",
                "",
                "",
            )
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE elderly_care_dailyrollup")

    measure_pages(size, user, today=today)


def page_statements(client, url: str) -> list[tuple[str, object]]:
    """The statements a page runs once warm (session and account from the cache)."""
    from django.db import connection

    page_runner(client, url)()
    seen: list[tuple[str, object]] = []

    def record(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page_runner(client, url)()
    return seen


def statements_runner(statements: list[tuple[str, object]]):
    """The page's own SQL, run as it ran: the same statements and parameters, rows fetched."""
    from django.db import connection

    def run():
        with connection.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)
                cur.fetchall()

    return run


def p5095(t: tuple[float, float]) -> str:
    return f"{t[0] * 1000:.1f} / {t[1] * 1000:.1f} ms"


def measure_pages(size: str, user, *, today: date) -> None:
    """Each page beside the SQL it runs, the hand-written SQL and the live aggregate.

    Every figure is p50 / p95 over ``--repeat`` runs; the page, its SQL, the hand-written
    SQL and the floors run in turn so they see the same load. Ratios are p95 over p95.
    """
    from django.test import Client

    from minsheng.programs.elderly_care.demo import _months_back

    tz = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")
    client = Client()
    client.force_login(user)
    # The request floor: the dashboard for a range without data — session, account, role
    # check, top bar (unread count) and layout, with its (empty) rollup read. Beside it the
    # bare signed-in layout: the portal home, which reads nothing of its own.
    floor_url = "/p/elderly_care/dashboard/?start=2099-01-01&end=2099-01-02"
    floor = page_runner(client, floor_url)
    home = page_runner(client, "/")
    floor_sql = page_statements(client, floor_url)
    home_sql = page_statements(client, "/")
    default_lo = today.replace(day=1) - timedelta(days=60)
    year_lo = _months_back(today, 11)
    floors = []
    pages = [
        ("dashboard, default range", default_lo),
        ("dashboard, 12 months", year_lo),
        ("anomaly list (200 open)", None),
    ]
    for label, lo in pages:
        if lo is None:
            url, hand = "/p/elderly_care/anomalies/", sql_runner(ANOMALY_SQL, {})
            hand_label = "hand-written SQL"
        else:
            url = f"/p/elderly_care/dashboard/?start={lo:%Y-%m-%d}&end={today:%Y-%m-%d}"
            hand = sql_runner(DASH_SQL, {"lo": lo, "hi": today})
            hand_label = "hand-written rollup SQL"
        own = page_statements(client, url)
        t = alternate(
            {
                "page": page_runner(client, url),
                "own": statements_runner(own),
                "hand": hand,
                "floor": floor,
                "home": home,
            },
            ARGS.repeat,
        )
        floors.append((t["floor"], t["home"]))
        pg = t["page"]
        log(f"{size}: {label}: page {p5095(pg)}, its SQL {p5095(t['own'])}")
        RESULTS.append((size, f"{label}: page p50 / p95", p5095(pg), "", ""))
        RESULTS.append(
            (
                size,
                f"  (a) the SQL the page runs ({len(own)} statements)",
                p5095(t["own"]),
                "page p95 / its SQL p95",
                f"{pg[1] / t['own'][1]:.1f}×",
            )
        )
        RESULTS.append(
            (
                size,
                f"  {hand_label}",
                p5095(t["hand"]),
                "page p95 / this p95",
                f"{pg[1] / t['hand'][1]:.1f}×",
            )
        )
        if lo is not None:
            params = {
                "lo": datetime.combine(lo, dtime.min, tzinfo=tz),
                "hi": datetime.combine(today + timedelta(days=1), dtime.min, tzinfo=tz),
            }
            live = repeat(sql_runner(RAW_ORDERS_SQL, params), max(3, ARGS.repeat // 10))
            RESULTS.append(
                (
                    size,
                    "  (b) the same, live from the work orders (no rollup)",
                    p5095(live),
                    "page p95 / this p95",
                    f"{pg[1] / live[1]:.3f}×",
                )
            )
        own50 = pg[0] - t["floor"][0]
        RESULTS.append(
            (
                size,
                "  page − floor (p50), beside its SQL (p50)",
                ms(own50),
                f"its SQL p50 {ms(t['own'][0])}",
                f"{own50 / t['own'][0]:.1f}×",
            )
        )
    RESULTS.append(
        (
            size,
            f"request floor (empty dashboard, {len(floor_sql)} statement)",
            " · ".join(p5095(f) for f, _h in floors),
            "beside each page above",
            "",
        )
    )
    RESULTS.append(
        (
            size,
            f"signed-in layout only (portal home, {len(home_sql)} statements)",
            " · ".join(p5095(h) for _f, h in floors),
            "beside each page above",
            "",
        )
    )


def unsettle(last_month: date) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "UPDATE elderly_care_workorder SET statement_id = NULL WHERE statement_id IN"
            " (SELECT id FROM elderly_care_settlementstatement WHERE month = %s)",
            [last_month],
        )
        cur.execute("DELETE FROM elderly_care_settlementstatement WHERE month = %s", [last_month])


def main() -> None:
    import django

    if not ARGS.reuse:
        fresh_database()
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from minsheng.programs.elderly_care.demo import MONTHS, _months_back

    settings.ALLOWED_HOSTS = ["*"]
    # No collectstatic for a benchmark: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    print(f"cache: {settings.CACHES['default']['BACKEND']}; load {os.getloadavg()}", flush=True)
    try:
        if ARGS.reuse:
            # Pages only, on a database kept with --keep: no build, no settlement, no growth.
            from minsheng.identity.models import User

            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM elderly_care_workorder")
                n = cur.fetchone()[0]
            log(f"measuring the pages at {n:,} visits (kept database {ARGS.db})")
            today = timezone.localdate()
            user = User.objects.get(username="ec-bench-supervisor")
            measure_pages(f"{n / 1e6:.2f}M", user, today=today)
            return
        counts = build_demo()
        user = supervisor()
        today = timezone.localdate()
        last_month = _months_back(today, 1)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
            cur.execute("SELECT count(*) FROM elderly_care_workorder")
            n = cur.fetchone()[0]
        size = f"{n / 1e6:.2f}M"
        log(f"measuring at {n:,} visits ({counts.get('anomalies')} anomalies)")
        measure(size, user, today=today, last_month=last_month, months_total=MONTHS)
        first_month = _months_back(today, MONTHS - 1)
        grown, added = grow(ARGS.total, first_month)
        unsettle(last_month)
        months_total = MONTHS + added
        measure(
            f"{grown / 1e6:.2f}M",
            user,
            today=today,
            last_month=last_month,
            months_total=months_total,
        )
    finally:
        print()
        print(f"load average at the end: {os.getloadavg()}")
        print(f"{'size':<7} {'what':<62} {'figure':>21}  {'beside':<26} ratio")
        for row in RESULTS:
            print(f"{row[0]:<7} {row[1]:<62} {row[2]:>21}  {row[3]:<26} {row[4]}")
        if not ARGS.keep and not ARGS.reuse:
            drop_database()


if __name__ == "__main__":
    main()
