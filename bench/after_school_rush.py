"""The enrolment rush: the real application endpoint under load, against a bare ceiling.

    .venv/bin/python bench/after_school_rush.py [--guardians 3000] [--concurrency 48]
        [--workers 3] [--capacity 400] [--offerings 5] [--signins 40] [--lottery 605000]

Creates a fresh PostgreSQL database (``--db``, default minsheng_as_bench on
127.0.0.1:5432), migrates it, creates schools, guardians with children and signed-in
sessions, first-come offerings whose places are fewer than the applicants, and an open
window. Then it starts granian (WSGI, ``--workers`` processes, loopback only) and:

1. rush: every guardian POSTs /api/v1/after_school/applications once (some twice with
   the same Idempotency-Key, as a double tap) at ``--concurrency``; then checks the DB:
   oversold (taken > capacity or admitted seats > capacity), lost (a 201/200 answer with
   no row), duplicates (two rows for one key or one child+offering);
2. ceiling: the same number of requests to a bare Django view doing SELECT … FOR UPDATE
   + INSERT on the same day rows (bench/after_school_bare_urls.py);
3. sign-in storms: ``--signins`` guardians sign in at once with an SMS code through the
   pages citizens use (GET /accounts/login/sms/, POST the phone, POST the code read from the
   console SMS channel in the server's output) — the path of a rush — and with a password
   (PBKDF2, expensive by design; staff and a minority of citizens);
4. lottery: ``--lottery`` applicants on lottery offerings allocated by lottery_run (0 skips).

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
    p.add_argument("--offerings", type=int, default=5)
    p.add_argument("--capacity", type=int, default=400)
    p.add_argument("--double-tap", type=float, default=0.1, help="share of guardians who submit twice")
    p.add_argument("--signins", type=int, default=40)
    p.add_argument("--lottery", type=int, default=605_000)
    p.add_argument("--port", type=int, default=8931)
    p.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    p.add_argument("--keep-db", action="store_true", help="keep the database (to run draw_verify)")
    return p.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.pg}/{ARGS.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["RATE_LIMITS_ENABLED"] = "0"
os.environ["REDIS_URL"] = ARGS.redis  # sessions (cached_db) and OTP codes live in Redis, as deployed
os.environ["SMS_CHANNEL"] = "console"
SMS_LOG = Path("/tmp/minsheng_as_bench_sms.log")
# Its own var folder: development secrets, file cache and collected static files.
os.environ.setdefault("MINSHENG_VAR_DIR", "/tmp/minsheng_as_bench_var")


def fresh_database():
    import psycopg

    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.db}"')


def setup():
    import django

    django.setup()
    from datetime import date, timedelta
    from datetime import time as dtime

    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from minsheng.access.models import Organisation
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.models import Person, PersonRelation, User
    from minsheng.programs.after_school import services
    from minsheng.programs.after_school.models import ClassGroup, Enrolment, Grade, Term
    from minsheng.regions.models import Region

    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages use the manifest storage
    print(f"migrated in {time.monotonic() - t0:.0f} s", flush=True)
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city")
    county = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    now = timezone.now()
    term = Term.objects.create(name="bench term", school_year=2026, starts_on=date(2026, 9, 1), ends_on=date(2027, 1, 22))
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
         "--workers", str(ARGS.workers), "--blocking-threads", "1", app],
        cwd=ROOT, env=env, stdout=SMS_LOG.open("wb"), stderr=subprocess.PIPE, start_new_session=True)
    for _ in range(120):
        try:
            c = HTTPConnection("127.0.0.1", ARGS.port, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not start: " + proc.stderr.read().decode()[-2000:])


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


def rush(jobs):
    csrf = secrets.token_hex(16)
    calls, acked = [], {}
    rng = __import__("random").Random(7)
    for job in jobs:
        key = f"bench-{job['username']}-{secrets.token_hex(6)}"
        body = json.dumps({"student": job["student"], "offering": job["offering"], "weekdays": [0, 1, 2, 3, 4]})
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, "X-CSRFToken": csrf,
                   "Cookie": f"sessionid={job['session']}; csrftoken={csrf}"}
        for _ in range(2 if rng.random() < ARGS.double_tap else 1):
            calls.append(lambda b=body, h=headers, k=key: (k, request("POST", "/api/v1/after_school/applications", b, h)))
    rng.shuffle(calls)
    results, elapsed = drive(calls)
    statuses = {}
    for key, (status, data, _lat, _r) in results:
        statuses[status] = statuses.get(status, 0) + 1
        if status in (200, 201):
            acked[key] = json.loads(data)["id"]
    lat = [r[1][2] for r in results if r[1][0] in (200, 201, 409)]
    return {"requests": len(results), "seconds": elapsed, "per_s": len(results) / elapsed, "statuses": statuses,
            "p50": pct(lat, 0.5), "p99": pct(lat, 0.99), "acked": acked}


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


def bare(jobs, offerings):
    from django.db import connection

    from minsheng.programs.after_school.models import OfferingDay

    connection.close()
    OfferingDay.objects.update(taken=0, capacity=ARGS.capacity)
    days = list(OfferingDay.objects.filter(weekday=0).values_list("pk", flat=True))

    def claim(day_id, client):
        return lambda: request("POST", f"/bare/{day_id}/", b"", {"X-Client": client})

    calls = [claim(days[i % len(days)], j["username"]) for i, j in enumerate(jobs)]
    results, elapsed = drive(calls)
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
    """The code the console SMS channel printed for ``phone`` (the server's stdout)."""
    pattern = re.compile(r"\[sms to " + re.escape(phone) + r"\][^\n]*?(\d{6})")
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


def lottery(n):
    from datetime import time as dtime
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from minsheng.access.models import Organisation
    from minsheng.identity.models import Person
    from minsheng.programs.after_school import services
    from minsheng.programs.after_school.lottery import lottery_run
    from minsheng.programs.after_school.models import Application, OfferingDay, SeatRequest, Term
    from minsheng.regions.models import Region

    connection.close()
    t0 = time.monotonic()
    county = Region.objects.get(code="320706")
    term = Term.objects.get()
    now = timezone.now()
    window = services.window_create(actor=None, term=term, region=county, opens_at=now - timedelta(days=2),
                                    closes_at=now + timedelta(seconds=5))
    schools = Organisation.objects.bulk_create([Organisation(name=f"摇号学校{i}", kind="school", region=county)
                                                for i in range(364)])
    days_by_school = []
    for s in schools:
        o = services.offering_create(actor=None, term=term, title="摇号课后服务", kind="weekday", activity="homework",
                                     host=s, school=s, weekdays=[0, 1, 2, 3, 4], start_time=dtime(15, 40),
                                     end_time=dtime(17, 40), capacity=max(1, int(n / 364 * 0.85)),
                                     allocation="lottery")
        days_by_school.append((o, list(OfferingDay.objects.filter(offering=o).order_by("weekday"))))
    guardians = Person.objects.bulk_create([Person(name="g") for _ in range(n // 2 + 1)], batch_size=10000)
    kids = Person.objects.bulk_create([Person(name="k") for _ in range(n)], batch_size=10000)
    apps = []
    for i, k in enumerate(kids):
        o, _days = days_by_school[i % 364]
        apps.append(Application(reference=services._reference(), student=k, guardian=guardians[i // 2],
                                offering=o, window=window, school_id=o.school_id, grade_level=1 + i % 6,
                                dual_working=i % 3 == 0, idempotency_key=f"lot-{i}"))
    Application.objects.bulk_create(apps, batch_size=10000)
    seats = [SeatRequest(application=a, day=d, weekday=d.weekday)
             for i, a in enumerate(apps) for d in days_by_school[i % 364][1] if (i + d.weekday) % 5 != 4]
    SeatRequest.objects.bulk_create(seats, batch_size=10000)
    setup_s = time.monotonic() - t0
    time.sleep(max(0, (window.closes_at - timezone.now()).total_seconds()) + 0.1)
    t1 = time.monotonic()
    summary = lottery_run(window=window)
    return {"setup_s": setup_s, "lottery_s": time.monotonic() - t1, "seat_requests": len(seats), **summary,
            "draw_key": f"after-school-window-{window.pk}"}


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
    jobs, offerings = setup()
    from django.db import connections

    connections.close_all()
    proc = start_server("config.wsgi:application")
    try:
        r = rush(jobs)
        db = check_db(r["acked"], offerings)
        sms = sms_storm(jobs)
        s = signin_storm(jobs)
    finally:
        stop_server(proc)
    proc = start_server("after_school_bare:application", extra_path=str(ROOT / "bench"),
                        settings_module="after_school_bare_settings")
    try:
        b = bare(jobs, offerings)
    finally:
        stop_server(proc)
    print(f"\nrush: {r['requests']} POSTs ({ARGS.double_tap:.0%} double taps) by {len(jobs)} guardians, "
          f"concurrency {ARGS.concurrency}, {ARGS.workers} granian WSGI workers, PostgreSQL")
    print(f"  applications/s {r['per_s']:.0f}  p50 {r['p50']:.0f} ms  p99 {r['p99']:.0f} ms  statuses {r['statuses']}")
    print(f"  oversold={db['oversold']} lost={db['lost']} duplicates={db['duplicates']} "
          f"counter_mismatch={db['counter_mismatch']} (applications {db['applications']}, places/day {db['places']})")
    print(f"bare SELECT … FOR UPDATE + INSERT view: {b['per_s']:.0f} req/s  p50 {b['p50']:.0f} ms  "
          f"p99 {b['p99']:.0f} ms  oversold={b['oversold']}  statuses {b['statuses']}")
    print(f"  ratio: {100 * r['per_s'] / b['per_s']:.0f}% of the bare ceiling")
    print(f"sign-in storm (SMS code, the citizens' path: form + phone + code): {sms['ok']}/{sms['attempts']} "
          f"signed in, {sms['per_s']:.1f} sign-ins/s" + (f"  failures {sms['failures']}" if sms["failures"] else ""))
    print(f"sign-in storm (password, PBKDF2): {s['ok']}/{s['attempts']} signed in, {s['per_s']:.1f} sign-ins/s"
          + (f"  failures {s['failures']}" if s["failures"] else ""))
    if ARGS.lottery:
        lot = lottery(ARGS.lottery)
        print(f"lottery: {lot['applicants']} applicants, {lot['seat_requests']} seat requests over 364 schools: "
              f"{lot['lottery_s']:.1f} s (admitted {lot['admitted']}, waitlisted {lot['waitlisted']} student-days; "
              f"setup {lot['setup_s']:.0f} s)")
        from io import StringIO

        from django.core.management import call_command

        t = time.monotonic()
        out = StringIO()
        call_command("draw_verify", lot["draw_key"], stdout=out)
        print(f"  draw_verify {lot['draw_key']} ({time.monotonic() - t:.1f} s): {out.getvalue().strip()[:300]}")
        print(f"  (with --keep-db: DATABASE_URL={ARGS.pg}/{ARGS.db} .venv/bin/python manage.py draw_verify "
              f"{lot['draw_key']})")


if __name__ == "__main__":
    main()
