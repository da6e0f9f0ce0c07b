"""Service halls under load: queue calling over HTTP, display fan-out, city-wide coverage.

    .venv/bin/python bench/service_halls_queue.py [--tickets 3000] [--concurrency 32]
        [--workers 4] [--points 4] [--windows 8] [--displays 500] [--no-coverage]

Prints figures; asserts nothing about timing. Loopback only, bounded loops.

Creates a fresh PostgreSQL database (``--db``, default minsheng_bench_halls on
127.0.0.1:5432; dropped at the end unless ``--keep``), migrates it and sets up
service points, business types, windows and signed-on clerks through the services.
The server runs as deployed: granian in WSGI mode (``--workers`` processes × ``--threads``) with
MINSHENG_ENV=production, generated secrets, REDIS_URL (``--redis``, default db 14).

The server runs the platform's URLs plus the bare view (bench/service_halls_bare_urls.py)
in the same granian workers, and the measured workloads take turns with the bare view in
``--passes`` passes, so a change in the machine's load (the cores are shared) moves the
ceiling and the figures beside it alike:

1. issue: ``--tickets`` anonymous kiosk POSTs (/p/service_halls/kiosk/<id>/, CSRF
   cookie + token) at ``--concurrency``, spread over the points and business types;
2. call-next alone: ``--single-call-windows`` windows calling one number each, every
   window's token having made one untimed request first (``--cold`` skips that);
3. bare: as many requests to a bare Django view doing one INSERT (same settings and
   middleware, same workers, same concurrency), in two turns per pass — one after the
   issue turn, one after the call-next turn; each pass prints its own ratios;
   then call-next + no-show: one client per window (``--points`` × ``--windows``), each looping
   POST /api/v1/service_halls/windows/<id>/call-next (token auth) then …/skip until
   the queue is empty; then the database is checked: no number issued twice at a
   point on a day, no ticket called twice (two "called" events or two windows);
4. fan-out: ``--displays`` SSE clients (asyncio, raw sockets) on one hall's
   /p/service_halls/display/<id>/events, served by granian in ASGI mode (one
   process, as deployed) subscribed to Redis (the display bus); ``--rounds`` calls, each timed from
   the start of window_call_next to each screen receiving the event;
5. coverage: the demo generator's places (communities with populations and
   centres) and the service-halls demo's points and synthetic road network at
   ``--scale``, then coverage_recompute() (network mode) and the estimate mode.
"""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="minsheng_bench_halls")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    p.add_argument("--tickets", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--threads", type=int, default=2,
                   help="threads per worker, as deployed (minsheng up --threads): each holds a connection")
    p.add_argument("--points", type=int, default=4)
    p.add_argument("--windows", type=int, default=8, help="windows per point (one client each)")
    p.add_argument("--single-call-windows", type=int, default=1536,
                   help="windows that call one number each: call-next measured alone")
    p.add_argument("--cold", action="store_true",
                   help="call-next alone: no signed-in request per window before its one call")
    p.add_argument("--passes", type=int, default=3,
                   help="turns of issue / bare / call-next / bare (see the module docstring)")
    p.add_argument("--displays", type=int, default=500)
    p.add_argument("--rounds", type=int, default=5, help="calls timed during the fan-out")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--no-coverage", action="store_true")
    p.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    p.add_argument("--port", type=int, default=0, help="0: pick a free loopback port")
    return p.parse_args()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ARGS = parse_args()
PORT = ARGS.port or free_port()
VAR = Path("/tmp/minsheng_bench_halls_var")
VAR.mkdir(parents=True, exist_ok=True)
os.environ.update({
    "DATABASE_URL": f"{ARGS.pg}/{ARGS.db}",
    "REDIS_URL": ARGS.redis,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "MINSHENG_ENV": "production",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "RATE_LIMITS_ENABLED": "0",
    "MINSHENG_VAR_DIR": str(VAR),
    "LOG_LEVEL": "ERROR",
    # generated for this run; the same in this process and the servers (encrypted fields)
    "SECRET_KEY": secrets.token_urlsafe(50),
    "MINSHENG_FIELD_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    "MINSHENG_HASH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
})


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else 0.0


