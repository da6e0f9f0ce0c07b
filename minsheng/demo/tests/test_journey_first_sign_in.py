"""An invited member of staff's first sign-in at phone size (375×812): a district's staff
administrator invites a community worker by mobile number on /workbench/staff/; the invitation
SMS carries a one-time link; on her phone the worker opens it, confirms the phone with an SMS
code, chooses a password, sets up her authenticator app and lands on the workbench with her
role's entries. The link then no longer works."""

import pytest
from django.urls import reverse

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.demo.journeys import (
    Journey,
    axe_serious,
    chromium,
    first_sign_in,
    fits_the_phone,
    staff_link_path,
)
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.identity.tests import conftest as identity_fixtures

pytestmark = pytest.mark.browser
# identity's fixtures: staff in a region, a fresh SMS outbox and English messages.
clean_state, regions, make_staff = identity_fixtures.clean_state, identity_fixtures.regions, identity_fixtures.make_staff
PHONE = "13912340021"


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


@pytest.mark.django_db(transaction=True)
def test_an_invited_community_worker_signs_in_for_the_first_time_on_her_phone(browser, live_server, make_staff):
    admin = make_staff("staff_admin")
    organisation = Organisation.objects.get(name="海州区民政局")
    j = Journey("first sign-in of invited staff", browser=browser, base_url=live_server.url)

    desk = j.phone(admin)
    with j.step("the administrator invites by mobile number"):
        desk.goto("/workbench/staff/")
        form = desk.locator("[data-test=invite]")
        form.locator("[name=phone]").fill(PHONE)
        form.locator("[name=name]").fill("陈晓燕")
        form.locator("select[name=role]").select_option("community_worker")
        form.locator("select[name=organisation]").select_option(str(organisation.pk))
        desk.click("[data-test=invite] button[type=submit]")
        desk.wait_for_selector("[data-test=sign-in-link]")
    worker = User.objects.get(phone_hash=keyed_hash(PHONE))
    assert worker.is_staff and not worker.has_usable_password()
    assert staff_link_path(PHONE).startswith("/accounts/staff/link/")

    link = staff_link_path(PHONE)
    with j.step("the link's first page"):
        look = j.phone()
        look.goto(link)  # opening the link spends nothing; only choosing the password does
        look.wait_for_selector("[data-test=send-code]")
    assert fits_the_phone(look) and axe_serious(look) == []
    look.context.close()

    phone = j.phone()
    secret = first_sign_in(j, phone, PHONE, password="Chen-xiaoyan-2026")
    assert phone.url.endswith("/workbench/")
    entries = phone.locator("[data-test=entries] a")
    hrefs = [entries.nth(i).get_attribute("href") for i in range(entries.count())]
    assert reverse("elderly_care:elders") in hrefs and reverse("elderly_care:devices") in hrefs
    assert reverse("workbench:staff") not in hrefs  # her role's entries, not the administrator's
    assert fits_the_phone(phone)
    worker.refresh_from_db()
    assert worker.has_second_factor and worker.totp_secret == secret and worker.check_password("Chen-xiaoyan-2026")
    assert {"identity.staff_invited", "identity.staff_link_issued", "identity.staff_first_sign_in",
            "identity.totp_enrolled"} <= set(
        AuditEvent.objects.filter(target_id=str(worker.pk)).values_list("event_type", flat=True))

    # A used link says so, with what to do.
    again = j.phone()
    again.goto(link)
    assert "此链接已使用过" in again.inner_text("[data-test=link-problem]")
    assert fits_the_phone(again) and axe_serious(again) == []
    j.report()
