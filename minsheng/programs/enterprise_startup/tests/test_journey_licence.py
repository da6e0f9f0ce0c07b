"""The founder's journey at phone size (375×812): found a company and follow it to a verified
licence. The founder declares the name and fills in the one form, submits it; each department's
officer opens the workbench, finds the step among the start-up tasks and finishes it on the
staff page; the founder finds the company under "My applications", sees it completed with its
credit code, downloads the licence and finds the case done in 我的; anyone checks that PDF on
the public verify page. Prints how long each step took in the browser."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import translation

from minsheng.cases.models import CaseTask
from minsheng.cases.process import get_process
from minsheng.demo.journeys import Journey, axe_serious, chromium, fits_the_phone

from ..models import ApplicationState, BusinessLicence, StartupApplication
from .conftest import FOUNDER_ID

pytestmark = pytest.mark.browser

# What each department's officer types on the step's page (fields by name; the seal filing's
# seals come ticked from the founder's form).
OFFICER_FILLS = {
    "market_regulation": {},
    "public_security": {"filing_number": "GA2026-0001"},
    "tax": {"taxpayer_type": "小规模纳税人"},
    "human_resources": {"social_insurance_number": "SB-320706-1"},
    "medical_insurance": {"medical_insurance_number": "YB-320706-1"},
    "housing_fund": {"housing_fund_account": "GJJ-320706-1"},
    "bank": {"appointment_at": "2026-03-03T10:00", "account_number": "6217000012345678"},
}


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def save_step(page, step):
    page.click("[data-test=save-step]")
    page.wait_for_load_state()
    assert page.locator("[data-test=form-error]").count() == 0, f"{step}: {page.locator('main').inner_text()}"


def declare_the_name(founder):
    """The founder reserves 连云港市海州区云帆科技有限公司 on the name page."""
    founder.goto("/p/enterprise_startup/")
    founder.click("[data-test=start]")
    founder.select_option("select[name=enterprise_type]", "llc")
    founder.select_option("select[name=region]", "320706")
    founder.fill("input[name=industry]", "科技")
    founder.select_option("select[name=org_form]", "有限公司")
    founder.locator("input[name=trade_name]").type("云帆")
    founder.wait_for_function("document.getElementById('name-preview').textContent.includes('云帆科技有限公司')")
    founder.check("input[name=pledge]")
    founder.click("[data-test=reserve]")
    founder.wait_for_load_state()


def verify_on_the_public_page(stranger, pdf):
    """Anyone uploads the licence PDF on the public verify page."""
    stranger.goto("/p/enterprise_startup/verify/")
    stranger.set_input_files("input[name=pdf]", str(pdf))
    stranger.locator("form:has(input[name=pdf]) button[type=submit]").click()
    stranger.wait_for_selector("[data-test=verify-result]")


def fill_the_form(page, world, *, capital="500000", shareholders=(("张伟", FOUNDER_ID, "100"),),
                  scope=("G0001",)):
    """The one form, step by step, as the founder types it (by default a one-person company).
    Further shareholders are added one block at a time; the scope items after the first are
    ticked with the search box emptied again (the search hides the others while it is filled)."""
    page.fill("input[name=registered_capital]", capital)
    page.select_option("select[name=contribution_form]", "cash")
    page.fill("input[name=paid_in_deadline]", (dt.date.today() + dt.timedelta(days=700)).isoformat())
    save_step(page, "type")
    assert page.locator(".es-shareholder").count() == 1  # one block; more on request
    for i, (name, number, share) in enumerate(shareholders):
        if i:
            page.click("[data-test=add-shareholder]")
        page.fill(f"input[name=sh-{i}-name]", name)
        page.fill(f"input[name=sh-{i}-id_number]", number)
        page.fill(f"input[name=sh-{i}-share_percent]", share)
    page.fill("input[name=legal_rep-name]", "张伟")
    page.fill("input[name=legal_rep-id_number]", FOUNDER_ID)
    page.fill("input[name=directors]", "张伟")
    page.fill("input[name=supervisors]", "王芳")
    page.fill("input[name=manager]", "张伟")
    page.fill("input[name=liaison-name]", "张伟")
    page.fill("input[name=liaison-id_number]", FOUNDER_ID)
    page.fill("input[name=liaison-phone]", "13900000001")
    page.fill("input[name=finance-name]", "王芳")
    page.fill("input[name=finance-phone]", "13900000002")
    save_step(page, "people")
    page.select_option("select[name=region_code]", world.town.code)
    page.fill("input[name=street]", "朝阳东路18号5楼501室")
    page.check("input[name=pledge]")
    save_step(page, "address")
    page.fill("#scope-filter", "软件")
    for n, code in enumerate(scope):
        if n:
            page.fill("#scope-filter", "")
        page.check(f"input[name=items][value={code}]")
    save_step(page, "scope")
    page.select_option("select[name=seal_shop]", str(world.shop.pk))
    page.select_option("select[name=bank]", str(world.bank.pk))
    page.fill("input[name=recipient-name]", "张伟")
    page.fill("input[name=recipient-phone]", "13900000001")
    page.fill("input[name=delivery_address]", "江苏省连云港市海州区朝阳东路18号")
    save_step(page, "services")


def departments_finish(j, app, officers):
    """Each department's officer (``officers``: department code → user): the workbench, the
    start-up tasks, the step, finish it (the year-in-the-life test walks this too)."""
    codes = list(CaseTask.objects.filter(case__startup_application=app).order_by("id")
                 .values_list("department_code", flat=True))
    assert sorted(codes) == sorted(OFFICER_FILLS)
    with j.step("the departments finish their steps"):
        for code in codes:
            officer = j.phone(officers[code])
            officer.goto("/workbench/")
            officer.click("[data-test=entries] a[href$='/p/enterprise_startup/work/']")
            officer.locator("table a[href*='/work/tasks/']").first.click()  # the department's one open step
            officer.wait_for_selector("[data-test=done]")
            assert "云帆科技有限公司" in officer.inner_text("main")
            for name, value in OFFICER_FILLS[code].items():
                field = officer.locator(f"[name={name}]")
                if field.evaluate("e => e.tagName") == "SELECT":
                    field.select_option(value)
                else:
                    field.fill(value)
            officer.click("[data-test=done]")
            officer.wait_for_load_state()
            assert officer.locator(".alert-danger, .invalid-feedback").count() == 0, officer.inner_text("main")
            assert "/work/" in officer.url and "/tasks/" not in officer.url
            officer.context.close()


@pytest.mark.django_db(transaction=True)
def test_found_a_company_and_follow_it_to_a_verified_licence(browser, live_server, world, catalogue, tmp_path):
    j = Journey("found a company → verified licence", browser=browser, base_url=live_server.url)
    founder = j.phone(world.founder)

    with j.step("declare the name"):
        declare_the_name(founder)
    app = StartupApplication.objects.get(applicant=world.founder)
    assert founder.url.endswith(f"/a/{app.pk}/")

    with j.step("fill in the one form"):
        fill_the_form(founder, world)
    assert founder.url.endswith(f"/a/{app.pk}/review/")
    assert fits_the_phone(founder)

    with j.step("confirm and submit"):
        founder.click("[data-test=request-confirmations]")  # a one-person company: her own is done
        founder.wait_for_load_state()
        founder.click("[data-test=submit]")
        founder.wait_for_url(f"**/a/{app.pk}/tracker/")
    assert founder.locator("[data-test^=step-]").count() == 7
    assert founder.locator("[data-test=licence-download]").count() == 0

    departments_finish(j, app, world.officers)
    app.refresh_from_db()
    assert app.state == ApplicationState.COMPLETED
    licence = BusinessLicence.objects.get(application=app)

    with j.step("see the licence and download it"):
        founder.goto("/p/enterprise_startup/")
        founder.click("text=连云港市海州区云帆科技有限公司")
        founder.wait_for_url(f"**/a/{app.pk}/tracker/")
        with founder.expect_download() as info:
            founder.click("[data-test=licence-download]")
    assert founder.inner_text("[data-test=app-state]") == "已办结"
    assert founder.locator("[data-test^=step-]").evaluate_all("els => els.map(e => e.dataset.state)") == ["done"] * 7
    assert founder.inner_text("[data-test=credit-code]") == licence.credit_code
    pdf = Path(tmp_path) / "licence.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert fits_the_phone(founder)
    assert axe_serious(founder) == []

    with j.step("find it in Mine"):
        founder.click(".navbar-toggler")  # at phone width the header's links fold into the menu
        founder.click("[data-test=mine-link]")
        founder.wait_for_selector("[data-test=mine-cases] [data-test=mine-item]")
    case = app.case
    with translation.override("zh-hans"):
        done = str(get_process(case.process_key).state(case.state).title)
    item = founder.locator("[data-test=mine-cases] [data-test=mine-item]", has_text=case.reference)
    assert item.locator("[data-test=mine-status]").inner_text() == done

    stranger = j.phone()  # whoever the founder shows the licence to
    with j.step("verify it on the public page"):
        verify_on_the_public_page(stranger, pdf)
    result = stranger.locator("[data-test=verify-result]")
    assert result.get_attribute("data-result") == "valid"
    assert licence.credit_code in result.inner_text() and "云帆科技有限公司" in result.inner_text()
    assert fits_the_phone(stranger)
    assert axe_serious(stranger) == []
    j.report()
