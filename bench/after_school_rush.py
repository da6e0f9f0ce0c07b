"""The enrolment rush: the real application endpoint under load, against a bare ceiling.

    .venv/bin/python bench/after_school_rush.py [--guardians 3000] [--concurrency 48]
        [--workers 3] [--capacity 400] [--offerings 5] [--signins 40] [--lottery 605000]

Creates a fresh PostgreSQL database (``--db``, default minsheng_as_bench on
127.0.0.1:5432), migrates it, creates schools, guardians with children and signed-in
sessions, first-come offerings whose places are fewer than the applicants, and an open
window. Then it starts granian (WSGI, ``--workers`` processes, loopback only) and:

1. the journey: every guardian opens the application page (GET /api/v1/after_school/children,
   timed; ``--cold`` skips it), then POSTs /api/v1/after_school/applications once (some twice
   with the same Idempotency-Key, as a double tap), each step at ``--concurrency``; the slower
   step sets the journey's figure. Then checks the DB:
   oversold (taken > capacity or admitted seats > capacity), lost (a 201/200 answer with
   no row), duplicates (two rows for one key or one child+offering);
2. ceiling: the same number of requests to a bare Django view doing SELECT … FOR UPDATE
   + INSERT + UPDATE on its own copy of the day rows (bench/after_school_bare_urls.py, same
   capacity), served by the same granian workers as the platform: the rush's POSTs are cut
   into ``--passes`` turns and a bare turn follows each, so a change in the machine's load
   (the cores are shared) moves both alike; each pass prints its own ratio;
3. sign-in storms: ``--signins`` guardians sign in at once with an SMS code through the
   pages citizens use (GET /accounts/login/sms/, POST the phone, POST the code read from the
   console SMS channel in the server's output) — the path of a rush — and with a password
   (PBKDF2, expensive by design; staff and a minority of citizens);
4. lottery: ``--lottery`` applicants (0 skips) on 364 schools' lottery offerings, written by
   COPY (persons, guardian relations, applications, seat requests — the rows the services
   write), then allocated through the real path: ``lottery_start`` queues ``lottery_task``, a
   ``manage.py db_worker`` runs it, the window's progress is polled and drawn as a bar; then
   the DB is checked (no seat left pending, none oversold), the result notices to every guardian
   are counted for ``--notice-seconds`` and ``draw_verify`` re-runs the draw.
   ``--lottery-only`` runs this part alone.

The server runs as deployed: PostgreSQL, cached_db sessions with the cache in Redis
(``--redis``, default database 14 on 127.0.0.1). Everything stays on loopback; the
benchmark database is dropped at the end (``--keep-db`` keeps it).
"""

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="minsheng_as_bench")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--guardians", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=48)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--threads", type=int, default=2,
                   help="threads per worker, as deployed (minsheng up --threads): each holds a connection")
    p.add_argument("--offerings", type=int, default=5)
    p.add_argument("--capacity", type=int, default=400)
    p.add_argument("--double-tap", type=float, default=0.1, help="share of guardians who submit twice")
    p.add_argument("--signins", type=int, default=40)
    p.add_argument("--lottery", type=int, default=605_000, help="lottery applicants (0 skips the lottery)")
    p.add_argument("--lottery-only", action="store_true", help="skip the rush and sign-in storms")
    p.add_argument("--notice-seconds", type=float, default=60,
                   help="how long to count the lottery's result notices going out (0: until all are sent)")
    p.add_argument("--port", type=int, default=8931)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    p.add_argument("--keep-db", action="store_true", help="keep the database (to run draw_verify)")
    p.add_argument("--passes", type=int, default=3,
                   help="the rush and the bare view take turns: this many turns each (see the docstring)")
    p.add_argument("--cold", action="store_true",
                   help="no page open before the rush: each submit is the account's first request")
    return p.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.pg}/{ARGS.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["RATE_LIMITS_ENABLED"] = "0"
os.environ["REDIS_URL"] = ARGS.redis  # sessions (cached_db) and OTP codes live in Redis, as deployed
os.environ["SMS_CHANNEL"] = "console"
SMS_LOG = Path("/tmp/minsheng_as_bench_sms.log")
SERVER_ERR = Path("/tmp/minsheng_as_bench_server.err")
# Its own var folder: development secrets, file cache and collected static files.
os.environ.setdefault("MINSHENG_VAR_DIR", "/tmp/minsheng_as_bench_var")


def fresh_database():
    import psycopg

    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.db}"')


