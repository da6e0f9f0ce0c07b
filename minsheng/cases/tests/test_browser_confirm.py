"""Browser test of the confirmation dialog (components/confirm.html): withdrawing an
application asks in a modal first; cancelling keeps it, confirming posts it."""

import os

import pytest

from minsheng.cases.models import Case

from .test_api_views import open_case

pytestmark = pytest.mark.browser
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.django_db(transaction=True)
def test_withdraw_asks_in_a_dialog_first(world, live_server, client):
    from playwright.sync_api import sync_playwright

    case = open_case(world)
    client.force_login(world.citizen)
    session = client.cookies["sessionid"].value
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812})
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/cases/mine/{case.pk}/")
        dialog = page.locator("#ms-confirm-withdraw")
        page.click("[data-test=action-withdraw]")
        dialog.wait_for(state="visible")
        dialog.get_by_role("button", name="取消").click()
        dialog.wait_for(state="hidden")
        assert Case.objects.get(pk=case.pk).state == "submitted"
        page.click("[data-test=action-withdraw]")
        dialog.wait_for(state="visible")
        with page.expect_navigation():
            dialog.locator("[data-confirm-submit]").click()
        assert Case.objects.get(pk=case.pk).state == "withdrawn"
        context.close()
        browser.close()
