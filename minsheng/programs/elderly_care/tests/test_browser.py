"""A caregiver goes through a visit on a phone-sized screen (Playwright, Debian's chromium)."""

import os

import pytest

from ..models import OrderStatus
from ..services import confirmation, orders
from . import factories as f

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_caregiver_visit_on_a_phone(live_server, client, monkeypatch):
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    org = f.provider()
    cg = f.caregiver(org)
    order = orders.order_create(
        elder=f.elder(),
        provider=org,
        service=f.services()["cleaning"],
        planned_start=timezone.now(),
        caregiver=cg,
    )
    sent = {}
    real_send = confirmation.visit_send_code

    def capture(**kwargs):
        sent["code"] = real_send(**kwargs)
        return sent["code"]

    monkeypatch.setattr(confirmation, "visit_send_code", capture)
    client.force_login(cg.user)
    session = client.cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            permissions=["geolocation"],
            geolocation={"latitude": f.HOME[0] + 0.0002, "longitude": f.HOME[1]},
            locale="zh-CN",
        )
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/p/elderly_care/caregiver/")
        page.click(f"[data-test=visit-{order.pk}]")
        page.click("form[data-ready] [data-test=check-in]")
        page.wait_for_selector("[data-test=save-tasks]")
        page.locator("[data-test=task]").first.check()
        page.click("[data-test=save-tasks]")
        page.wait_for_selector("[data-test=check-out]")
        page.click("form[data-ready] [data-test=check-out]")
        page.wait_for_selector("[data-test=send-code]")
        page.click("[data-test=send-code]")
        page.wait_for_selector("[data-test=code]")
        page.fill("[data-test=code]", "000000" if sent["code"] != "000000" else "111111")
        page.click("[data-test=confirm-code]")
        page.wait_for_selector("[data-test=code]")
        assert page.locator("[data-test=messages] .msg.error").count() == 1
        page.fill("[data-test=code]", sent["code"])
        page.click("[data-test=confirm-code]")
        page.wait_for_selector("[data-test=verified]")
        browser.close()
    order.refresh_from_db()
    assert order.status == OrderStatus.VERIFIED and order.confirmed_by == "code"
    assert order.check_in_distance_m < 50 and order.checklist_done