# --- database and fixtures ----------------------------------------------------------
def fresh_database(drop_only=False):
    import psycopg

    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{ARGS.db}"')


def setup():
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minsheng.access.models import Organisation, Role, RoleAssignment
    from minsheng.identity.models import User
    from minsheng.identity.services import api_token_issue
    from minsheng.programs.service_halls.models import BusinessType, Window
    from minsheng.programs.service_halls.services.points import point_create
    from minsheng.programs.service_halls.services.windows import window_sign_on
    from minsheng.regions.services import regions_load

    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    if not (VAR / "static" / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)  # production: manifest storage
    regions_load()
    print(f"migrated, regions loaded in {time.monotonic() - t0:.0f} s", flush=True)
    from minsheng.regions.models import Region

    county = Region.objects.get(code="320706")
    role, _c = Role.objects.get_or_create(code="window_clerk", defaults={"title": "窗口人员"})
    types = [BusinessType.objects.create(code=f"bench-{p}", name=f"压测业务{p}", prefix=p, typical_minutes=8)
             for p in "XYZ"]  # letters the demo halls do not use (prefixes are unique)
    points, windows = [], []
    for i in range(ARGS.points):
        org = Organisation.objects.create(name=f"压测医保服务站{i}", kind="service_point", region=county)
        point = point_create(organisation=org, name=org.name, level="town_station", region=county,
                                      latitude=34.6 + i / 100, longitude=119.2, business_types=types)
        points.append(point)
        for n in range(1, ARGS.windows + 1):
            w = Window.objects.create(point=point, number=n)
            w.business_types.set(types)
            clerk = User.objects.create_user(username=f"bench_clerk_{i}_{n}", name="窗口人员",
                                             password=secrets.token_urlsafe(12), is_staff=True)
            RoleAssignment.objects.create(user=clerk, role=role, organisation=org, region=county)
            window_sign_on(window=w, clerk=clerk)
            windows.append({"id": w.pk, "point": point.pk, "token": api_token_issue(user=clerk), "clerk": clerk.pk})
    # "call-next alone": more windows, each calling exactly one number, so the server
    # serves call-next requests only (a window cannot call again until its number is
    # finished or marked a no-show). Made in bulk — the same rows window_sign_on and
    # api_token_issue write, without their per-row audit.
    single = []
    per_point = ARGS.single_call_windows // max(1, ARGS.points)
    for i, point in enumerate(points):
        org = point.organisation
        users = User.objects.bulk_create([
            User(username=f"bench_single_{i}_{n}", name="窗口人员", is_staff=True, password="!")
            for n in range(per_point)])
        tokens = [api_token_issue(user=u) for u in users]
        for user, token in zip(users, tokens, strict=True):
            user.api_token_hash = hashlib.sha256(token.encode()).hexdigest()
        User.objects.bulk_update(users, ["api_token_hash"])
        RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=role, organisation=org, region=county)
                                            for u in users])
        made = Window.objects.bulk_create([Window(point=point, number=ARGS.windows + 1 + n, clerk=u, is_open=True)
                                           for n, u in enumerate(users)])
        Window.business_types.through.objects.bulk_create([
            Window.business_types.through(window_id=w.pk, businesstype_id=t.pk) for w in made for t in types])
        single += [{"id": w.pk, "point": point.pk, "token": t, "clerk": u.pk}
                   for w, u, t in zip(made, users, tokens, strict=True)]
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_halls_bare (id bigserial primary key, point_id bigint, client text,"
                    " at timestamptz)")
    print(f"set up {len(points)} points × {ARGS.windows} windows, {len(types)} business types, "
          f"{len(windows)} signed-on clerks (+{len(single)} single-call windows) in {time.monotonic() - t0:.0f} s",
          flush=True)
    return points, types, windows, single


