"""Browser test: the founder's journey from the name check to downloading the signed licence.

Drives Debian's /usr/bin/chromium through Playwright on a phone-sized screen. Users are
signed in with force_login and the session cookie is copied into the browser. The
departments' steps are finished through the services between browser steps.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from minsheng.cases.models import CaseTask
from minsheng.demo.journeys import chromium
from minsheng.programs.enterprise_startup.models import (
    BusinessLicence,
    Confirmation,
    StartupApplication,
)
from minsheng.programs.enterprise_startup.services import departments

from .conftest import FOUNDER_ID, PARTNER_ID, STEP_DATA
from .test_journey_licence import fill_the_form

pytestmark = pytest.mark.browser
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def page_as(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, accept_downloads=True)
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": host,
        "path": "/",
    }])
    return context.new_page()


@pytest.mark.django_db(transaction=True)
def test_founder_goes_from_the_name_check_to_the_signed_licence(browser, live_server, world, catalogue, tmp_path):
    base = f"{live_server.url}/p/enterprise_startup"
    page = page_as(browser, live_server, world.founder)

    # 1. Name self-declaration, checked as typed.
    page.goto(f"{base}/name/")
    page.select_option("select[name=enterprise_type]", "llc")
    page.select_option("select[name=region]", "320706")
    page.fill("input[name=industry]", "科技")
    page.select_option("select[name=org_form]", "有限公司")
    page.locator("input[name=trade_name]").type("yf2")
    page.wait_for_function("document.querySelector('[data-for=trade_name]').textContent.trim().length > 0")
    page.fill("input[name=trade_name]", "")
    page.locator("input[name=trade_name]").type("云帆")
    page.wait_for_function("document.getElementById('name-preview').textContent.includes('云帆科技有限公司')")
    assert page.inner_text("[data-for=trade_name]").strip() == ""
    page.check("input[name=pledge]")
    page.click("[data-test=reserve]")
    page.wait_for_load_state()
    app = StartupApplication.objects.get(applicant=world.founder)
    assert app.reservation.full_name == "连云港市海州区云帆科技有限公司"
    assert page.url.endswith(f"/a/{app.pk}/")

    # 2. The one form, step by step: two shareholders, two scope items.
    fill_the_form(page, world, capital="1000000",
                  shareholders=[("张伟", FOUNDER_ID, "60"), ("王芳", PARTNER_ID, "40")],
                  scope=("G0001", "G0002"))
    assert page.url.endswith(f"/a/{app.pk}/review/")
    app.refresh_from_db()
    assert app.steps_done == ["type", "people", "address", "scope", "services"]

    # 3. Co-signing: the founder asks, the second shareholder confirms in her own session.
    page.click("[data-test=request-confirmations]")
    page.wait_for_load_state()
    pending = Confirmation.objects.get(application=app, confirmed_at__isnull=True)
    partner = page_as(browser, live_server, world.partner)
    partner.goto(f"{base}/confirm/{pending.pk}/")
    partner.click("[data-test=confirm]")
    partner.wait_for_load_state()
    partner.context.close()
    pending.refresh_from_db()
    assert pending.confirmed_at is not None

    # 4. Submit: one case, a task per department and one for the chosen bank.
    page.reload()
    page.click("[data-test=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/a/{app.pk}/tracker/")
    assert page.locator("[data-test^=step-]").count() == 7
    assert page.locator("[data-test=licence-download]").count() == 0

    # 5. The departments act (their own pages are tested elsewhere).
    app.refresh_from_db()
    for task in CaseTask.objects.filter(case_id=app.case_id).order_by("id"):
        departments.step_complete(task=task, actor=world.officers[task.department_code], data=STEP_DATA[task.department_code])
    page.reload()
    assert page.inner_text("[data-test=app-state]") == "已办结"
    states = page.locator("[data-test^=step-]").evaluate_all("els => els.map(e => e.dataset.state)")
    assert states == ["done"] * 7
    licence = BusinessLicence.objects.get(application=app)
    assert page.inner_text("[data-test=credit-code]") == licence.credit_code

    # 6. Download the signed licence and verify it on the public page.
    with page.expect_download() as info:
        page.click("[data-test=licence-download]")
    path = Path(tmp_path) / "licence.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    page.goto(f"{base}/verify/")
    page.set_input_files("input[name=pdf]", str(path))
    page.locator("form:has(input[name=pdf]) button[type=submit]").click()
    page.wait_for_load_state()
    result = page.locator("[data-test=verify-result]")
    assert result.get_attribute("data-result") == "valid"
    assert licence.credit_code in result.inner_text()
    page.context.close()