def base():
    """Migrate the fresh database; the city, one district and the term."""
    import django

    django.setup()
    from datetime import date

    from django.core.management import call_command

    from minsheng.programs.after_school.models import Term
    from minsheng.regions.models import Region

    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages use the manifest storage
    print(f"migrated in {time.monotonic() - t0:.0f} s", flush=True)
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    county = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    term = Term.objects.create(name="bench term", school_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 22))
    return county, term


def setup():
    t0 = time.monotonic()
    county, term = base()
    from datetime import time as dtime
    from datetime import timedelta
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from minsheng.access.models import Organisation
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.models import Person, PersonRelation, User
    from minsheng.programs.after_school.models import ClassGroup, Enrolment, Grade
    from minsheng.programs.after_school.services import offerings as services

    now = timezone.now()
    schools, offerings = [], []
    for i in range(ARGS.offerings):
        school = Organisation.objects.create(name=f"压测小学{i}", kind="school", region=county)
        grade = Grade.objects.create(school=school, level=3, name="三年级")
        cls = ClassGroup.objects.create(school=school, grade=grade, school_year=2026, number=1, name="三（1）班")
        schools.append((school, cls))
        offerings.append(services.offering_create(
            actor=None, term=term, title=f"课后服务{i}", kind="weekday", activity="homework", host=school,
            school=school, weekdays=[0, 1, 2, 3, 4], start_time=dtime(15, 40), end_time=dtime(17, 40),
            capacity=ARGS.capacity))
        services.window_create(actor=None, term=term, school=school, opens_at=now - timedelta(hours=1),
                               closes_at=now + timedelta(days=1))
    password = make_password("bench-pass-2026")
    n = ARGS.guardians
    users = User.objects.bulk_create([User(username=f"g{i}", name=f"家长{i}", password=password,
                                           phone=f"139{i:08d}", phone_hash=keyed_hash(f"139{i:08d}"))
                                      for i in range(n)], batch_size=5000)
    adults = Person.objects.bulk_create([Person(name=u.name, user=u) for u in users], batch_size=5000)
    kids = Person.objects.bulk_create([Person(name=f"学生{i}") for i in range(n)], batch_size=5000)
    PersonRelation.objects.bulk_create([PersonRelation(person=a, relative=k, kind="guardian")
                                        for a, k in zip(adults, kids, strict=True)], batch_size=5000)
    Enrolment.objects.bulk_create([Enrolment(student=k, class_group=schools[i % len(schools)][1],
                                             school=schools[i % len(schools)][0], school_year=2026, grade_level=3)
                                   for i, k in enumerate(kids)], batch_size=5000)
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # as deployed
    sessions = []
    for u in users:
        s = SessionStore()
        s["_auth_user_id"] = str(u.pk)
        s["_auth_user_backend"] = "minsheng.identity.backends.PhoneOrUsernameBackend"
        s["_auth_user_hash"] = u.get_session_auth_hash()
        s.create()
        sessions.append(s.session_key)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_bare_claim (id bigserial primary key, day_id bigint, client text)")
        # the bare view's own day rows: one per offering, as many places as the real days
        cur.execute("CREATE TABLE bench_bare_day (id bigint primary key, taken integer NOT NULL, "
                    "capacity integer NOT NULL)")
        cur.execute("INSERT INTO bench_bare_day SELECT id, 0, %s FROM after_school_offeringday WHERE weekday = 0",
                    [ARGS.capacity])
    jobs = [{"session": sessions[i], "student": kids[i].pk, "offering": offerings[i % len(offerings)].pk,
             "username": users[i].username, "phone": f"139{i:08d}"} for i in range(n)]
    print(f"set up {n} guardians, {len(offerings)} offerings × {ARGS.capacity} places/day in "
          f"{time.monotonic() - t0:.0f} s", flush=True)
    return jobs, offerings


