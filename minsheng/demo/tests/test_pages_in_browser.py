"""Every page, in a browser, passes the design checks of issue 19 (minsheng.demo.pagecheck).

The page list is the site's URL patterns (the ones ``access/tests/test_url_auth.py`` checks)
as the demo city's accounts reach them (``minsheng.demo.pagewalk``): one page per pattern,
opened as the least-privileged account that may open it, plus the 404 and 403 pages.
The demo city is built once, small (scale 0.0002), and removed afterwards.

- every page at 375×812 in Chinese: axe (no serious or critical violation), no sideways
  scrolling, its own title, no console error, no untranslated interface text;
- every page at 1366×900 in English, and in elderly mode (大字版, Chinese): the same checks,
  axe on the key pages (``KEY_ROUTES``) only;
- the key pages in elderly mode at 375×812 too, with axe — where its large text is likeliest
  to push a page sideways.

Every URL pattern (the API aside) must be opened by some demo account, but the POST-only
actions and data ``pagewalk.KNOWN_UNOPENED`` names with their reasons.

One test (the live server empties the database after each test, and the city is built
once); one chromium, one context per account and mode, one page reused per context. The
failure message lists every page that fails, per mode, with what failed.
``manage.py page_gallery`` runs the full matrix with screenshots.
"""

import os
import time

import pytest

from minsheng.demo.pagecheck import DESKTOP, MODES, PHONE, check_pages, chromium, report
from minsheng.demo.pagewalk import (
    KNOWN_UNOPENED,
    error_pages,
    least_privileged_pages,
    page_visits,
    sessions_for,
    url_patterns,
)
from minsheng.demo.services import demo_build
from minsheng.regions.services import regions_load

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCALE, SEED = 0.0002, 11
# The pages people use most, checked with axe in every mode: the shells, sign-in, the
# error pages, and each program's first page for citizens and for staff.
KEY_ROUTES = {
    "",
    "accounts/login/",
    "me/",
    "workbench/",
    "cases/mine/",
    "cases/mine/<int:case_id>/",
    "notifications/",
    "(404)",
    "(403)",
    "p/enterprise_startup/",
    "p/enterprise_startup/name/",
    "p/enterprise_startup/verify/",
    "p/enterprise_startup/work/",
    "p/elderly_care/",
    "p/elderly_care/orders/",
    "p/after_school/",
    "p/after_school/manage/",
    "p/service_halls/",
    "p/service_halls/appointments/",
    "p/service_halls/clerk/",
    "p/evaluation_panels/",
    "p/evaluation_panels/me/",
    "draws/<slug:key>/",
}


def _pages():
    """The demo city's pages, each as its least-privileged account, and the patterns opened."""
    regions_load(province="32", history=False)
    demo_build(scale=SCALE, seed=SEED, show_progress=False)
    visits = page_visits(max_pages=300)
    opened = {visit.route for visit in visits if visit.status == 200}
    pages = least_privileged_pages(visits)
    return pages + error_pages(pages), opened


def _coverage_problems(pages, opened, patterns) -> list[str]:
    """Every URL pattern (the API aside) is opened by some demo account, but the ones
    ``KNOWN_UNOPENED`` names with a reason; and those are really not pages any account opens."""
    reached = {page.route for page in pages}
    problems = []
    missing = patterns - opened - KNOWN_UNOPENED.keys()
    if missing:
        problems.append("URL patterns no demo account opened (give a demo account such an object, or "
                        "link to the page): " + ", ".join(sorted(missing)))
    stale = KNOWN_UNOPENED.keys() & opened
    if stale:
        problems.append("KNOWN_UNOPENED names patterns that an account opened: " + ", ".join(sorted(stale)))
    if not KEY_ROUTES <= reached:
        problems.append("key pages not walked: " + ", ".join(sorted(KEY_ROUTES - reached)))
    return problems


# One test: the live server empties the database after each test, and the city is built once.
@pytest.mark.django_db(transaction=True)
def test_every_page_passes_the_design_checks_in_a_browser(live_server):
    started = time.monotonic()
    pages, opened = _pages()
    sessions = sessions_for(pages)
    patterns = {r for r, ns, _v in url_patterns() if ns != "admin" and not r.startswith("api/")}
    unopened = sorted(patterns - opened)
    print(f"\npage walk: {len(pages)} pages; {len(patterns & opened)} of {len(patterns)} URL patterns "  # noqa: T201
          f"(API aside) opened, found in {time.monotonic() - started:.0f} s; opened by no account "
          f"({len(unopened)}):\n  " + "\n  ".join(f"{r}  — {KNOWN_UNOPENED.get(r, 'NOT KNOWN')}" for r in unopened))
    problems = _coverage_problems(pages, opened, patterns)
    key_pages = [page for page in pages if page.route in KEY_ROUTES]
    runs = [  # (mode, size, the pages, the routes axe looks at: None = every page)
        ("zh", PHONE, pages, None),
        ("en", DESKTOP, pages, KEY_ROUTES),
        ("elderly", DESKTOP, pages, KEY_ROUTES),
        # Elderly mode's large text is likeliest to push a phone's page sideways: the key pages.
        ("elderly", PHONE, key_pages, KEY_ROUTES),
    ]
    with chromium() as browser:
        for mode, viewport, run_pages, axe_routes in runs:
            t = time.monotonic()
            failures = check_pages(
                browser, live_server.url, run_pages, sessions=sessions, mode=MODES[mode],
                viewport=viewport, axe_routes=axe_routes,
            )
            print(f"{mode} at {viewport['width']}: {len(run_pages)} pages in "  # noqa: T201
                  f"{time.monotonic() - t:.0f} s, {len(failures)} finding(s)")
            if failures:
                problems.append(report(failures, mode=MODES[mode], viewport=viewport))
    print(f"page walk in all: {time.monotonic() - started:.0f} s")  # noqa: T201
    assert not problems, "\n\n".join(problems)
