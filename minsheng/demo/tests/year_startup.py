"""The year in the life's start-up part: a citizen signs up, gives her real-name data, founds a
company on the one form, each department's officer finishes its step on the workbench, and the
licence is verified on the public page. The founder's and officers' steps are the start-up
journey's own (enterprise_startup/tests/test_journey_licence.py)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from minsheng.core import sms
from minsheng.programs.enterprise_startup.models import (
    ApplicationState,
    BusinessLicence,
    SealShop,
    StartupApplication,
)
from minsheng.programs.enterprise_startup.tests.conftest import FOUNDER_ID
from minsheng.programs.enterprise_startup.tests.test_journey_licence import (
    OFFICER_FILLS,
    declare_the_name,
    departments_finish,
    fill_the_form,
    verify_on_the_public_page,
)
from minsheng.regions.models import Region

# The start-up departments' officers the administrator invites: department → (phone, name, organisation).
OFFICERS = {
    "market_regulation": ("13800000201", "马监", "海州区市场监督管理局"),
    "public_security": ("13800000202", "公安小周", "海州区公安分局"),
    "tax": ("13800000203", "税务小吴", "海州区税务局"),
    "human_resources": ("13800000204", "人社小郑", "海州区人力资源和社会保障局"),
    "medical_insurance": ("13800000205", "医保小王", "海州区医疗保障局"),
    "housing_fund": ("13800000206", "公积金小冯", "连云港市住房公积金管理中心海州分中心"),
    "bank": ("13800000207", "银行小陈", "中国银行连云港海州支行"),
}
FOUNDER_PHONE = "13900000001"


def seal_shop_in_admin(j, admin_page) -> SealShop:
    """The city's register of licensed seal shops is city-wide reference data: /admin/."""
    with j.step("start-up set-up"):
        admin_page.goto("/admin/enterprise_startup/sealshop/add/")
        admin_page.fill("[name=name]", "海州区诚信刻章店")
        admin_page.fill("[name=region]", "320706")
        admin_page.fill("[name=licence_number]", "GA-320706-001")
        admin_page.fill("[name=address]", "海州区解放路12号")
        admin_page.click("[name=_save]")
        admin_page.wait_for_load_state()
    return SealShop.objects.get(name="海州区诚信刻章店")


def citizen_signs_up(j, page, *, phone: str, name: str, id_number: str):
    """A citizen's first sign-in with an SMS code, then her real-name data on 我的."""
    with j.step("citizen signs up"):
        page.goto("/accounts/login/sms/")
        page.fill("form [name=phone]", phone)
        page.locator("main form [type=submit]").last.click()
        page.wait_for_selector("form [name=code]")
        page.fill("form [name=code]", [m for m in sms.outbox if m.phone == phone][-1].code)
        page.fill("form [name=name]", name)
        page.locator("main form [type=submit]").last.click()
        page.wait_for_load_state()
        page.goto("/me/")
        form = page.locator("[data-test=realname] form")
        form.locator("[name=name]").fill(name)
        form.locator("[name=id_number]").fill(id_number)
        form.locator("button[value=realname]").click()
        page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .alert-danger").count() == 0, page.inner_text("main")[:800]


def found_and_verify(j, *, founder_page, founder, officers: dict, shop, bank, tmp_path) -> str:
    """The company founded on the one form, the steps finished, the licence verified. Its credit code."""
    district = Region.objects.get(code="320706")
    world = SimpleNamespace(shop=shop, bank=bank, town=Region.objects.filter(parent=district).order_by("code").first())
    with j.step("declare the name"):
        declare_the_name(founder_page)
    app = StartupApplication.objects.get(applicant=founder)
    with j.step("fill in the one form"):
        fill_the_form(founder_page, world)
    with j.step("confirm and submit"):
        founder_page.click("[data-test=request-confirmations]")
        founder_page.wait_for_load_state()
        founder_page.click("[data-test=submit]")
        founder_page.wait_for_url(f"**/a/{app.pk}/tracker/")
    assert sorted(officers) == sorted(OFFICER_FILLS)
    departments_finish(j, app, officers)
    app.refresh_from_db()
    assert app.state == ApplicationState.COMPLETED
    licence = BusinessLicence.objects.get(application=app)
    with j.step("download and verify the licence"):
        founder_page.goto(f"/p/enterprise_startup/a/{app.pk}/tracker/")
        with founder_page.expect_download() as info:
            founder_page.click("[data-test=licence-download]")
        pdf = Path(tmp_path) / "licence.pdf"
        info.value.save_as(pdf)
        stranger = j.phone()
        verify_on_the_public_page(stranger, pdf)
    result = stranger.locator("[data-test=verify-result]")
    assert result.get_attribute("data-result") == "valid"
    assert licence.credit_code in result.inner_text()
    return licence.credit_code


__all__ = ["FOUNDER_ID", "FOUNDER_PHONE", "OFFICERS", "citizen_signs_up", "found_and_verify", "seal_shop_in_admin"]
