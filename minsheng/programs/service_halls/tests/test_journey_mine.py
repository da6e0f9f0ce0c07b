"""The walk-in's journey at phone size (375 px): take a number at the kiosk with one's phone, be
called, sign in with that phone, find the number in 我的, rate the service, and find it there
again, rated. Prints how long each step took in the browser."""

import os
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User

from ..models import Ticket
from ..services.calling import ticket_finish, ticket_start, window_call_next
from . import factories as f
from .test_browser import browser  # noqa: F401 — the Chromium fixture

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONE = "13912345678"


@pytest.mark.django_db(transaction=True)
def test_take_a_number_be_called_rate_it_and_find_it_again_in_mine(browser, live_server, client):  # noqa: F811
    from minsheng.ratings.models import Rating

    times = {}
    with time_machine.travel(MONDAY_10, tick=True):
        point = f.point(name="朐阳街道便民服务中心", businesses=[f.business("A", name="参保登记")])
        clerk = f.clerk(point=point)
        window = f.window(point=point, clerk=clerk, number=3)
        walker = User.objects.create_user(None, "pw-12345678", name="走入市民", phone=PHONE,
                                          phone_hash=keyed_hash(PHONE))
        phone = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 740}, is_mobile=True)
        page = phone.new_page()

        start = time.perf_counter()
        page.goto(f"{live_server.url}/p/service_halls/kiosk/{point.pk}/")
        page.fill("[data-test=kiosk-phone]", PHONE)
        page.click("[data-test=kiosk-A]")
        page.wait_for_selector("[data-test=ticket-number]")
        times["take a number"] = time.perf_counter() - start
        assert page.inner_text("[data-test=ticket-number]") == "A001"
        ticket = Ticket.objects.get()
        assert ticket.phone_hash == keyed_hash(PHONE) and ticket.user_id is None

        window_call_next(window_id=window.pk, clerk=clerk)
        start = time.perf_counter()
        page.wait_for_selector("#turn:not([hidden])", timeout=15000)  # the ticket page follows the call
        times["see the call"] = time.perf_counter() - start
        assert "3" in page.inner_text("#turn-window")
        f.act(ticket_start, ticket, clerk)
        f.act(ticket_finish, ticket, clerk)

        client.force_login(walker)  # signed in with the phone the kiosk was given
        phone.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        start = time.perf_counter()
        page.goto(f"{live_server.url}/")
        page.click(".navbar-toggler")  # at phone width the header's links fold into the menu
        page.click("[data-test=mine-link]")
        page.wait_for_selector("[data-test=mine-tickets] [data-test=mine-item]")
        times["find it in Mine"] = time.perf_counter() - start
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        item = page.locator("[data-test=mine-tickets] [data-test=mine-item]").first
        assert "A001" in item.inner_text()

        start = time.perf_counter()
        item.locator("a").first.click()
        page.wait_for_selector("[data-test=rate]")
        page.check("[data-test=rate] input[name=level][value='5']")
        page.click("[data-test=rate] button[type=submit]")
        page.wait_for_load_state()
        times["rate it"] = time.perf_counter() - start
        assert Rating.objects.get().rater_id == walker.pk

        page.goto(f"{live_server.url}/mine/")
        again = page.locator("[data-test=mine-tickets] [data-test=mine-item]").first.inner_text()
        assert "A001" in again and ("感谢您的评价" in again or "Thank you" in again)
    print("journey (s):", {k: round(v, 2) for k, v in times.items()})
