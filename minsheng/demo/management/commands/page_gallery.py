"""``manage.py page_gallery`` — every page of every demo account, in every mode and size, with axe.

The full matrix the CI walk samples (issue 19): each demo account × phone (375×812) and
desktop (1366×900) × Chinese, English and elderly mode, every page the account opens
(``pagewalk.page_visits``), with the checks of ``pagecheck`` including axe on every page.
Writes full-page screenshots, ``index.html`` (the pages, their screenshots and what failed),
``findings.json`` and ``summary.txt`` (axe and the other checks counted) to ``var/gallery/``
(git-ignored).

Needs the demo city in the configured database (``minsheng demo --scale 0.0002`` is
enough) and Debian's chromium. It serves the site itself from a thread on ``--port``.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections import Counter
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application

from minsheng.demo.models import DemoLogin
from minsheng.demo.pagecheck import DESKTOP, MODES, PHONE, check_pages, chromium, screenshot_name
from minsheng.demo.pagewalk import error_pages, page_visits, pages_of_every_account, sessions_for

SIZES = {"phone": PHONE, "desktop": DESKTOP}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # one line per request would bury the summary
        pass


class Command(BaseCommand):
    help = "Screenshot and check every page of every demo account in every mode and size (var/gallery/)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.VAR_DIR) / "gallery"))
        parser.add_argument("--port", type=int, default=8150)
        parser.add_argument("--modes", default=",".join(MODES), help="zh,en,elderly")
        parser.add_argument("--sizes", default=",".join(SIZES), help="phone,desktop")
        parser.add_argument("--accounts", default="", help="comma-separated demo logins (default: all)")
        parser.add_argument("--no-axe", action="store_true")

    def handle(self, *args, out, port, modes, sizes, accounts, no_axe, **options):
        if not DemoLogin.objects.exists():
            raise CommandError("No demo city here: build one first (minsheng demo --scale 0.0002).")
        modes = [m for m in modes.split(",") if m]
        sizes = [s for s in sizes.split(",") if s]
        unknown = (set(modes) - set(MODES)) | (set(sizes) - set(SIZES))
        if unknown:
            raise CommandError(f"unknown mode or size: {', '.join(sorted(unknown))}")
        out = Path(out)
        started = time.monotonic()
        # Only the accounts asked for are walked (the walk is most of a small run's time).
        logins = {"" if a == "anonymous" else a for a in accounts.split(",") if a} or None
        pages = pages_of_every_account(page_visits(logins=logins))
        pages += error_pages(pages)
        if logins is not None:
            pages = [p for p in pages if p.login in logins]
        sessions = sessions_for(pages)
        self.stderr.write(f"{len(pages)} account-pages found in {time.monotonic() - started:.0f} s")

        server = make_server("127.0.0.1", port, get_wsgi_application(), _Server, _QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{port}"
        results = []
        try:
            with chromium() as browser:
                for mode in modes:
                    for size in sizes:
                        t = time.monotonic()
                        failures = check_pages(
                            browser, base_url, pages, sessions=sessions, mode=MODES[mode],
                            viewport=SIZES[size], axe_routes=set() if no_axe else None,
                            screenshots=out / f"{mode}-{size}",
                        )
                        results.append((mode, size, failures))
                        self.stderr.write(
                            f"{mode} {size}: {len(pages)} pages, {len(failures)} finding(s), "
                            f"{time.monotonic() - t:.0f} s"
                        )
        finally:
            server.shutdown()
            server.server_close()
        self._write(out, pages, results)
        self.stdout.write(f"gallery: {out / 'index.html'} ({time.monotonic() - started:.0f} s)")

    def _write(self, out: Path, pages, results) -> None:
        findings = [
            {"mode": mode, "size": size, "url": page.url, "route": page.route,
             "account": page.login or "anonymous", "check": f.check, "detail": f.detail}
            for mode, size, failures in results for page, f in failures
        ]
        (out / "findings.json").write_text(json.dumps(findings, ensure_ascii=False, indent=1))
        by_check = Counter((f["mode"], f["size"], f["check"]) for f in findings)
        axe_rules = Counter(f["detail"].split(" ", 1)[0] for f in findings if f["check"] == "axe")
        lines = [f"{len(pages)} account-pages × {len(results)} mode/size runs"]
        for mode, size, _failures in results:
            counts = ", ".join(
                f"{check} {n}" for (m, s, check), n in sorted(by_check.items()) if (m, s) == (mode, size)
            )
            lines.append(f"  {mode} {size}: {counts or 'no findings'}")
        lines.append("axe rules (serious/critical), pages × runs: " + (
            ", ".join(f"{rule} {n}" for rule, n in axe_rules.most_common()) or "none"))
        (out / "summary.txt").write_text("\n".join(lines) + "\n")

        failed: dict[tuple, list] = {}
        for f in findings:
            failed.setdefault((f["account"], f["url"]), []).append(f)
        runs = [(mode, size) for mode, size, _f in results]
        rows = []
        for page in sorted(pages, key=lambda p: (p.login, p.url)):
            account = page.login or "anonymous"
            shots = "".join(
                f'<td><a href="{mode}-{size}/{screenshot_name(page)}">'
                f'<img loading="lazy" alt="{mode} {size}" src="{mode}-{size}/{screenshot_name(page)}"></a></td>'
                for mode, size in runs
            )
            problems = "".join(
                f"<li>{html.escape(f['mode'])} {html.escape(f['size'])} · {html.escape(f['check'])}: "
                f"{html.escape(f['detail'])}</li>"
                for f in failed.get((account, page.url), [])
            )
            rows.append(
                f"<tr><th scope=row>{html.escape(account)}<br><a href='{html.escape(page.url)}'>"
                f"{html.escape(page.url)}</a><ul>{problems}</ul></th>{shots}</tr>"
            )
        head = "".join(f"<th scope=col>{mode} {size}</th>" for mode, size in runs)
        (out / "index.html").write_text(
            "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>minsheng page gallery</title>"
            "<style>body{font:14px sans-serif}td img{width:180px;vertical-align:top}"
            "th{text-align:left;vertical-align:top;max-width:320px}li{color:#a00}</style>"
            f"<h1>minsheng page gallery</h1><pre>{html.escape(chr(10).join(lines))}</pre>"
            f"<table><tr><th>account · page</th>{head}</tr>{''.join(rows)}</table></html>"
        )