def start_server(app: str, extra_path: str = "", settings_module: str = "config.settings"):
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{extra_path}" if extra_path else str(ROOT),
           "DJANGO_SETTINGS_MODULE": settings_module}
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(ARGS.port),
         "--workers", str(ARGS.workers), "--blocking-threads", str(ARGS.threads), app],
        # stderr to a file: a pipe nobody drains fills up (64 KB of request warnings) and the
        # workers then block writing to it — the rush stalled that way at 4,000 guardians.
        cwd=ROOT, env=env, stdout=SMS_LOG.open("wb"), stderr=SERVER_ERR.open("wb"), start_new_session=True)
    for _ in range(120):
        try:
            c = HTTPConnection("127.0.0.1", ARGS.port, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not start: " + SERVER_ERR.read_text(errors="replace")[-2000:])


def stop_server(proc):
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


_local = threading.local()


def _conn():
    if getattr(_local, "conn", None) is None:
        _local.conn = HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
    return _local.conn


def request(method, path, body=None, headers=None):
    for attempt in range(2):
        try:
            c = _conn()
            t = time.perf_counter()
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, data, time.perf_counter() - t, r
        except (OSError, Exception) as exc:  # noqa: BLE001 - reconnect once on a dropped keep-alive
            _local.conn = None
            if attempt:
                return 0, str(exc).encode(), 0.0, None


def drive(calls):
    results = []
    lock = threading.Lock()

    def run(call):
        out = call()
        with lock:
            results.append(out)

    t = time.perf_counter()
    with ThreadPoolExecutor(ARGS.concurrency) as pool:
        list(pool.map(run, calls))
    return results, time.perf_counter() - t


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else 0


def open_pages(jobs):
    """The journey's first step: every guardian opens the application page (GET of their children
    and the offerings open to them, what the page loads) at ``--concurrency``, timed like the
    submits. ``--cold`` skips it (every submit is then the account's first request)."""
    calls = [lambda j=j: request("GET", "/api/v1/after_school/children", None,
                                 {"Cookie": f"sessionid={j['session']}"}) for j in jobs]
    results, elapsed = drive(calls)
    lat = [r[2] for r in results if r[0] == 200]
    return {"requests": len(results), "seconds": elapsed, "per_s": len(results) / elapsed,
            "ok": sum(1 for status, *_rest in results if status == 200), "p50": pct(lat, 0.5), "p99": pct(lat, 0.99)}


def rush_calls(jobs):
    """Every guardian's POST (some twice with the same key: a double tap), shuffled."""
    csrf = secrets.token_hex(16)
    calls = []
    rng = __import__("random").Random(7)
    for job in jobs:
        key = f"bench-{job['username']}-{secrets.token_hex(6)}"
        body = json.dumps({"student": job["student"], "offering": job["offering"], "weekdays": [0, 1, 2, 3, 4]})
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-CSRFToken": csrf,
                   "Cookie": f"sessionid={job['session']}; csrftoken={csrf}"}
        for _ in range(2 if rng.random() < ARGS.double_tap else 1):
            calls.append(lambda b=body, h=headers, k=key: (k, request("POST", "/api/v1/after_school/applications", b, h)))
    rng.shuffle(calls)
    return calls


