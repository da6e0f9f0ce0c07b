"""Browser test: a citizen signs in, sees the portal home in Chinese, signs out.

Drives Debian's /usr/bin/chromium through Playwright (never a downloaded browser).
"""

import os

import pytest

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; the live server and
# the ORM calls in this module are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: ./run tests installs it with apt"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        yield context.new_page()
        context.close()
        browser.close()


@pytest.mark.django_db(transaction=True)
def test_sign_in_portal_home_and_sign_out_in_chinese(page, live_server, django_user_model):
    django_user_model.objects.create_user("liming", "Lyg-portal-2026", name="李明·𠮷")

    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("#id_username", "liming")
    page.fill("#id_password", "Lyg-portal-2026")
    page.locator("form button[type=submit]").filter(has_text="登录").first.click()

    page.wait_for_url(f"{live_server.url}/")
    assert "便民服务" in page.inner_text("h1")
    assert "李明·𠮷" in page.inner_text("[data-test=greeting]")

    page.click("[data-test=logout]")
    page.wait_for_load_state()
    assert page.locator("[data-test=login-link]").inner_text() == "登录"
    # Signed out for real: a citizen page sends us back to sign-in.
    page.goto(f"{live_server.url}/me/")
    assert "/accounts/login/" in page.url
