"""A home-care visit's journey at phone size (375×812): the son books a cleaning visit for his
mother from her month's entitlement on the booking page; the provider's dispatcher gives it to a
caregiver on the dispatch page, seeing her other visits that day; the caregiver, on her phone at
the elder's door, opens today's visits from the workbench, checks in (her position is checked
against the home), ticks the tasks, checks out after the hour, sends the confirmation code; the
son reads the code in his text message and tells her, she confirms with it; the son finds the
visit, confirmed, in 我的. Prints how long each step took."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation

from minsheng.core import sms
from minsheng.demo.journeys import Journey, axe_serious, chromium, fits_the_phone
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import Person, PersonRelation, User

from ..models import OrderStatus, ServiceEntitlement, WorkOrder
from ..services.periods import month_start
from . import factories as f

pytestmark = pytest.mark.browser
SON_PHONE = "13912345678"


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


@pytest.mark.django_db(transaction=True)
def test_book_and_do_a_caregiver_visit(browser, live_server):
    # Early on a working morning tomorrow: the visit is booked for 09:00 the same day.
    day = timezone.localdate() + timedelta(days=1)
    now = datetime.combine(day, time(7, 30), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(now, tick=True) as clock:
        provider = f.provider()
        carer = f.caregiver(provider, name="李护理")
        dispatcher = f.grant(f.user("调度员"), "provider_admin", provider, f.regions()[1])
        elder = f.elder(family_phone=SON_PHONE)
        ServiceEntitlement.objects.create(elder=elder, month=month_start(day), unit="yuan", amount=Decimal("300"))
        son_person = PersonRelation.objects.get(relative=elder.person).person
        son = User.objects.create_user(None, "pw-12345678", name="张建国", phone=SON_PHONE,
                                       phone_hash=keyed_hash(SON_PHONE))
        Person.objects.filter(pk=son_person.pk).update(user=son)  # the son's account is his person
        cleaning = f.services()["cleaning"]

        j = Journey("book and do a caregiver visit", browser=browser, base_url=live_server.url)
        family = j.phone(son)
        with j.step("the son books a cleaning visit"):
            family.goto("/p/elderly_care/book/")
            family.click(f"[data-test=book-elder-{elder.pk}]")
            family.wait_for_selector("[data-test=remaining] [data-test=left]")
            family.select_option("#id_offer", f"{provider.pk}-{cleaning.pk}")
            family.fill("#id_day", day.isoformat())
            family.select_option("#id_slot", "09:00")
            family.click("[data-test=book]")
            family.wait_for_selector("[data-test=upcoming] [data-test^=upcoming-]")
        order = WorkOrder.objects.get(elder=elder)
        assert order.status == OrderStatus.PLANNED and order.on_request and order.caregiver is None
        assert family.inner_text("[data-test=left]") == "¥265.00"  # ¥300 less an hour of cleaning
        assert fits_the_phone(family)
        assert axe_serious(family) == []

        desk = j.phone(dispatcher)
        with j.step("the dispatcher gives the visit to a caregiver"):
            desk.goto("/workbench/")
            desk.click("[data-test=entries] a[href$='/p/elderly_care/dispatch/']")
            desk.select_option(f"[data-test=dispatch-{order.pk}] select", str(carer.pk))
            desk.click(f"[data-test=dispatch-submit-{order.pk}]")
            desk.wait_for_selector(".alert-success")
        order.refresh_from_db()
        assert order.status == OrderStatus.DISPATCHED and order.caregiver == carer
        assert fits_the_phone(desk)
        desk.context.close()

        near_home = {"latitude": f.HOME[0] + 0.0002, "longitude": f.HOME[1]}  # about 20 m away
        phone = j.phone(carer.user, permissions=["geolocation"], geolocation=near_home)
        with j.step("open today's visit"):
            phone.goto("/workbench/")
            phone.click("[data-test=entries] a[href$='/p/elderly_care/caregiver/']")
            phone.click(f"[data-test=visit-{order.pk}]")
            phone.wait_for_selector("[data-test=check-in]")
        assert fits_the_phone(phone)

        clock.move_to(order.planned_start)
        with j.step("check in"):
            phone.click("form[data-ready] [data-test=check-in]")
            phone.wait_for_selector("[data-test=save-tasks]")
        with j.step("tick the tasks"):
            for box in phone.locator("[data-test=task]").all():
                box.check()
            phone.click("[data-test=save-tasks]")
            phone.wait_for_selector("[data-test=check-out]")

        clock.move_to(order.planned_start + timedelta(minutes=order.planned_minutes + 2))
        with j.step("check out and send the code"):
            phone.click("form[data-ready] [data-test=check-out]")
            phone.click("[data-test=send-code]")
            phone.wait_for_selector("[data-test=code]")
        sent = [m for m in sms.outbox if m.phone == SON_PHONE][-1]  # the son's text message
        code = sent.code
        with j.step("confirm with the son's code"):
            phone.fill("[data-test=code]", code)
            phone.click("[data-test=confirm-code]")
            phone.wait_for_selector("[data-test=verified]")
        order.refresh_from_db()
        assert order.status == OrderStatus.VERIFIED and order.confirmed_by == "code"
        assert order.check_in_distance_m < 50 and order.checklist_done
        assert order.minutes_served >= order.planned_minutes
        phone.context.close()

        with j.step("the son sees the visit in Mine"):
            family.goto("/")
            family.click(".navbar-toggler")  # at phone width the header's links fold into the menu
            family.click("[data-test=mine-link]")
            family.wait_for_selector("[data-test=mine-family] [data-test=mine-item]")
        with translation.override("zh-hans"):
            service, status = cleaning.label, str(WorkOrder.objects.get(pk=order.pk).get_status_display())
        visit = family.locator("[data-test=mine-family] [data-test=mine-item]", has_text=service).first
        assert visit.locator("[data-test=mine-status]").inner_text() == status
        assert elder.person.name in visit.inner_text()
        assert fits_the_phone(family)
        assert axe_serious(family) == []
        j.report()