def rush_summary(results, elapsed):
    statuses, acked = {}, {}
    for key, (status, data, _lat, _r) in results:
        statuses[status] = statuses.get(status, 0) + 1
        if status in (200, 201):
            acked[key] = json.loads(data)["id"]
    lat = [r[1][2] for r in results if r[1][0] in (200, 201, 409)]
    return {"requests": len(results), "seconds": elapsed, "per_s": len(results) / elapsed, "statuses": statuses,
            "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "acked": acked}


def turns(jobs):
    """The rush cut into ``--passes`` turns, each followed by a bare turn of as many requests."""
    passes = max(1, ARGS.passes)
    rush_all, bare_all = rush_calls(jobs), bare_calls(jobs)
    size = -(-len(rush_all) // passes)
    bare_size = -(-len(bare_all) // passes)
    rush_done, rush_s, bare_done, bare_s, per_pass = [], 0.0, [], 0.0, []
    for p in range(passes):
        results, elapsed = drive(rush_all[p * size:(p + 1) * size])
        rush_done += results
        rush_s += elapsed
        r_rate = len(results) / elapsed if elapsed else 0.0
        results, elapsed = drive(bare_all[p * bare_size:(p + 1) * bare_size])
        bare_done += results
        bare_s += elapsed
        b_rate = len(results) / elapsed if elapsed else 0.0
        per_pass.append({"rush": r_rate, "bare": b_rate})
    return rush_summary(rush_done, rush_s), bare_summary(bare_done, bare_s), per_pass


def check_db(acked, offerings):
    from django.db import connection
    from django.db.models import Count

    from minsheng.programs.after_school.models import Application, OfferingDay, SeatRequest

    connection.close()
    oversold = OfferingDay.objects.filter(taken__gt=ARGS.capacity).count()
    per_day = SeatRequest.objects.filter(state="admitted").values("day_id").annotate(n=Count("id"))
    oversold += sum(1 for r in per_day if r["n"] > ARGS.capacity)
    mismatch = sum(1 for d in OfferingDay.objects.all()
                   if d.taken != SeatRequest.objects.filter(day=d, state="admitted").count())
    rows = dict(Application.objects.values_list("idempotency_key", "pk"))
    lost = sum(1 for k, pk in acked.items() if rows.get(k) != pk)
    dup_child = Application.objects.values("student", "offering").annotate(n=Count("id")).filter(n__gt=1).count()
    return {"oversold": oversold, "counter_mismatch": mismatch, "lost": lost, "duplicates": dup_child,
            "applications": len(rows), "places": ARGS.capacity * len(offerings)}


def bare_calls(jobs):
    from django.db import connection

    connection.close()
    with connection.cursor() as cur:
        cur.execute("SELECT id FROM bench_bare_day ORDER BY id")
        days = [row[0] for row in cur.fetchall()]

    def claim(day_id, client):
        return lambda: request("POST", f"/bare/{day_id}/", b"", {"X-Client": client})

    return [claim(days[i % len(days)], j["username"]) for i, j in enumerate(jobs)]


def bare_summary(results, elapsed):
    from django.db import connection

    lat = [r[2] for r in results if r[0] in (201, 409)]
    with connection.cursor() as cur:
        cur.execute("SELECT day_id, count(*) FROM bench_bare_claim GROUP BY day_id")
        over = sum(1 for _d, n in cur.fetchall() if n > ARGS.capacity)
    return {"requests": len(results), "per_s": len(results) / elapsed, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99),
            "oversold": over, "statuses": {s: sum(1 for r in results if r[0] == s) for s in {r[0] for r in results}}}


def signin_storm(jobs):
    def one(job):
        _local.conn = None
        status, data, _lat, r = request("GET", "/accounts/login/")
        cookie = r.getheader("Set-Cookie", "") if r else ""
        m_cookie = re.search(r"csrftoken=([^;]+)", cookie)
        m_form = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not (m_cookie and m_form):
            return f"form {status}"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": m_form.group(1).decode(), "username": job["username"],
                                       "password": "bench-pass-2026"})
        status, _d, _l, r = request("POST", "/accounts/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={m_cookie.group(1)}",
            "Referer": f"http://127.0.0.1:{ARGS.port}/accounts/login/"})
        return 1 if status == 302 else f"post {status}"

    results, elapsed = drive([lambda j=j: one(j) for j in jobs[: ARGS.signins]])
    ok = sum(1 for r in results if r == 1)
    failures = {r: results.count(r) for r in results if r != 1}
    return {"attempts": len(results), "ok": ok, "per_s": ok / elapsed, "failures": failures}


def _sms_code(phone: str, timeout: float = 20.0) -> str | None:
    """The code the console SMS channel printed for ``phone`` (the server's stdout, where the
    number is masked: 139****0042; the bench's numbers differ in their last four digits)."""
    from minsheng.identity.idnumbers import mask_phone

    pattern = re.compile(r"\[sms to " + re.escape(mask_phone(phone)) + r"\][^\n]*?(\d{6})")
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = pattern.findall(SMS_LOG.read_text(errors="replace"))
        if found:
            return found[-1]
        time.sleep(0.05)
    return None


