"""Enterprise start-up: licence generation + signing, the verification API, and the platform's
own share of the submission-to-licence time when every department acts at once.

    .venv/bin/python bench/enterprise_startup_licence.py [--licences 30] [--verify 600]
        [--verify-pdf 60] [--concurrency 8] [--workers 3] [--cases 10] [--keep-db]

Creates a fresh PostgreSQL database (``--db``, default minsheng_bench_startup on
127.0.0.1:5432), migrates it (the scope catalogue is seeded by migration), and makes a
district with its seven departments' offices and officers, a bank, a seal shop and founders.
Applications are made through the real services (name_reserve, draft_save ×5,
confirmations_request, application_submit). Then:

1. licences: ``--licences`` submitted applications; each gets ``licence_issue`` (credit code,
   canonical payload, SM2 signature, row, audit, notification) and ``licence_pdf`` (WeasyPrint,
   Noto CJK, QR, embedded licence.json). Prints licences/s and the share of time inside
   ``licence.sign`` (goal < 10%), with and without the PDF; and the bare SM2 sign/verify rate.
2. verification API over HTTP: granian WSGI (``--workers`` processes, loopback) on the same
   database; ``--verify`` POSTs of a QR document to /api/v1/enterprise_startup/verify and
   ``--verify-pdf`` PDF uploads to /verify/pdf at ``--concurrency``; req/s, p50/p99 ms, and
   every answer checked ("valid").
3. submission to licence with no human wait: ``--cases`` applications; application_submit is
   timed, then seven threads (one per department, each its own officer and DB connection)
   finish their steps at the same instant through step_complete (the engine's task_complete +
   the on_complete hook; market regulation's issues the licence). Prints per-step ms (p50/max,
   goal < 1 s per step), submit ms, and submit → last step (licence issued, case completed).

No timing is asserted. The database is dropped at the end unless --keep-db.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="minsheng_bench_startup")
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--licences", type=int, default=30)
    p.add_argument("--verify", type=int, default=600)
    p.add_argument("--verify-pdf", type=int, default=60)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--cases", type=int, default=10)
    p.add_argument("--port", type=int, default=8947)
    p.add_argument("--keep-db", action="store_true")
    return p.parse_args()


ARGS = parse_args()
os.environ["DATABASE_URL"] = f"{ARGS.pg}/{ARGS.db}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["RATE_LIMITS_ENABLED"] = "0"
os.environ.setdefault("MINSHENG_VAR_DIR", "/tmp/minsheng_es_bench_var")  # dev secrets and the SM2 key


def ms(values):
    v = sorted(values)
    if not v:
        return "n/a"
    p99 = v[min(len(v) - 1, int(round(0.99 * (len(v) - 1))))]
    return f"p50 {statistics.median(v) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {v[-1] * 1000:.0f} ms"


def fresh_database():
    import psycopg

    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{ARGS.db}"')


def drop_database():
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{ARGS.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{ARGS.db}" WITH (FORCE)')


# --- the world ---------------------------------------------------------------------------------


class World:
    pass


def setup_world():
    import datetime as dt

    from django.core.management import call_command

    from minsheng.access.models import Organisation, Role, RoleAssignment
    from minsheng.access.roles import CORE_ROLES
    from minsheng.identity.crypto import keyed_hash
    from minsheng.identity.idnumbers import id_number_make
    from minsheng.identity.models import Person, User
    from minsheng.programs.enterprise_startup.models import SealShop
    from minsheng.programs.enterprise_startup.processes import STEPS
    from minsheng.regions.models import Region

    t0 = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrated in {time.monotonic() - t0:.0f} s", flush=True)
    for code, spec in CORE_ROLES.items():
        Role.objects.get_or_create(code=code, defaults={"title": str(spec["title"])})
    w = World()
    province = Region.objects.create(code="320000", prefix="32", name="江苏省", level="province")
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city", parent=province)
    w.district = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    w.town = Region.objects.create(code="320706001", prefix="320706001", name="新海街道", level="town", parent=w.district)

    def staff(username, org):
        u = User.objects.create_user(username=username, password="bench-pass-2026", name=username)
        u.is_staff = True
        u.save(update_fields=["is_staff"])
        RoleAssignment.objects.create(user=u, role_id="case_officer", organisation=org, region=w.district)
        return u

    w.officers = {}
    for code in STEPS:
        if code == "bank":
            continue
        org = Organisation.objects.create(name=f"海州区{code}", kind="department", department_code=code, region=w.district)
        w.officers[code] = staff(f"{code}_officer", org)
    w.bank = Organisation.objects.create(name="中国银行连云港分行", kind="bank", region=w.district)
    w.officers["bank"] = staff("bank_officer", w.bank)
    w.shop = SealShop.objects.create(name="海州区诚信刻章店", region=w.district, licence_number="GA-001")
    w.founders = []
    for i in range(20):
        number = id_number_make(region_code="320706", birth_date=dt.date(1980 + i, 3, 4), sequence=100 + i)
        u = User.objects.create_user(username=f"founder{i}", password="bench-pass-2026", name=f"创业者{i}")
        Person.objects.create(user=u, name=f"创业者{i}", id_number=number, id_number_hash=keyed_hash(number), id_number_tail=number[-4:])
        w.founders.append((u, number))
    return w


# The QR code of each PDF points at the verification page of the server the licence came from.
VERIFY_URL = "http://127.0.0.1:8000/p/enterprise_startup/verify/"
STEMS = list("云帆星河海韵嘉禾瑞丰恒达鑫源华泰金港蓝湾博远汇通锦程润泽天成万和启航众诚宏图明辉晨光翔宇志远新凯德盛")
INDUSTRIES = ["科技", "贸易", "物流", "餐饮管理", "信息技术", "建材", "电子", "文化传媒", "农业发展", "海洋科技"]
STEP_DATA = {
    "market_regulation": {},
    "public_security": {"filing_number": "GA-BENCH"},
    "tax": {"taxpayer_type": "小规模纳税人"},
    "human_resources": {"social_insurance_number": "SB-BENCH"},
    "medical_insurance": {"medical_insurance_number": "YB-BENCH"},
    "housing_fund": {"housing_fund_account": "GJJ-BENCH"},
    "bank": {"appointment_at": "2026-03-03T10:00"},
}


def make_application(w, i, rng, *, submit=True):
    """A fully filled, confirmed application through the services; (app, seconds of submit)."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.core.errors import ValidationFailed
    from minsheng.programs.enterprise_startup.services import draft, names, submission

    user, number = w.founders[i % len(w.founders)]
    for _attempt in range(50):
        trade = "".join(rng.sample(STEMS, 3))
        try:
            app = names.name_reserve(applicant=user, region_code="320706", trade_name=trade,
                                        industry=rng.choice(INDUSTRIES), org_form="有限公司",
                                        enterprise_type="llc", pledge=True)
            break
        except ValidationFailed:
            continue
    else:
        raise SystemExit("no free name found")
    steps = {
        "type": {"enterprise_type": "llc", "registered_capital": "1000000", "contribution_form": "cash",
                 "paid_in_deadline": (timezone.localdate() + dt.timedelta(days=700)).isoformat()},
        "people": {
            "legal_rep": {"name": user.name, "id_number": number},
            "shareholders": [{"kind": "person", "name": user.name, "id_number": number, "share_percent": "100"}],
            "directors": [user.name], "supervisors": [], "manager": user.name,
            "liaison": {"name": user.name, "id_number": number, "phone": "13900000001"},
            "finance": {"name": user.name, "phone": "13900000002"},
        },
        "address": {"region_code": w.town.code, "street": f"朝阳东路{i + 1}号", "pledge": True},
        "scope": {"items": ["G0001", "G0002", "G0003"], "licence_ack": False},
        "services": {"bank": w.bank.pk, "seal_shop": w.shop.pk, "recipient": {"name": user.name, "phone": "13900000001"},
                     "delivery_address": "江苏省连云港市海州区朝阳东路18号"},
    }
    for step, data in steps.items():
        draft.draft_save(application=app, actor=user, step=step, data=data)
    submission.confirmations_request(application=app, actor=user)
    elapsed = None
    if submit:
        t = time.perf_counter()
        submission.application_submit(application=app, actor=user)
        elapsed = time.perf_counter() - t
    app.refresh_from_db()
    return app, elapsed


