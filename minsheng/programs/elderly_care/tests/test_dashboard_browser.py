"""The dashboard's charts are drawn by the vendored ECharts in a real browser, at phone width
without sideways scrolling, with their tables beside them."""

import os
from datetime import date

import pytest

from minsheng.access.models import Organisation

from . import factories as f
from .test_dashboard import roll

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = "/usr/bin/chromium"


@pytest.mark.django_db(transaction=True)
def test_dashboard_charts_are_drawn_at_phone_width(live_server, client):
    from playwright.sync_api import sync_playwright

    city, haizhou, *_ = f.regions()
    bureau = Organisation.objects.create(name="连云港市民政局", kind="department", region=city)
    supervisor = f.grant(f.user("督查"), "supervisor", bureau, city)
    roll(date(2026, 3, 2), haizhou.code, f.provider("颐养甲"), visits=3, spend="100.00", anomalies=1)
    client.force_login(supervisor)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/p/elderly_care/dashboard/?start=2026-03-01&end=2026-03-31")
        page.wait_for_function("document.querySelectorAll('[data-drawn]').length === 3", timeout=10000)
        assert page.locator("[data-chart] svg").count() == 3
        assert page.locator("script[src*='echarts.common.min.js']").count() == 1  # loaded once
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        browser.close()