# --- servers ---------------------------------------------------------------------------
def start_server(app, *, interface="wsgi", workers=None, extra_path="", settings_module="config.settings"):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), extra_path) if p),
           "DJANGO_SETTINGS_MODULE": settings_module}
    cmd = [str(ROOT / ".venv/bin/granian"), "--interface", interface, "--host", "127.0.0.1", "--port", str(PORT),
           "--workers", str(workers or ARGS.workers), app]
    if interface == "wsgi":
        cmd[-1:-1] = ["--blocking-threads", str(ARGS.threads)]
    # stderr to a file, never an undrained pipe: a full pipe stalls the workers
    log = open(VAR / f"server-{interface}.log", "ab")  # noqa: SIM115 — closed with the process
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)
    proc.log_path = log.name
    # Up to four minutes: on the shared cores at load ~20 four workers importing Django took more
    # than the one minute this waited before (2026-12-07, rush18).
    for _ in range(480):
        if proc.poll() is not None:
            break
        try:
            c = HTTPConnection("127.0.0.1", PORT, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("server did not start: " + Path(proc.log_path).read_text(errors="replace")[-2000:])


def stop_server(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# --- HTTP client: a keep-alive connection per thread -------------------------------------
_local = threading.local()


def request(method, path, body=None, headers=None):
    for attempt in range(2):
        try:
            if getattr(_local, "conn", None) is None:
                _local.conn = HTTPConnection("127.0.0.1", PORT, timeout=60)
            t = time.perf_counter()
            _local.conn.request(method, path, body=body, headers=headers or {})
            r = _local.conn.getresponse()
            data = r.read()
            return r.status, data, time.perf_counter() - t, r.getheader("Location", "")
        except OSError as exc:  # a dropped keep-alive connection: reconnect once
            _local.conn = None
            if attempt:
                return 0, str(exc).encode(), 0.0, ""


def drive(calls, concurrency):
    t = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda call: call(), calls))
    return results, time.perf_counter() - t


def summary(name, results, elapsed, ok=(200, 201, 302)):
    lat = [r[2] for r in results if r[0] in ok]
    statuses = Counter(r[0] for r in results)
    return {"name": name, "requests": len(results), "ok": len(lat), "seconds": elapsed,
            "per_s": len(results) / elapsed, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
            "statuses": dict(statuses)}