def sms_storm(jobs):
    """Citizens sign in with an SMS code through the pages: form, phone, code → signed in."""
    base = f"http://127.0.0.1:{ARGS.port}"

    def one(job):
        _local.conn = None
        status, data, _lat, r = request("GET", "/accounts/login/sms/")
        cookie = r.getheader("Set-Cookie", "") if r else ""
        m_cookie = re.search(r"csrftoken=([^;]+)", cookie)
        m_form = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
        if not (m_cookie and m_form):
            return f"form {status}"
        csrf, token = m_cookie.group(1), m_form.group(1).decode()
        form = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"{base}/accounts/login/sms/"}
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "phone": job["phone"]})
        status, _d, _l, r = request("POST", "/accounts/login/sms/", body, {**form, "Cookie": f"csrftoken={csrf}"})
        if status != 302:
            return f"phone {status}"
        m_session = re.search(r"sessionid=([^;]+)", r.getheader("Set-Cookie", "") or "")
        cookies = f"csrftoken={csrf}" + (f"; sessionid={m_session.group(1)}" if m_session else "")
        code = _sms_code(job["phone"])
        if code is None:
            return "no sms"
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "phone": job["phone"], "code": code})
        status, _d, _l, r = request("POST", "/accounts/login/sms/code/", body, {**form, "Cookie": cookies})
        return 1 if status == 302 and "sessionid=" in (r.getheader("Set-Cookie", "") or "") else f"code {status}"

    results, elapsed = drive([lambda j=j: one(j) for j in jobs[ARGS.signins: 2 * ARGS.signins]])
    ok = sum(1 for r in results if r == 1)
    failures = {r: results.count(r) for r in results if r != 1}
    return {"attempts": len(results), "ok": ok, "per_s": ok / elapsed, "failures": failures}


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy(model, columns: list[str], rows, *, now) -> int:
    """COPY ``rows`` (tuples in ``columns`` order, the id first) into ``model``'s table.

    Every other column gets the value Django would give it (field default, ``auto_now``
    time, NULL); a NOT NULL column without one is an error here, not a silent default.
    The identity sequence is moved past the ids written.
    """
    from django.db import connection

    fixed = {}
    for f in model._meta.concrete_fields:
        if f.column in columns:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            fixed[f.column] = _copy_text(now)
        elif f.has_default():
            fixed[f.column] = _copy_text(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            continue
        elif f.empty_strings_allowed:
            fixed[f.column] = ""
        else:
            raise ValueError(f"{model.__name__}.{f.name} needs a value for COPY")
    tail = "".join("\t" + v for v in fixed.values())
    table = model._meta.db_table
    cols = ", ".join([*columns, *fixed])
    count, buf = 0, []
    with connection.cursor() as cur:
        with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for row in rows:
                buf.append("\t".join(_copy_text(v) for v in row) + tail + "\n")
                if len(buf) >= 50_000:
                    copy.write("".join(buf))
                    count += len(buf)
                    buf.clear()
            if buf:
                copy.write("".join(buf))
                count += len(buf)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
    return count


def _next_id(model) -> int:
    from django.db.models import Max

    return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1


def lottery_build(n: int) -> dict:
    """``n`` lottery applicants over 364 schools, written with COPY (the rows the services write).

    Families: about one in ten has two children at the same school (siblings move as one unit),
    three in ten have two guardians; every guardian relation is recorded, so result notices reach
    each guardian. Each child asks for each weekday with probability 0.9; places per day are 85%
    of a school's applicants. Offerings and the window are created by the services (the window's
    seed is committed then); the window closes as the build ends.
    """
    import random
    from datetime import time as dtime
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from minsheng.access.models import Organisation
    from minsheng.identity.models import Person, PersonRelation, User
    from minsheng.programs.after_school.models import (
        Application,
        ApplicationWindow,
        OfferingDay,
        SeatRequest,
        Term,
    )
    from minsheng.programs.after_school.services import offerings as services
    from minsheng.programs.after_school.services.applications import new_reference
    from minsheng.regions.models import Region

    connection.close()
    rng = random.Random(605)
    t0 = time.monotonic()
    county = Region.objects.get(code="320706")
    term = Term.objects.get()
    now = timezone.now()
    actor = User.objects.create(username="lottery_admin", name="摇号管理员", is_staff=True)
    window = services.window_create(actor=actor, term=term, region=county, opens_at=now - timedelta(days=2),
                                    closes_at=now + timedelta(days=1))
    schools = Organisation.objects.bulk_create([Organisation(name=f"摇号学校{i}", kind="school", region=county)
                                                for i in range(364)])
    per_school = [n // 364 + (1 if i < n % 364 else 0) for i in range(364)]
    offerings = []
    for s, k in zip(schools, per_school, strict=True):
        o = services.offering_create(actor=actor, term=term, title="摇号课后服务", kind="weekday",
                                     activity="homework", host=s, school=s, weekdays=[0, 1, 2, 3, 4],
                                     start_time=dtime(15, 40), end_time=dtime(17, 40),
                                     capacity=max(1, int(k * 0.85)), allocation="lottery")
        offerings.append((o, dict(OfferingDay.objects.filter(offering=o).values_list("weekday", "pk"))))
    # Families, school by school: (children, guardians).
    person_id = _next_id(Person)
    kids, adults, relations, families = [], [], [], []
    for school_i, k in enumerate(per_school):
        left = k
        while left:
            size = 2 if left > 1 and rng.random() < 0.1 else 1
            left -= size
            children = list(range(person_id, person_id + size))
            person_id += size
            guardians = list(range(person_id, person_id + (2 if rng.random() < 0.3 else 1)))
            person_id += len(guardians)
            kids += children
            adults += guardians
            relations += [(g, c) for g in guardians for c in children]
            families.append((school_i, children, guardians[0]))
    with transaction.atomic():
        _copy(Person, ["id", "name"], ((pid, "家长") for pid in adults), now=now)
        _copy(Person, ["id", "name"], ((pid, "学生") for pid in kids), now=now)
        rel_id = _next_id(PersonRelation)
        _copy(PersonRelation, ["id", "person_id", "relative_id", "kind", "detail"],
              ((rel_id + i, g, c, "guardian", "父母") for i, (g, c) in enumerate(relations)), now=now)
    refs: set[str] = set()
    app_id = _next_id(Application)
    apps, seats = [], []
    seat_id = _next_id(SeatRequest)
    for school_i, children, guardian in families:
        offering, days = offerings[school_i]
        grade = rng.randint(1, 6)
        dual = rng.random() < 0.6
        for child in children:
            ref = new_reference()
            while ref in refs:
                ref = new_reference()
            refs.add(ref)
            apps.append((app_id, ref, child, guardian, offering.pk, window.pk, offering.school_id, grade, dual,
                         "submitted", f"lot-{app_id}"))
            chosen = [d for d in range(5) if rng.random() < 0.9] or [rng.randrange(5)]
            for d in chosen:
                seats.append((seat_id, app_id, days[d], d, "pending"))
                seat_id += 1
            app_id += 1
            grade = min(6, grade + 1)  # a sibling is usually a year or two apart
    with transaction.atomic():
        _copy(Application, ["id", "reference", "student_id", "guardian_id", "offering_id", "window_id",
                            "school_id", "grade_level", "dual_working", "state", "idempotency_key"], apps, now=now)
        _copy(SeatRequest, ["id", "application_id", "day_id", "weekday", "state"], seats, now=now)
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Application._meta.db_table}, {SeatRequest._meta.db_table}, "
                    f"{Person._meta.db_table}, {PersonRelation._meta.db_table}")
    # The window closes now that everyone has applied (its seed hash was published at creation).
    ApplicationWindow.objects.filter(pk=window.pk).update(closes_at=timezone.now())
    return {"window_id": window.pk, "actor_id": actor.pk, "applicants": len(apps), "seat_requests": len(seats),
            "guardians": len(adults), "families": len(families), "relations": len(relations),
            "setup_s": time.monotonic() - t0}


