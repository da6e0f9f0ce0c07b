"""What the journeys' browser tests share (issue 22): Debian's chromium, a phone (375×812) for each
person taking part, signed in as that person, a stopwatch for the journey's steps and axe-core
at the journey's last page.

A journey is a real person's path through the real pages: the test sets up the world with the
programs' services and factories, then every action of the person is a click or a filled form
in the browser. People are signed in the way the other browser tests do it (``force_login``,
the session cookie handed to the browser): signing in has its own tests.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager

from django.conf import settings
from django.test import Client

from .pagecheck import PHONE, SERIOUS, chromium  # noqa: F401 — chromium is the tests' browser

ARGS_LOCALE = "zh-CN"
# Playwright's sync API runs an event loop in the test's thread; the ORM calls there stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class Journey:
    """One journey: its name, the live server, a browser, the phones opened, and the steps' times."""

    def __init__(self, name: str, *, browser, base_url: str):
        self.name = name
        self.browser = browser
        self.base_url = base_url
        self.times: dict[str, float] = {}
        self._started = time.perf_counter()

    def phone(self, user=None, **context):
        """A new phone (browser context) with one page, signed in as ``user`` (None: nobody)."""
        options = {"locale": ARGS_LOCALE, "viewport": dict(PHONE), "is_mobile": True,
                   "has_touch": True, "base_url": self.base_url} | context
        ctx = self.browser.new_context(**options)
        if user is not None:
            client = Client()
            client.force_login(user)
            ctx.add_cookies([{
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": self.base_url,
            }])
        return ctx.new_page()

    @contextmanager
    def step(self, name: str):
        """Time one step of the journey (what the person does and waits for in the browser)."""
        start = time.perf_counter()
        yield
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start

    def report(self) -> float:
        total = time.perf_counter() - self._started
        steps = {k: round(v, 2) for k, v in self.times.items()}
        print(f"\njourney {self.name!r}: {total:.1f} s in the browser; steps (s): {steps}")
        return total


def fits_the_phone(page) -> bool:
    """The page is no wider than the phone's screen (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now (empty: it passes)."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for violation in Axe().run(page).response["violations"]:
        if violation.get("impact") in SERIOUS:
            targets = [", ".join(map(str, n["target"])) for n in violation["nodes"][:3]]
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