# --- 1. licence generation + signing ----------------------------------------------------------------


def bench_licences(w, rng):
    from django.db import transaction

    from minsheng.programs.enterprise_startup import licence as lic
    from minsheng.programs.enterprise_startup.services import licence as licence_services

    apps = [make_application(w, i, rng)[0] for i in range(ARGS.licences)]
    signing = [0.0]
    real_sign = lic.sign

    def timed_sign(payload):
        t = time.perf_counter()
        try:
            return real_sign(payload)
        finally:
            signing[0] += time.perf_counter() - t

    lic.sign = timed_sign
    licence_services.licence_pdf(licence=licence_services.licence_issue(application=apps[0], actor=w.officers["market_regulation"]), verify_base_url=VERIFY_URL)  # warm fonts
    signing[0] = 0.0
    issue_s = pdf_s = 0.0
    pdfs = []
    try:
        for app in apps[1:]:
            t = time.perf_counter()
            with transaction.atomic():
                row = licence_services.licence_issue(application=app, actor=w.officers["market_regulation"])
            t2 = time.perf_counter()
            pdfs.append((row, licence_services.licence_pdf(licence=row, verify_base_url=VERIFY_URL)))
            issue_s += t2 - t
            pdf_s += time.perf_counter() - t2
    finally:
        lic.sign = real_sign
    n = len(apps) - 1
    total = issue_s + pdf_s
    print(f"\n1. licence generation + signing ({n} licences, PostgreSQL, one process)")
    print(f"   issue + PDF: {n / total:.1f} licences/s ({total / n * 1000:.0f} ms each: issue {issue_s / n * 1000:.1f} ms, "
          f"PDF {pdf_s / n * 1000:.0f} ms); signing {signing[0] / n * 1000:.2f} ms each = "
          f"{100 * signing[0] / total:.2f}% of the time (goal < 10%)")
    print(f"   issue only (code, payload, SM2 signature, row, audit, notification): {n / issue_s:.0f} licences/s; "
          f"signing = {100 * signing[0] / issue_s:.1f}% of it")
    payload = pdfs[0][0].payload
    k = 300
    t = time.perf_counter()
    for _ in range(k):
        sig = lic.sign(payload)
    sign_rate = k / (time.perf_counter() - t)
    t = time.perf_counter()
    for _ in range(k):
        lic.signature_valid(payload, sig)
    verify_rate = k / (time.perf_counter() - t)
    print(f"   bare SM2 (gmssl-pyx): sign {sign_rate:.0f}/s, verify {verify_rate:.0f}/s")
    return pdfs


