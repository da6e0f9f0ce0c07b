"""What the journeys' browser tests share (issue 22): Debian's chromium, a phone (375×812) for each
person taking part, signed in as that person, a stopwatch for the journey's steps and axe-core
at the journey's last page.

A journey is a real person's path through the real pages: the test sets up the world with the
programs' services and factories, then every action of the person is a click or a filled form
in the browser. People are signed in the way the other browser tests do it (``force_login``,
the session cookie handed to the browser): signing in has its own tests. ``first_sign_in``
walks an invited member of staff through the first sign-in from the invitation SMS's link.
"""

from __future__ import annotations

import os
import re
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


STAFF_LINK = re.compile(r"(/accounts/staff/link/[\w-]+/)")
SMS_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def staff_link_path(phone: str) -> str:
    """The path of the newest sign-in link sent to ``phone`` (read from the SMS outbox, as tests
    read SMS codes)."""
    from minsheng.core import sms

    texts = [m.text for m in sms.outbox if m.phone == phone and STAFF_LINK.search(m.text)]
    assert texts, f"no sign-in link was sent to {phone}"
    return STAFF_LINK.search(texts[-1]).group(1)


def first_sign_in(j: Journey, page, phone: str, *, password: str = "Staff-first-2026") -> str:
    """An invited person's first sign-in on their phone: open the link from the invitation SMS,
    ask for the code and type it, choose ``password``, set up the authenticator app (the code is
    computed from the key the page shows) and land on the workbench. Returns the app's secret
    (the second factor of later sign-ins). ``page`` is a phone nobody is signed in on."""
    import pyotp

    from minsheng.core import sms

    with j.step("first sign-in: open the link and confirm the phone"):
        page.goto(staff_link_path(phone))
        sent_before = len(sms.outbox)
        page.click("[data-test=send-code] button")
        page.wait_for_selector("[data-test=choose-password]")
        code = next(SMS_CODE.search(m.text).group(1) for m in reversed(sms.outbox[sent_before:])
                    if m.phone == phone and SMS_CODE.search(m.text))
    with j.step("first sign-in: choose a password"):
        page.fill("#id_code", code)
        page.fill("#id_password", password)
        page.fill("#id_password_again", password)
        page.click("[data-test=choose-password] button[type=submit]")
        page.wait_for_selector("[data-test=totp-secret]")
    with j.step("first sign-in: set up the authenticator app"):
        secret = page.inner_text("[data-test=totp-secret]").strip()
        page.fill("#id_totp_code", pyotp.TOTP(secret).now())
        page.click("[data-test=totp-form] button[type=submit]")
        page.wait_for_url("**/workbench/")
    return secret
