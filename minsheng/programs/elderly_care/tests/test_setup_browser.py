"""The set-up pages on a 375 px phone in Chinese, standard and in elderly mode (大字版): nothing
scrolls sideways; an officer signs a contract and a provider's administrator invites a
caregiver through the pages (Playwright, Debian's chromium)."""

import os

import pytest

from minsheng.access.models import Organisation

from ..models import Caregiver, ProviderContract
from . import factories as f
from . import setup_factories as sf

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
CHROMIUM = "/usr/bin/chromium"
P = "/p/elderly_care"
WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def browser_context():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                                           "--disable-dev-shm-usage"])
        context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 812})
        yield context
        context.close()
        browser.close()


def _signed_in(context, client, live_server, user):
    client.force_login(user)
    context.clear_cookies()
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_set_up_pages_fit_a_phone_and_work_in_chinese(browser_context, live_server, client):
    hz = sf.district()
    f.services()
    sf.vendor()
    elder = f.elder()
    sf.device(elder)
    page = _signed_in(browser_context, client, live_server, hz.officer)
    pages = ["setup/providers/", "setup/providers/new/", f"setup/providers/{hz.provider.pk}/", "setup/contracts/",
             "setup/contracts/new/", "setup/catalogue/", "setup/caregivers/", "setup/devices/",
             f"elders/{elder.pk}/devices/new/", "rules/"]
    for path in pages:
        page.goto(f"{live_server.url}{P}/{path}")
        assert page.evaluate(WIDTH) <= 375, path
        assert "居家养老" in page.content() or "合同" in page.content() or "设备" in page.content(), path
    page.click("[data-test=large-text-switch]")
    page.wait_for_load_state()
    for path in pages:
        page.goto(f"{live_server.url}{P}/{path}")
        assert page.evaluate(WIDTH) <= 375, f"elderly mode: {path}"

    # sign a contract through the form
    page.goto(f"{live_server.url}{P}/setup/contracts/new/")
    provider = Organisation.objects.create(name="新海护理站", kind="provider", region=hz.region)
    page.reload()
    page.select_option("#id_provider", str(provider.pk))
    page.select_option("#id_region", hz.region.code)
    page.fill("#id_number", "HZ-PHONE-1")
    page.fill("#id_valid_from", "2026-01-01")
    page.fill("#id_valid_to", "2026-12-31")
    page.locator("[data-test=contract-form] button[type=submit]").click()
    page.wait_for_selector("[data-test=contracts]")
    assert "HZ-PHONE-1" in page.content()
    assert ProviderContract.objects.get(number="HZ-PHONE-1").prices.count() == len(f.services())

    # a provider's administrator invites a caregiver
    page = _signed_in(browser_context, client, live_server, hz.provider_admin)
    page.goto(f"{live_server.url}{P}/setup/caregivers/")
    assert page.evaluate(WIDTH) <= 375
    page.fill("#id_phone", "13800138000")
    page.fill("#id_name", "刘洋")
    page.locator("[data-test=caregiver-invite] button[type=submit]").click()
    page.wait_for_selector("[data-test=caregivers]")
    assert "刘洋" in page.content()
    assert Caregiver.objects.get(user__name="刘洋").provider == hz.provider