# --- 2. verification API ----------------------------------------------------------------------------


def start_server():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = Path("/tmp/minsheng_es_bench_server.log").open("wb")
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(ARGS.port),
         "--workers", str(ARGS.workers), "--blocking-threads", "1", "config.wsgi:application"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(120):
        try:
            c = HTTPConnection("127.0.0.1", ARGS.port, timeout=2)
            c.request("GET", "/healthz")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("server did not start; see /tmp/minsheng_es_bench_server.log")


def stop_server(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


_local = threading.local()


def post(path, body: bytes, content_type: str):
    for _attempt in range(2):
        try:
            if getattr(_local, "conn", None) is None:
                _local.conn = HTTPConnection("127.0.0.1", ARGS.port, timeout=60)
            t = time.perf_counter()
            _local.conn.request("POST", path, body=body, headers={"Content-Type": content_type})
            r = _local.conn.getresponse()
            data = r.read()
            return r.status, data, time.perf_counter() - t
        except OSError:
            _local.conn = None
    return 0, b"", 0.0


def run_load(n, make_request):
    latencies, bad = [], []
    t0 = time.perf_counter()
    with ThreadPoolExecutor(ARGS.concurrency) as pool:
        for status, data, seconds in pool.map(make_request, range(n)):
            latencies.append(seconds)
            if status != 200 or b'"result":"valid"' not in data.replace(b" ", b""):
                bad.append((status, data[:200]))
    return n / (time.perf_counter() - t0), latencies, bad


def bench_verify(pdfs):
    import json

    from minsheng.programs.enterprise_startup import licence as lic
    from minsheng.programs.enterprise_startup import selectors

    docs = [lic.signed_document(row.payload, row.signature) for row, _pdf in pdfs]
    k = 200
    t = time.perf_counter()
    for i in range(k):
        selectors.licence_verify(document=docs[i % len(docs)])
    in_process = k / (time.perf_counter() - t)
    proc = start_server()
    try:
        body = [json.dumps({"document": d}).encode() for d in docs]
        post("/api/v1/enterprise_startup/verify", body[0], "application/json")  # warm
        rate, lat, bad = run_load(ARGS.verify, lambda i: post("/api/v1/enterprise_startup/verify", body[i % len(body)], "application/json"))
        boundary = uuid.uuid4().hex
        uploads = [
            (f"--{boundary}\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"licence.pdf\"\r\n"
             f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
            for _row, pdf in pdfs
        ]
        ctype = f"multipart/form-data; boundary={boundary}"
        prate, plat, pbad = run_load(ARGS.verify_pdf, lambda i: post("/api/v1/enterprise_startup/verify/pdf", uploads[i % len(uploads)], ctype))
    finally:
        stop_server(proc)
    size = statistics.mean(len(p) for _r, p in pdfs) / 1024
    print(f"\n2. verification API over HTTP (granian WSGI, {ARGS.workers} workers, PostgreSQL, concurrency {ARGS.concurrency})")
    print(f"   POST /api/v1/enterprise_startup/verify (QR document): {rate:.0f} req/s, {ms(lat)}; "
          f"{len(bad)} answers not 'valid'{' e.g. ' + repr(bad[0]) if bad else ''}")
    print(f"   POST /api/v1/enterprise_startup/verify/pdf (upload, {size:.0f} KiB): {prate:.0f} req/s, {ms(plat)}; "
          f"{len(pbad)} answers not 'valid'{' e.g. ' + repr(pbad[0]) if pbad else ''}")
    print(f"   in process, no HTTP (selectors.licence_verify): {in_process:.0f} checks/s")


# --- 3. submission to licence, every department at once ---------------------------------------------


def bench_parallel(w, rng):
    from django.db import connection

    from minsheng.cases.models import CaseTask
    from minsheng.programs.enterprise_startup.models import BusinessLicence
    from minsheng.programs.enterprise_startup.services import departments, submission

    submit_s, step_s, total_s, problems = [], {}, [], []
    for i in range(ARGS.cases):
        app, _none = make_application(w, 1000 + i, rng, submit=False)
        t_submit = time.perf_counter()
        submission.application_submit(application=app, actor=app.applicant)
        submitted = time.perf_counter()
        submit_s.append(submitted - t_submit)
        tasks = list(CaseTask.objects.filter(case__startup_application=app))
        barrier = threading.Barrier(len(tasks))
        done_at = {}

        def finish(task, barrier=barrier, done_at=done_at):
            try:
                barrier.wait()
                t = time.perf_counter()
                departments.step_complete(task=task, actor=w.officers[task.department_code], data=STEP_DATA[task.department_code])
                done_at[task.department_code] = (t, time.perf_counter())
            except Exception as exc:  # noqa: BLE001 — reported below
                problems.append(f"{task.department_code}: {exc!r}")
            finally:
                connection.close()

        threads = [threading.Thread(target=finish, args=(t,)) for t in tasks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        for code, (a, b) in done_at.items():
            step_s.setdefault(code, []).append(b - a)
        app.refresh_from_db()
        if app.state != "completed" or not BusinessLicence.objects.filter(application=app).exists():
            problems.append(f"application {app.pk} is {app.state}")
        total_s.append(max(b for _a, b in done_at.values()) - t_submit if done_at else float("nan"))
    every = [s for v in step_s.values() for s in v]
    print(f"\n3. submission → licence with no human wait ({ARGS.cases} cases; 7 departments finish at the same instant, "
          "one thread and connection each, PostgreSQL)")
    print(f"   application_submit (validation, case, 7 tasks, delivery): {ms(submit_s)}")
    for code, values in sorted(step_s.items()):
        print(f"   step {code:18s}: {ms(values)}")
    print(f"   every step (goal < 1 s each): {ms(every)}; over 1 s: {sum(s > 1 for s in every)} of {len(every)}")
    print(f"   submit → last step done (licence issued, case completed): {ms(total_s)}")
    print(f"   problems: {problems or 'none'}")


def main():
    import random

    fresh_database()
    import django

    django.setup()
    from django.utils import translation

    translation.activate("zh-hans")
    rng = random.Random(20261127)
    started = time.monotonic()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    try:
        w = setup_world()
        pdfs = bench_licences(w, rng)
        bench_verify(pdfs)
        bench_parallel(w, rng)
    finally:
        print(f"\nload average at end: {os.getloadavg()[0]:.1f}; total {time.monotonic() - started:.0f} s")
        if not ARGS.keep_db:
            drop_database()


if __name__ == "__main__":
    main()