def start_worker(log: Path):
    """A task worker as deployed (``manage.py db_worker``), on the lottery's and the notices' queues."""
    return subprocess.Popen(
        [str(ROOT / ".venv/bin/python"), "manage.py", "db_worker", "--queue-name", "default,notifications",
         "--interval", "0.2",
         "--no-startup-delay"],
        cwd=ROOT, env={**os.environ}, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def _peak_rss_mb(pid: int) -> float:
    """The highest resident size of ``pid`` and its children so far (VmHWM), in MB."""
    peak = 0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            pass
    return peak / 1024


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def lottery(n):
    """Build ``n`` applicants, then allocate them as a school administrator would: lottery_start
    queues lottery_task, a db_worker runs it, and the window's progress is polled as the
    management page and ``GET /api/v1/after_school/windows/<id>`` show it."""
    from django.db import connection, transaction
    from django.db.models import F

    from minsheng.identity.models import User
    from minsheng.programs.after_school.models import (
        ApplicationWindow,
        LotteryState,
        Offering,
        OfferingDay,
        SeatRequest,
    )
    from minsheng.programs.after_school.services.lottery import lottery_start

    built = lottery_build(n)
    print(f"lottery build: {built['applicants']} applicants ({built['families']} families, "
          f"{built['guardians']} guardians), {built['seat_requests']} seat requests over 364 schools "
          f"by COPY in {built['setup_s']:.0f} s", flush=True)
    connection.close()
    log = Path("/tmp/minsheng_as_bench_worker.log")
    worker = start_worker(log)
    try:
        window = ApplicationWindow.objects.get(pk=built["window_id"])
        t = time.monotonic()
        with transaction.atomic():
            lottery_start(window=window, actor=User.objects.get(pk=built["actor_id"]))
        state, last = None, None
        while True:
            w = ApplicationWindow.objects.filter(pk=window.pk).values(
                "lottery_state", "lottery_done", "lottery_total").get()
            state = w["lottery_state"]
            total, done = w["lottery_total"], w["lottery_done"]
            bar = "#" * int(30 * done / total) if total else ""
            shown = (state, len(bar))  # a new line only when the state or the bar changes
            if shown != last:
                print(f"  lottery {state:9} [{bar:30}] {done}/{total} offering-days  {time.monotonic() - t:6.1f} s",
                      flush=True)
                last = shown
            if state in (LotteryState.DONE, LotteryState.FAILED) or worker.poll() is not None:
                break
            time.sleep(0.25)
        wall = time.monotonic() - t
        rss = _peak_rss_mb(worker.pid)
        notices = notice_fanout(built["relations"]) if state == LotteryState.DONE else {}
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
    if state != LotteryState.DONE:
        raise SystemExit(f"lottery {state}; worker log {log}:\n" + log.read_text(errors="replace")[-3000:])
    window.refresh_from_db()
    seats = SeatRequest.objects.filter(application__window=window)
    admitted = seats.filter(state="admitted").count()
    waitlisted = seats.filter(state="waitlisted").count()
    pending = seats.filter(state="pending").count()
    over = OfferingDay.objects.filter(offering__allocation="lottery", taken__gt=F("capacity")).count()
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM {OfferingDay._meta.db_table} d LEFT JOIN (SELECT day_id, count(*) AS n "  # noqa: S608
            f"FROM {SeatRequest._meta.db_table} WHERE state = 'admitted' GROUP BY day_id) s ON s.day_id = d.id "
            f"WHERE d.taken <> coalesce(s.n, 0) AND d.offering_id IN "
            f"(SELECT id FROM {Offering._meta.db_table} WHERE allocation = 'lottery')")
        mismatch = cur.fetchone()[0]
    return {**built, "wall_s": wall, "task_s": (window.lottery_finished_at - window.lottery_started_at).total_seconds(),
            "admitted": admitted, "waitlisted": waitlisted, "pending": pending, "oversold": over,
            "counter_mismatch": mismatch, "worker_rss_mb": rss, "draw_key": f"after-school-window-{window.pk}",
            "notices": notices}


def notice_fanout(expected: int) -> dict:
    """The result notices going out after the lottery (lottery_notify_task on the same worker):
    counted for ``--notice-seconds`` (0: until all ``expected`` are in the inboxes)."""
    from minsheng.notifications.models import Notification

    qs = Notification.objects.filter(template="after_school.lottery_result")
    t = time.monotonic()
    limit = ARGS.notice_seconds or float("inf")
    n = 0
    while time.monotonic() - t < limit:
        n = qs.count()
        if n >= expected:
            break
        time.sleep(2)
    n, elapsed = qs.count(), time.monotonic() - t
    return {"sent": n, "expected": expected, "seconds": elapsed, "per_s": n / elapsed if elapsed else 0}


def drop_database():
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')


def main():
    fresh_database()
    try:
        run()
    finally:
        if not ARGS.keep_db:
            drop_database()
            print(f"dropped database {ARGS.db}")


def run():
    if ARGS.lottery_only:
        base()
        report_lottery()
        return
    jobs, offerings = setup()
    from django.db import connections

    connections.close_all()
    # the platform's URLs and the bare view, served by the same workers
    proc = start_server("after_school_bare:application", extra_path=str(ROOT / "bench"),
                        settings_module="after_school_bare_settings")
    try:
        opened = None if ARGS.cold else open_pages(jobs)
        print("the window opens: the rush and its bare turns run now", file=sys.stderr, flush=True)  # for profilers
        r, b, per_pass = turns(jobs)
        db = check_db(r["acked"], offerings)
        sms = sms_storm(jobs)
        s = signin_storm(jobs)
    finally:
        stop_server(proc)
    print(f"\nrush: {r['requests']} POSTs ({ARGS.double_tap:.0%} double taps) by {len(jobs)} guardians, "
          f"concurrency {ARGS.concurrency}, {ARGS.workers} granian WSGI workers × {ARGS.threads} threads, PostgreSQL")
    if opened is None:
        print("  page open: skipped (--cold: each submit is the account's first request)")
    else:
        print(f"  page open (GET /children): {opened['ok']}/{opened['requests']} in {opened['seconds']:.1f} s, "
              f"{opened['per_s']:.0f} requests/s  p50 {opened['p50']:.0f} ms  p99 {opened['p99']:.0f} ms")
    print(f"  submit: applications/s {r['per_s']:.0f}  p50 {r['p50']:.0f} ms  p99 {r['p99']:.0f} ms  "
          f"statuses {r['statuses']}")
    if opened is not None:
        journey = min(opened["per_s"], len(jobs) / r["seconds"])
        both = len(jobs) / (opened["seconds"] + r["seconds"])
        print(f"  journey (page open + submit; the slower step sets the figure): {journey:.0f} guardians/s  "
              f"p99 {max(opened['p99'], r['p99']):.0f} ms  (both steps back to back: {both:.0f} guardians/s)")
    print(f"  oversold={db['oversold']} lost={db['lost']} duplicates={db['duplicates']} "
          f"counter_mismatch={db['counter_mismatch']} (applications {db['applications']}, places/day {db['places']})")
    print(f"bare SELECT … FOR UPDATE + INSERT view: {b['per_s']:.0f} req/s  p50 {b['p50']:.0f} ms  "
          f"p99 {b['p99']:.0f} ms  oversold={b['oversold']}  statuses {b['statuses']}")
    print(f"  ratio: {100 * r['per_s'] / b['per_s']:.0f}% of the bare ceiling; per pass (rush turn, then bare turn): "
          + "; ".join(f"{p['rush']:.0f}/{p['bare']:.0f} = {100 * p['rush'] / p['bare']:.0f}%" for p in per_pass))
    print(f"sign-in storm (SMS code, the citizens' path: form + phone + code): {sms['ok']}/{sms['attempts']} "
          f"signed in, {sms['per_s']:.1f} sign-ins/s" + (f"  failures {sms['failures']}" if sms["failures"] else ""))
    print(f"sign-in storm (password, PBKDF2): {s['ok']}/{s['attempts']} signed in, {s['per_s']:.1f} sign-ins/s"
          + (f"  failures {s['failures']}" if s["failures"] else ""), flush=True)
    if ARGS.lottery:
        report_lottery()


def report_lottery():
    lot = lottery(ARGS.lottery)
    print(f"lottery: {lot['applicants']} applicants, {lot['seat_requests']} seat requests over 364 schools, "
          f"through lottery_start → lottery_task on a db_worker: {lot['wall_s']:.1f} s from start to done "
          f"(task {lot['task_s']:.1f} s; worker peak RSS {lot['worker_rss_mb']:.0f} MB)")
    print(f"  admitted {lot['admitted']}, waitlisted {lot['waitlisted']} student-days, pending {lot['pending']}, "
          f"oversold={lot['oversold']} counter_mismatch={lot['counter_mismatch']}")
    nt = lot["notices"]
    if nt:
        eta = nt["expected"] / nt["per_s"] / 60 if nt["per_s"] else float("inf")
        print(f"  result notices (one per guardian and child): {nt['sent']} of {nt['expected']} in "
              f"{nt['seconds']:.0f} s, {nt['per_s']:.0f}/s" + ("" if nt["sent"] >= nt["expected"]
                                                          else f" (all would take ~{eta:.0f} min)"))
    from io import StringIO

    from django.core.management import call_command

    t = time.monotonic()
    out = StringIO()
    call_command("draw_verify", lot["draw_key"], stdout=out)
    print(f"  draw_verify {lot['draw_key']} ({time.monotonic() - t:.1f} s): {out.getvalue().strip()[:300]}")
    print(f"  (with --keep-db: DATABASE_URL={ARGS.pg}/{ARGS.db} .venv/bin/python manage.py draw_verify "
          f"{lot['draw_key']})", flush=True)


if __name__ == "__main__":
    main()
