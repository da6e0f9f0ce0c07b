"""Every page, in a browser, passes the design checks of issue 19 (minsheng.demo.pagecheck).

The page list is the site's URL patterns (the ones ``access/tests/test_url_auth.py`` checks)
as the demo city's accounts reach them (``minsheng.demo.pagewalk``): one page per pattern,
opened as the least-privileged account that may open it, plus the 404 and 403 pages.
The demo city is built once for the module, small (scale 0.0002), and removed afterwards.

- every page at 375×812 in Chinese: axe (no serious or critical violation), no sideways
  scrolling, its own title, no console error, no untranslated interface text;
- the same at 1366×900 in English, and in elderly mode (大字版, Chinese) at 375×812 —
  the size where its large text is likeliest to push a page sideways —, with axe on
  the key pages (``KEY_ROUTES``) only.

One chromium for the module, one context per account and mode, one page reused per context.
``manage.py page_gallery`` runs the full matrix with screenshots.
"""

import os
import time

import pytest
from django.core.management import call_command

from minsheng.demo.pagecheck import DESKTOP, MODES, PHONE, check_pages, chromium, report
from minsheng.demo.pagewalk import (
    KNOWN_UNOPENED,
    error_pages,
    least_privileged_pages,
    page_visits,
    parameterless_urls,
    route_of,
    sessions_for,
    url_patterns,
)
from minsheng.demo.services import demo_build
from minsheng.regions.services import regions_load

# django_db: the test database exists and each test's own writes (a page that marks
# messages read) are rolled back; the city itself stays for the whole module.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]
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
}


class City:
    def __init__(self, base_url, pages, opened, sessions, seconds):
        self.base_url, self.pages, self.opened = base_url, pages, opened
        self.sessions, self.seconds = sessions, seconds


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """The demo city, its pages and signed-in sessions, and a live server showing them.

    Not the ``live_server`` fixture: that empties the database after each test, and the
    city is built once for the module. This fixture empties it at the end instead.
    """
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        started = time.monotonic()
        regions_load(province="32", history=False)
        demo_build(scale=SCALE, seed=SEED, show_progress=False)
        visits = page_visits(max_pages=150)
        opened = {visit.route for visit in visits if visit.status == 200}
        pages = least_privileged_pages(visits)
        pages += error_pages(pages)
        sessions = sessions_for(pages)
        server = LiveServer("localhost")
        try:
            yield City(server.url, pages, opened, sessions, time.monotonic() - started)
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _run(city, browser, mode, viewport, *, axe_routes=None):
    started = time.monotonic()
    failures = check_pages(
        browser, city.base_url, city.pages, sessions=city.sessions,
        mode=MODES[mode], viewport=viewport, axe_routes=axe_routes,
    )
    print(f"\n{mode} at {viewport['width']}: {len(city.pages)} pages in "  # noqa: T201
          f"{time.monotonic() - started:.0f} s")
    assert not failures, report(failures, mode=MODES[mode], viewport=viewport)


def test_the_walk_opens_every_page_some_account_may_open(city):
    reached = {page.route for page in city.pages}
    starts = {route_of(url) for url in parameterless_urls()} - {None}
    missing = {r for r in starts - city.opened if not r.startswith("api/")} - KNOWN_UNOPENED
    patterns = {r for r, ns, _v in url_patterns() if ns != "admin" and not r.startswith("api/")}
    unopened = sorted(patterns - city.opened - {"i18n/setlang/"})
    print(f"\npage walk: {len(city.pages)} pages of {len(patterns)} URL patterns (API aside); "  # noqa: T201
          f"city and page list in {city.seconds:.0f} s; opened by no account ({len(unopened)}: "
          "POST-only actions, and pages of objects no demo account reaches):\n  " + "\n  ".join(unopened))
    assert not missing, sorted(missing)
    assert KEY_ROUTES <= reached, sorted(KEY_ROUTES - reached)
    assert {"(404)", "(403)"} <= reached


def test_every_page_on_a_phone_in_chinese_passes_axe_and_the_layout_checks(city, browser):
    _run(city, browser, "zh", PHONE)


def test_every_page_on_a_desktop_in_english_passes_the_checks_and_key_pages_axe(city, browser):
    _run(city, browser, "en", DESKTOP, axe_routes=KEY_ROUTES)


def test_every_page_in_elderly_mode_passes_the_checks_and_key_pages_axe(city, browser):
    _run(city, browser, "elderly", PHONE, axe_routes=KEY_ROUTES)