def kiosk_calls(points, types):
    """Every kiosk POST of the run, in order: (warm-up calls, measured calls)."""
    csrf = secrets.token_hex(16)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"}

    def one(i):
        point, biz = points[i % len(points)], types[(i // len(points)) % len(types)]
        body = f"csrfmiddlewaretoken={csrf}&business={biz.pk}"
        return lambda: request("POST", f"/p/service_halls/kiosk/{point.pk}/", body, headers)

    warm = ARGS.concurrency * 2
    return [one(i) for i in range(warm)], [one(warm + i) for i in range(ARGS.tickets)]


def issue_warm(warm_calls):
    """Not measured: every worker loads its code, templates and catalogues (these tickets
    are real and are called later like the others)."""
    results, _s = drive(warm_calls, ARGS.concurrency)
    tokens = [r[3].split("/t/")[1].split("/")[0] for r in results if "/t/" in r[3]]
    drive([lambda t=t: request("GET", f"/api/v1/service_halls/tickets/{t}") for t in tokens], ARGS.concurrency)


def issue_summary(results, elapsed):
    s = summary("ticket issue (kiosk POST)", results, elapsed, ok=(302,))
    s["issued"] = sum(1 for r in results if r[0] == 302 and "/p/service_halls/t/" in r[3])
    return s


def call_next_alone_calls(single):
    """call-next requests only: each window calls one number (a window must finish or skip
    its number before calling again). Returns (warm-up calls, measured calls); each window's
    token has made one untimed request first."""
    api = "/api/v1/service_halls/windows"
    # windows of all points in turn, so that each turn calls at every point
    by_point = {}
    for w in single:
        by_point.setdefault(w["point"], []).append(w)
    single = [w for group in zip(*by_point.values(), strict=False) for w in group]
    calls = [lambda w=w: request("POST", f"{api}/{w['id']}/call-next", b"",
                                 {"Authorization": f"Token {w['token']}", "Content-Type": "application/json"})
             for w in single]
    if not ARGS.cold:
        # A clerk's tablet is signed in before the first call of the day: one untimed API
        # request per window token (the account is then in the per-user cache, as it is for
        # every call after a clerk's first). --cold: every measured call is its token's first.
        drive([lambda w=w: request("GET", "/api/v1/identity/me", None, {"Authorization": f"Token {w['token']}"})
               for w in single], ARGS.concurrency)
    warm = ARGS.concurrency * 2
    return calls[:warm], calls[warm:]


def alone_summary(results, elapsed):
    s = summary("call-next alone", results, elapsed, ok=(200,))
    s["called"] = sum(1 for r in results if r[0] == 200)
    return s


def call_next_all(windows):
    """One thread per window: call-next, then mark the number a no-show, until nobody waits."""
    lock = threading.Lock()
    calls, skips, called_ids, errors = [], [], [], Counter()
    api = "/api/v1/service_halls/windows"

    def window_loop(w):
        headers = {"Authorization": f"Token {w['token']}", "Content-Type": "application/json"}
        for _ in range(ARGS.tickets + 10):  # bounded: never more calls than tickets
            status, data, lat, _loc = request("POST", f"{api}/{w['id']}/call-next", b"", headers)
            with lock:
                calls.append((status, lat))
            if status == 204:
                return
            if status != 200:
                with lock:
                    errors[f"call-next {status}"] += 1
                return
            ticket = json.loads(data)["id"]
            with lock:
                called_ids.append(ticket)
            status, _d, lat, _loc = request("POST", f"{api}/{w['id']}/skip", json.dumps({"ticket": ticket}), headers)
            with lock:
                skips.append((status, lat))
            if status != 200:
                with lock:
                    errors[f"skip {status}"] += 1
                return

    t = time.perf_counter()
    with ThreadPoolExecutor(len(windows)) as pool:
        list(pool.map(window_loop, windows))
    elapsed = time.perf_counter() - t
    lat = [x[1] for x in calls if x[0] in (200, 204)]
    return {"name": "call-next (API)", "requests": len(calls), "seconds": elapsed,
            "per_s": len(calls) / elapsed, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
            "statuses": dict(Counter(x[0] for x in calls)), "called": len(called_ids),
            "client_dupes": len(called_ids) - len(set(called_ids)), "errors": dict(errors),
            "skip_p50": pct([x[1] for x in skips], 0.5), "all_requests_per_s": (len(calls) + len(skips)) / elapsed,
            "calls_per_s": len(called_ids) / elapsed}


def check_db():
    from django.db import connection

    connection.close()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM (SELECT 1 FROM service_halls_ticket GROUP BY point_id, service_date, number"
                    " HAVING count(*) > 1) d")
        duplicates = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM (SELECT 1 FROM service_halls_ticketevent WHERE kind = 'called'"
                    " GROUP BY ticket_id HAVING count(*) > 1 OR count(DISTINCT window_id) > 1) d")
        double_called = cur.fetchone()[0]
        cur.execute("SELECT count(*), count(*) FILTER (WHERE first_called_at IS NOT NULL),"
                    " count(*) FILTER (WHERE state = 'waiting') FROM service_halls_ticket")
        tickets, called, waiting = cur.fetchone()
    return {"duplicates": duplicates, "double_called": double_called, "tickets": tickets, "called": called,
            "waiting": waiting}


def bare_calls(points, n):
    return [lambda i=i: request("POST", f"/bare/{points[i % len(points)].pk}/", b"", {"X-Client": str(i)})
            for i in range(n)]


def chunks(items, n):
    """``items`` in ``n`` consecutive parts of (nearly) equal size."""
    return [items[i * len(items) // n:(i + 1) * len(items) // n] for i in range(n)]


def interleaved(points, types, single):
    """``--passes`` passes of: issue turn, bare turn, call-next-alone turn, bare turn."""
    passes = max(1, ARGS.passes)
    issue_warmup, issue_all = kiosk_calls(points, types)
    alone_warmup, alone_all = call_next_alone_calls(single)
    bare_all = bare_calls(points, ARGS.tickets)
    issue_warm(issue_warmup)
    drive(bare_all[: ARGS.concurrency * 2], ARGS.concurrency)  # warm-up, not measured
    drive(alone_warmup, ARGS.concurrency)  # warm-up, not measured (these calls are real too)
    turns = {"issue": ([], 0.0), "alone": ([], 0.0), "bare": ([], 0.0)}
    per_pass = []
    bare_turns = chunks(bare_all, 2 * passes)
    for p, (issue_part, alone_part) in enumerate(zip(chunks(issue_all, passes), chunks(alone_all, passes),
                                                     strict=True)):
        rates = {}
        for kind, part in (("issue", issue_part), ("bare", bare_turns[2 * p]),
                           ("alone", alone_part), ("bare", bare_turns[2 * p + 1])):
            results, elapsed = drive(part, ARGS.concurrency)
            done, spent = turns[kind]
            turns[kind] = (done + results, spent + elapsed)
            rates.setdefault(kind, []).append(len(results) / elapsed if elapsed else 0.0)
        bare_rate = sum(rates["bare"]) / len(rates["bare"])
        per_pass.append({"issue": rates["issue"][0] / bare_rate, "alone": rates["alone"][0] / bare_rate,
                         "bare": bare_rate})
    issue = issue_summary(*turns["issue"])
    alone = alone_summary(*turns["alone"])
    ceiling = summary("bare view: one INSERT", *turns["bare"], ok=(201,))
    return issue, alone, ceiling, per_pass


# --- display fan-out ------------------------------------------------------------------------
async def _display(path, arrivals, connected, failures):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    except OSError as exc:
        failures[type(exc).__name__] += 1
        return
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    try:
        status = await reader.readline()
        if b" 200 " not in status:
            failures[status.decode(errors="replace").strip() or "no answer"] += 1
            return
        mine = {}
        arrivals.append(mine)
        started = False
        while line := await reader.readline():
            if not started and line.startswith(b"retry:"):
                # the stream's first line: the screen has joined the process's listener
                started = True
                connected.append(1)
            if line.startswith(b"data: "):
                mine[json.loads(line[6:])["id"]] = time.monotonic()
    except (OSError, asyncio.IncompleteReadError) as exc:
        failures[type(exc).__name__] += 1
    finally:
        writer.close()


async def _fan_out(point, window, clerk):
    import redis.asyncio as aioredis
    from asgiref.sync import sync_to_async

    from minsheng.programs.service_halls.services.calling import ticket_skip, window_call_next
    from minsheng.programs.service_halls.services.display import channel_for

    n = ARGS.displays
    arrivals, connected, failures = [], [], Counter()
    path = f"/p/service_halls/display/{point.pk}/events"
    # The displays' bus: one Redis subscription per server process (services/display.py)
    bus = aioredis.from_url(ARGS.redis)
    t0 = time.monotonic()
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(_display(path, arrivals, connected, failures)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)  # a hall's screens do not all power on in the same millisecond
    subscribed = 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # one shared subscriber per server process; a screen counts once its stream started
        subscribed = dict(await bus.pubsub_numsub(channel_for(point.pk))).get(channel_for(point.pk).encode(), 0)
        if len(connected) >= n or (failures and len(connected) + sum(failures.values()) >= n):
            break
        await asyncio.sleep(0.2)
    connect_s = time.monotonic() - t0
    rounds = []

    def call():
        started = time.monotonic()
        ticket = window_call_next(window_id=window.pk, clerk=clerk)
        event_id = ticket.events.get(kind="called").pk
        ticket_skip(window_id=window.pk, ticket_id=ticket.pk, clerk=clerk)
        return started, event_id

    for _ in range(ARGS.rounds):
        started, event_id = await sync_to_async(call, thread_sensitive=False)()
        await asyncio.sleep(2.0)
        delays = [m[event_id] - started for m in arrivals if event_id in m]
        rounds.append({"within_1s": sum(1 for d in delays if d <= 1.0), "received": len(delays),
                       "p50": pct(delays, 0.5), "p99": pct(delays, 0.99), "max": max(delays, default=0) * 1000})
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await bus.aclose()
    return {"displays": n, "connected": len(connected), "subscribed": subscribed, "connect_s": connect_s,
            "failures": dict(failures), "rounds": rounds}


def fan_out(points, types, windows):
    import resource

    from django.db import connection

    from minsheng.identity.models import User
    from minsheng.programs.service_halls.models import Window
    from minsheng.programs.service_halls.services.tickets import ticket_issue

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * ARGS.displays + 256)), hard))
    connection.close()
    point = points[0]
    w = next(w for w in windows if w["point"] == point.pk)
    window, clerk = Window.objects.get(pk=w["id"]), User.objects.get(pk=w["clerk"])
    for _ in range(ARGS.rounds):
        ticket_issue(point=point, business_type=types[0], channel="kiosk")
    connection.close()
    proc = start_server("config.asgi:application", interface="asgi", workers=1)
    try:
        result = asyncio.run(_fan_out(point, window, clerk))
        result["pg_connections"] = pg_connections()
    finally:
        stop_server(proc)
    return result


