"""The year in the life's elderly-care month (April 2027), on 375 px phones.

The city administrator invites the district's civil-affairs officer and the provider's
administrator (/workbench/staff/) and adds the cleaning service to the city's catalogue in
/admin/. The officer completes the provider's record, signs its contract with the price of an
hour's cleaning (setup/), the provider's administrator invites a caregiver by phone (a grant
the provider_admin role delegates). A son signs up, adds his mother on 我的 and applies for her;
the officer approves the application, assesses her (GB/T 42195) and sets the month's
entitlement rule. The son books three visits, the provider dispatches them, the caregiver does
them across the month on her phone — the first on the visit page, the second through the API
the caregiver app calls (check-in/out), the third cut short after 20 of 60 minutes: it is
flagged, the son's text says how long it lasted, the officer upholds it on the anomaly list.
On 6 May the officer settles April on the settlement page (asked first) and the statement
shows ¥90.00 of visits, ¥10.00 deducted, ¥80.00 payable.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from minsheng.access.models import Organisation
from minsheng.core import sms
from minsheng.demo.journeys import axe_serious, fits_the_phone
from minsheng.identity.idnumbers import id_number_make
from minsheng.regions.models import Region

from .year_startup import citizen_signs_up

SHANGHAI = ZoneInfo("Asia/Shanghai")
APRIL = datetime(2027, 4, 1, 9, 0, tzinfo=SHANGHAI)  # a Thursday
OFFICER = ("13800000401", "民政小孙", "civil_affairs_officer", "海州区民政局")
PROVIDER_ADMIN = ("13800000402", "康乐刘主任", "provider_admin", "康乐居家养老服务中心")
CAREGIVER = ("13800000403", "护理员李芳")
SON = ("13900000041", "王建华", id_number_make(region_code="320706", birth_date=date(1968, 5, 2), sequence=41))
MOTHER = ("王秀英", id_number_make(region_code="320706", birth_date=date(1940, 8, 9), sequence=42))
VISIT_DAYS = [date(2027, 4, 7), date(2027, 4, 14), date(2027, 4, 21)]  # Wednesdays, 09:00
PRICE = Decimal("40.00")  # the contract's price of an hour's cleaning
HOME = {"latitude": 34.5967, "longitude": 119.1788}


def _ok(page):
    refused = page.locator(".invalid-feedback, .alert-danger, .errorlist")
    assert refused.count() == 0, page.locator("main").inner_text()[:1500]


def _code_sent_to(phone: str) -> tuple[str, str]:
    sent = [m for m in sms.outbox if m.phone == phone][-1]
    return sent.code, sent.text


def elderly_month(j, clock, *, root, invite) -> dict:
    """The elderly-care month; the figures checked (for the test's COVERED line). ``root`` is
    the city administrator, ``invite`` the test's helper inviting staff on /workbench/staff/."""
    from minsheng.programs.elderly_care.models import (
        Anomaly,
        CareApplication,
        Caregiver,
        Elder,
        OrderStatus,
        ServiceEntitlement,
        ServiceItem,
        SettlementStatement,
        WorkOrder,
    )

    clock.move_to(APRIL)
    admin = j.phone(root)  # a new day: signed in again
    officer_user = invite(j, admin, OFFICER)
    manager_user = invite(j, admin, PROVIDER_ADMIN)
    provider = Organisation.objects.get(name=PROVIDER_ADMIN[3])

    with j.step("elderly care set-up"):
        # City-wide reference data: the service catalogue in /admin/.
        admin.goto("/admin/elderly_care/serviceitem/add/")
        admin.fill("[name=code]", "cleaning")
        admin.fill("[name=title]", "助洁")
        admin.select_option("[name=unit]", "hour")
        admin.fill("[name=default_price]", "35.00")
        admin.fill("[name=default_minutes]", "60")
        admin.fill("[name=checklist]", json.dumps(["打扫卫生", "清理厨房"], ensure_ascii=False))
        admin.click("[name=_save]")
        admin.wait_for_load_state()
        cleaning = ServiceItem.objects.get(code="cleaning")

        officer = j.phone(officer_user)
        officer.goto(f"/p/elderly_care/setup/providers/{provider.pk}/")
        form = officer.locator("form[data-test=provider-form]")
        form.locator("[name=credit_code]").fill("52320706MJ1234567X")
        form.locator("[name=address]").fill("海州区朝阳东路18号")
        form.locator("button[value=save]").click()
        officer.wait_for_load_state()
        _ok(officer)
        officer.goto(f"/p/elderly_care/setup/contracts/new/?provider={provider.pk}")
        form = officer.locator("form[data-test=contract-form]")
        form.locator("[name=region]").select_option("320706")
        form.locator("[name=number]").fill("HZMZ-2027-001")
        form.locator("[name=valid_from]").fill("2027-04-01")
        form.locator("[name=valid_to]").fill("2027-12-31")
        form.locator("[name=price_cleaning]").fill(str(PRICE))
        form.locator("button[value=save]").click()
        officer.wait_for_load_state()
        _ok(officer)
        officer.goto("/p/elderly_care/setup/catalogue/")
        assert "¥40.00" in officer.inner_text("main")  # the region's contract price beside the guide price
        assert fits_the_phone(officer)

        manager = j.phone(manager_user)
        manager.goto("/p/elderly_care/setup/caregivers/")
        form = manager.locator("form[data-test=caregiver-invite]")
        form.locator("[name=phone]").fill(CAREGIVER[0])
        form.locator("[name=name]").fill(CAREGIVER[1])
        form.locator("[type=submit]").click()
        manager.wait_for_load_state()
        _ok(manager)
    provider.refresh_from_db()
    assert provider.credit_code == "52320706MJ1234567X"
    carer = Caregiver.objects.get(provider=provider, user__name=CAREGIVER[1])

    # The son signs up, adds his mother on 我的 and applies for her, naming where she lives.
    son_phone, son_name, son_id = SON
    family = j.phone()
    citizen_signs_up(j, family, phone=son_phone, name=son_name, id_number=son_id)
    street = Region.objects.filter(parent_id="320706").order_by("code").first()
    with j.step("elderly care application"):
        family.goto("/me/")
        form = family.locator("form:has(button[value=family])")
        form.locator("[name=name]").fill(MOTHER[0])
        form.locator("[name=id_number]").fill(MOTHER[1])
        form.locator("[name=kind]").select_option("family")
        form.locator("[name=detail]").fill("母亲")
        form.locator("button[value=family]").click()
        family.wait_for_load_state()
        _ok(family)
        family.goto("/p/elderly_care/")
        form = family.locator("main form")
        form.locator("[name=elder]").select_option(label=MOTHER[0])
        form.locator("[name=categories][value=advanced_age]").check()
        form.locator("[name=living_arrangement]").select_option("alone")
        form.locator("[name=reason]").fill("独居，需要每周上门打扫")
        form.locator("[name=community]").fill(street.code)
        form.locator("[name=address]").fill("海州区新海街道幸福里3号楼201")
        form.locator("[type=submit]").click()
        family.wait_for_load_state()
        _ok(family)
    application = CareApplication.objects.get(person__name=MOTHER[0])

    with j.step("elderly care approval and assessment"):
        officer.goto(f"/p/elderly_care/applications/{application.pk}/")
        officer.locator("button[value=approve]").click()
        officer.wait_for_load_state()
        _ok(officer)
        elder = Elder.objects.get(person__name=MOTHER[0])
        officer.goto(f"/p/elderly_care/elders/{elder.pk}/assess/")
        for item in officer.locator("#assess-form select[data-max]").all():
            item.select_option(item.get_attribute("data-max"))  # every item at its best: ability intact
        officer.select_option("#assess-form [name=reason]", "first")
        officer.locator("#assess-form [type=submit]").click()
        officer.wait_for_load_state()
        _ok(officer)
        # The month's entitlement rule: preview who gains, then save and apply to April.
        officer.goto("/p/elderly_care/rules/new/?month=2027-04")
        officer.fill("[name=name]", "高龄老人居家服务补贴")
        officer.select_option("[name=category]", "advanced_age")
        officer.select_option("[name=min_level]", "0")
        officer.select_option("[name=max_level]", "4")
        officer.select_option("[name=unit]", "yuan")
        officer.fill("[name=amount]", "300")
        officer.fill("[name=priority]", "1")
        officer.fill("[name=effective_from]", "2027-04-01")
        officer.click("button[value=preview]")
        officer.wait_for_selector("button[value=apply]")
        officer.click("button[value=apply]")
        officer.wait_for_load_state()
        _ok(officer)
    elder.refresh_from_db()
    assert elder.region == street and elder.ability_level == 0
    assert ServiceEntitlement.objects.get(elder=elder, month=date(2027, 4, 1)).amount == Decimal("300")

    with j.step("elderly care booking and dispatch"):
        for day in VISIT_DAYS:
            family.goto(f"/p/elderly_care/book/{elder.pk}/")
            family.select_option("#id_offer", f"{provider.pk}-{cleaning.pk}")
            family.fill("#id_day", day.isoformat())
            family.select_option("#id_slot", "09:00")
            family.click("[data-test=book]")
            family.wait_for_load_state()
            _ok(family)
        assert family.inner_text("[data-test=left]") == "¥180.00"  # ¥300 less three hours booked
        orders = list(WorkOrder.objects.filter(elder=elder).order_by("planned_start"))
        desk = j.phone(manager_user)
        for order in orders:
            desk.goto("/p/elderly_care/dispatch/")
            desk.select_option(f"[data-test=dispatch-{order.pk}] select", str(carer.pk))
            desk.click(f"[data-test=dispatch-submit-{order.pk}]")
            desk.wait_for_selector(".alert-success")
        assert fits_the_phone(desk)
    assert [o.status for o in WorkOrder.objects.filter(elder=elder)] == [OrderStatus.DISPATCHED] * 3

    def confirm_on_the_page(phone, order):
        phone.goto(f"/p/elderly_care/caregiver/visits/{order.pk}/")
        phone.click("[data-test=send-code]")
        phone.wait_for_selector("[data-test=code]")
        code, text = _code_sent_to(son_phone)
        phone.fill("[data-test=code]", code)
        phone.click("[data-test=confirm-code]")
        phone.wait_for_selector("[data-test=verified]")
        return text

    first, second, short = orders
    with j.step("elderly care visits"):
        # 7 April: on the visit page, from today's list.
        clock.move_to(first.planned_start - timedelta(minutes=10))
        phone = j.phone(carer.user, permissions=["geolocation"], geolocation=HOME)
        phone.goto("/p/elderly_care/caregiver/")
        phone.click(f"[data-test=visit-{first.pk}]")
        phone.click("form[data-ready] [data-test=check-in]")
        phone.wait_for_selector("[data-test=save-tasks]")
        for box in phone.locator("[data-test=task]").all():
            box.check()
        phone.click("[data-test=save-tasks]")
        phone.wait_for_selector("[data-test=check-out]")
        assert fits_the_phone(phone)
        clock.shift(timedelta(minutes=62))
        phone.click("form[data-ready] [data-test=check-out]")
        phone.wait_for_selector("[data-test=send-code]")
        confirm_on_the_page(phone, first)
        phone.context.close()

        # 14 April: check-in and check-out through the API the caregiver app calls.
        clock.move_to(second.planned_start - timedelta(minutes=10))
        phone = j.phone(carer.user, permissions=["geolocation"], geolocation=HOME)
        phone.goto("/p/elderly_care/caregiver/")
        csrf = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
        api = phone.context.request
        position = {"lat": HOME["latitude"], "lon": HOME["longitude"]}
        headers = {"X-CSRFToken": csrf, "Referer": phone.url}
        answer = api.post(f"/api/v1/elderly_care/orders/{second.pk}/check-in", data=position, headers=headers)
        assert answer.ok, answer.text()
        clock.shift(timedelta(minutes=61))
        answer = api.post(f"/api/v1/elderly_care/orders/{second.pk}/check-out", data=position, headers=headers)
        assert answer.ok, answer.text()
        confirm_on_the_page(phone, second)
        phone.context.close()

        # 21 April: the caregiver leaves after 20 of the 60 minutes.
        clock.move_to(short.planned_start - timedelta(minutes=5))
        phone = j.phone(carer.user, permissions=["geolocation"], geolocation=HOME)
        phone.goto(f"/p/elderly_care/caregiver/visits/{short.pk}/")
        phone.click("form[data-ready] [data-test=check-in]")
        phone.wait_for_selector("[data-test=check-out]")
        clock.shift(timedelta(minutes=20, seconds=30))
        phone.click("form[data-ready] [data-test=check-out]")
        phone.wait_for_selector("[data-test=send-code]")
        short_text = confirm_on_the_page(phone, short)
        phone.context.close()
    assert "20分钟" in short_text and "计划60分钟" in short_text and "已提交核查" in short_text
    flagged = Anomaly.objects.get(work_order=short)
    assert flagged.kind == "short" and flagged.status == "open"
    assert Anomaly.objects.filter(work_order__in=[first, second]).count() == 0

    # The officer reviews the flagged visit the next day: not paid in full.
    clock.move_to(datetime(2027, 4, 22, 10, 0, tzinfo=SHANGHAI))
    officer = j.phone(officer_user)
    with j.step("elderly care anomaly review"):
        officer.goto("/p/elderly_care/anomalies/")
        row = officer.locator("tr", has=officer.locator("button[value=uphold]")).first
        row.locator("[name=note]").fill("服务时长不足：计划60分钟，实际20分钟")
        row.locator("button[value=uphold]").click()
        officer.wait_for_load_state()
        _ok(officer)
    short.refresh_from_db()
    assert short.status == OrderStatus.REJECTED

    # 6 May: April is settled on the settlement page (asked first), and the statement is right.
    clock.move_to(datetime(2027, 5, 6, 10, 0, tzinfo=SHANGHAI))
    officer = j.phone(officer_user)
    with j.step("elderly care settlement"):
        officer.goto("/p/elderly_care/statements/")
        form = officer.locator("form[data-test=settlement-month]")
        form.locator("[name=month]").fill("2027-04")
        form.locator("[type=submit]").click()
        officer.wait_for_selector("[data-test=settlement-preview]")
        assert officer.inner_text("[data-test=settlement-preview-net]").endswith("¥80.00")
        assert not SettlementStatement.objects.exists()  # nothing settled before confirming
        assert fits_the_phone(officer)
        assert axe_serious(officer) == []
        officer.locator("form[data-test=settlement-confirm] [type=submit]").click()
        officer.wait_for_load_state()
        _ok(officer)
        statement = SettlementStatement.objects.get(provider=provider, month=date(2027, 4, 1))
        officer.goto(f"/p/elderly_care/statements/{statement.pk}/")
        page_text = officer.inner_text("main")
    assert (statement.visits, statement.gross, statement.deductions, statement.net) == (
        3, Decimal("90.00"), Decimal("10.00"), Decimal("80.00"))
    for money in ("¥90.00", "¥10.00", "¥80.00"):
        assert money in page_text, page_text[:1500]
    assert fits_the_phone(officer)
    return {"visits": statement.visits, "net": statement.net, "deducted": statement.deductions}
