"""Browser test: a ticket taken at the kiosk is called on the hall display.

Drives Debian's /usr/bin/chromium through Playwright. The display follows the
server-sent-event stream (under the live server's WSGI threads it is the
bounded stream; EventSource reconnects with Last-Event-ID)."""

import os

import pytest

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: ./run tests installs it with apt"
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.mark.django_db(transaction=True)
def test_kiosk_ticket_is_called_on_the_display(browser, live_server, settings, client):
    from ..models import Ticket
    from . import factories as f

    settings.SERVICE_HALLS_SSE_POLL_SECONDS = 0.2
    settings.SERVICE_HALLS_SSE_WSGI_SECONDS = 5
    biz = f.business("A", name="参保登记")
    point = f.point(name="海州区医保服务站", businesses=[biz])
    clerk = f.clerk(point=point)
    window = f.window(point=point, number=2, clerk=clerk)

    tv = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 720}).new_page()
    tv.goto(f"{live_server.url}/p/service_halls/display/{point.pk}/")
    tv.wait_for_selector("#conn:has-text('实时连接')", timeout=10_000)

    kiosk = browser.new_context(locale="zh-CN").new_page()
    kiosk.goto(f"{live_server.url}/p/service_halls/kiosk/{point.pk}/")
    kiosk.click("[data-test=kiosk-A]")
    kiosk.wait_for_selector("[data-test=ticket-number]")
    assert kiosk.inner_text("[data-test=ticket-number]") == "A001"
    assert Ticket.objects.get().state == "waiting"

    client.force_login(clerk)
    clerk_ctx = browser.new_context(locale="zh-CN")
    clerk_ctx.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                            "url": live_server.url}])
    tablet = clerk_ctx.new_page()
    tablet.goto(f"{live_server.url}/p/service_halls/clerk/windows/{window.pk}/")
    tablet.click("[data-test=call-next]")
    tablet.wait_for_selector("[data-test=clerk-current]")
    assert tablet.inner_text("[data-test=clerk-current]") == "A001"

    tv.wait_for_selector("[data-test=current-calls] li[data-number=A001]", timeout=10_000)
    assert "A001 → 2" in tv.inner_text("[data-test=current-calls]")
    assert Ticket.objects.get().state == "called"