def pg_connections():
    import psycopg

    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [ARGS.db]).fetchone()[0]


# --- coverage ------------------------------------------------------------------------------------
def coverage():
    from django.db import connection, transaction

    from minsheng.demo.context import DemoContext
    from minsheng.demo.foundation import build_places
    from minsheng.programs.service_halls import demo
    from minsheng.programs.service_halls.models import ServicePoint
    from minsheng.programs.service_halls.services import coverage as cov

    connection.close()
    t0 = time.monotonic()
    ServicePoint.objects.filter(organisation__name__startswith="压测医保服务站").update(is_active=False)
    root = DemoContext(scale=ARGS.scale, seed=20261126, show_progress=False)
    ctx = root.for_part("service_halls")
    with transaction.atomic():
        build_places(root.for_part("foundation"))
        businesses = demo._businesses()
        demo._points(ctx, businesses)
        demo._road_network(ctx)
    setup_s = time.monotonic() - t0
    out = {"setup_s": setup_s, "communities": len(cov.community_places()), "points": len(cov.point_places())}
    network = cov.active_network()
    t = time.monotonic()
    run = cov.coverage_recompute(trigger="bench")
    out["network"] = {"seconds": time.monotonic() - t, "share": run.share, "method": Counter(
        run.rows.values_list("method", flat=True))}
    out["nodes"] = network.nodes.count() if network else 0
    out["edges"] = network.edges.count() if network else 0
    network.__class__.objects.filter(pk=network.pk).update(is_active=False)
    t = time.monotonic()
    run = cov.coverage_recompute(trigger="bench estimate")
    out["estimate"] = {"seconds": time.monotonic() - t, "share": run.share}
    network.__class__.objects.filter(pk=network.pk).update(is_active=True)
    return out


# --- main -----------------------------------------------------------------------------------------
def row(name, s, ceiling=None):
    ratio = f"{100 * s['per_s'] / ceiling['per_s']:.0f}%" if ceiling else "—"
    return f"  {name:<34} {s['per_s']:>8.0f} {s['p50']:>8.1f} {s['p99']:>8.1f}  {ratio:>6}   {s['statuses']}"


def main():
    t_start = time.monotonic()
    load_start = f"{os.getloadavg()[0]:.1f}"
    fresh_database()
    try:
        points, types, windows, single = setup()
        from django.db import connections

        connections.close_all()
        # the platform's URLs and the bare view, served by the same workers
        proc = start_server("service_halls_bare:application", extra_path=str(ROOT / "bench"),
                            settings_module="service_halls_bare_settings")
        try:
            issue, alone, ceiling, per_pass = interleaved(points, types, single)
            calls = call_next_all(windows)
        finally:
            stop_server(proc)
        db = check_db()
        fan = fan_out(points, types, windows) if ARGS.displays else None
        cov = None if ARGS.no_coverage else coverage()
    finally:
        from django.db import connections

        connections.close_all()
        if not ARGS.keep:
            fresh_database(drop_only=True)

    print(f"\nservice halls on PostgreSQL, granian WSGI × {ARGS.workers} workers × {ARGS.threads} threads, "
          f"{os.cpu_count()} CPU cores, "
          f"concurrency {ARGS.concurrency}, {ARGS.points} points × {ARGS.windows} windows, MINSHENG_ENV=production")
    print(f"  {'':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  {'ratio':>6}   statuses")
    print(row("ticket issue (kiosk POST)", issue, ceiling))
    print(row("call-next (API, token)", alone, ceiling))
    print(row("bare view: one INSERT", ceiling))
    print(f"  call-next alone: {alone['called']} calls, one at each of {len(single)} windows, "
          f"{ARGS.concurrency} clients (the server serves call-next requests only during its turns)")
    print(f"  {len(per_pass)} passes (issue, bare, call-next, bare), each against its own bare turns: "
          + "; ".join(f"bare {p['bare']:.0f}/s, issue {100 * p['issue']:.0f}%, call-next {100 * p['alone']:.0f}%"
                      for p in per_pass))
    print(f"  call-next + no-show loop: {calls['called']} calls, each followed by a no-show POST (call p50 "
          f"{calls['p50']:.1f} ms, skip p50 {calls['skip_p50']:.1f} ms); {calls['calls_per_s']:.0f} calls/s, "
          f"all window requests {calls['all_requests_per_s']:.0f}/s "
          f"= {100 * calls['all_requests_per_s'] / ceiling['per_s']:.0f}% of the bare view")
    if calls["errors"]:
        print(f"  call-next + no-show errors: {calls['errors']}")
    print(f"  database: {db['tickets']} tickets, {db['called']} called, {db['waiting']} still waiting; "
          f"duplicates={db['duplicates']} double_called={db['double_called']} "
          f"(same id returned to two windows: {calls['client_dupes']})")
    if fan:
        print(f"display fan-out: granian ASGI × 1 process, Redis pub/sub; {fan['connected']}/{fan['displays']} "
              f"screens connected, {fan['subscribed']} subscriber(s) in {fan['connect_s']:.1f} s"
              + (f", failures {fan['failures']}" if fan["failures"] else "")
              + f"; PostgreSQL connections held by the server while streaming: {fan['pg_connections']}")
        for i, r in enumerate(fan["rounds"], 1):
            print(f"  call {i}: {r['within_1s']}/{fan['displays']} updated within 1 s "
                  f"({100 * r['within_1s'] / fan['displays']:.1f}%), received {r['received']}, "
                  f"p50 {r['p50']:.0f} ms  p99 {r['p99']:.0f} ms  max {r['max']:.0f} ms")
        total = sum(r["within_1s"] for r in fan["rounds"])
        print(f"  share within 1 s over {len(fan['rounds'])} calls: "
              f"{100 * total / (fan['displays'] * len(fan['rounds'])):.1f}%")
    if cov:
        print(f"coverage at --scale {ARGS.scale}: {cov['communities']} communities × {cov['points']} service points "
              f"(places, points and road network built in {cov['setup_s']:.0f} s)")
        print(f"  network mode ({cov['nodes']} nodes, {cov['edges']} edges): {cov['network']['seconds']:.2f} s, "
              f"share covered {cov['network']['share']:.1%}, methods {dict(cov['network']['method'])}")
        print(f"  estimate mode (straight line × detour): {cov['estimate']['seconds']:.2f} s, "
              f"share covered {cov['estimate']['share']:.1%}")
    print(f"total run time {time.monotonic() - t_start:.0f} s; load average at start {load_start}, "
          f"at end {os.getloadavg()[0]:.1f} (the cores are shared: figures move with it)")


if __name__ == "__main__":
    main()
