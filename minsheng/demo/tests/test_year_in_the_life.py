"""A year in the life of a city (issue 21), in the browser at phone size (375×812).

From a database with only the regions loaded (Jiangsu, ``regions_load(province="32")``) and one
superuser, everything happens on the platform's pages: the city administrator sets up the
organisations (/workbench/organisations/) and invites their staff by phone with their roles
(/workbench/staff/); each program manager sets the program up on its own pages; then one full
cycle per program runs through the UI. The clock moves with time-machine. Nothing runs a
management command or a service in between: the test only reads the database to check what the
pages did (and to find the ids of what the pages created).

What migrate gives a new installation is there as it would be: the roles declared in code
(access's post_migrate) and the business-scope catalogue (seeded by a migration; a transactional
test's flush empties it, so it is loaded again the way the start-up journey does).

Steps covered and still missing are listed in ``COVERED`` / ``MISSING`` below and printed with
the stopwatch's figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.demo.journeys import Journey, axe_serious, chromium, first_sign_in, fits_the_phone
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User

from .year_after_school import after_school_cycle, after_school_set_up
from .year_elderly import elderly_month
from .year_evaluation import evaluation_cycle
from .year_startup import (
    FOUNDER_ID,
    FOUNDER_PHONE,
    OFFICERS,
    citizen_signs_up,
    found_and_verify,
    seal_shop_in_admin,
)

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2027, 3, 1, 8, 45, tzinfo=SHANGHAI)  # a working Monday; the year starts here

# The city's organisations as the administrator sets them up: (name, kind, department, parent, region).
ORGANISATIONS = [
    ("连云港市人民政府", "department", "government", None, "320700"),
    ("海州区人民政府", "department", "government", "连云港市人民政府", "320706"),
    ("连云港市教育局", "department", "education", "连云港市人民政府", ""),
    ("海州区行政审批局", "department", "administrative_approval", "海州区人民政府", ""),
    ("海州区市场监督管理局", "department", "market_regulation", "海州区人民政府", ""),
    ("海州区公安分局", "department", "public_security", "海州区人民政府", ""),
    ("海州区税务局", "department", "tax", "海州区人民政府", ""),
    ("海州区人力资源和社会保障局", "department", "human_resources", "海州区人民政府", ""),
    ("海州区医疗保障局", "department", "medical_insurance", "海州区人民政府", ""),
    ("连云港市住房公积金管理中心海州分中心", "department", "housing_fund", "海州区人民政府", ""),
    ("海州区民政局", "department", "civil_affairs", "海州区人民政府", ""),
    ("海州区教育局", "department", "education", "海州区人民政府", ""),
    ("海州实验小学", "school", "", "海州区教育局", ""),
    ("康乐居家养老服务中心", "provider", "", "海州区民政局", ""),
    ("中国银行连云港海州支行", "bank", "", None, "320706"),
    ("连云港市人民代表大会常务委员会", "department", "people_congress", None, "320700"),
    ("海州区住房和城乡建设局", "department", "housing", "海州区人民政府", ""),
]

# The staff the administrator invites: key → (phone, name, role, organisation).
STAFF = {
    "hall_manager": ("13800000101", "韩明", "hall_manager", "海州区行政审批局"),
    "hall_supervisor": ("13800000102", "苏岚", "supervisor", "海州区行政审批局"),
    "education_supervisor": ("13800000301", "江教", "education_supervisor", "连云港市教育局"),
    "school_admin": ("13800000302", "赵校长", "school_admin", "海州实验小学"),
}

COVERED: list[str] = []
MISSING: list[str] = []


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def installation(transactional_db):
    """What a new installation has before anyone signs in: regions and one superuser."""
    from minsheng.regions.services import regions_load

    regions_load(province="32", history=False)
    # The business-scope catalogue is seeded by a migration; a transactional test's flush emptied it.
    from minsheng.programs.enterprise_startup.models import BannedWord, ScopeItem
    from minsheng.programs.enterprise_startup.services.catalogue import catalogue_load

    if not ScopeItem.objects.exists():
        catalogue_load(ScopeItem, BannedWord)
    assert Role.objects.filter(code="staff_admin").exists(), "migrate syncs the roles declared in code"
    return User.objects.create_superuser("root", "root-pass-2027", name="市管理员")


def submit(page, form: str):
    """Send the form ``[data-test=form]`` and wait for the answer; the page must not refuse it."""
    page.locator(f"form[data-test={form}] [type=submit]").last.click()
    page.wait_for_load_state()
    refused = page.locator(".invalid-feedback, .alert-danger, .errorlist")
    assert refused.count() == 0, page.locator("main").inner_text()[:1500]


def person(phone: str) -> User:
    return User.objects.get(phone_hash=keyed_hash(phone))


# --- the city administrator: organisations and staff --------------------------------------------
def set_up_organisations(j: Journey, admin_page):
    with j.step("organisations"):
        for name, kind, department, parent, region in ORGANISATIONS:
            admin_page.goto("/workbench/organisations/")
            form = admin_page.locator("form[data-test=create]")
            form.locator("[name=name]").fill(name)
            form.locator("[name=kind]").select_option(kind)
            form.locator("[name=department_code]").select_option(department)
            if parent:
                value = str(Organisation.objects.get(name=parent).pk)
                form.locator("[name=parent]").select_option(value)
            form.locator("[name=region]").fill(region)
            submit(admin_page, "create")
            assert "/workbench/organisations/" in admin_page.url
    assert Organisation.objects.count() == len(ORGANISATIONS)
    assert Organisation.objects.get(name="海州实验小学").region.code == "320706"  # the parent's region
    assert fits_the_phone(admin_page)
    COVERED.append(f"city administrator creates {len(ORGANISATIONS)} organisations on /workbench/organisations/")


def invite(j: Journey, admin_page, key: str, *, organisation: str | None = None) -> User:
    """The administrator invites one member of staff by phone and gives the role."""
    phone, name, role, org = STAFF[key] if key in STAFF else key
    with j.step("staff"):
        admin_page.goto("/workbench/staff/")
        form = admin_page.locator("form[data-test=invite]")
        form.locator("[name=phone]").fill(phone)
        form.locator("[name=name]").fill(name)
        form.locator("[name=role]").select_option(str(Role.objects.get(code=role).pk))
        org_id = Organisation.objects.get(name=organisation or org).pk
        form.locator("[name=organisation]").select_option(str(org_id))
        submit(admin_page, "invite")
        assert "/workbench/staff/" in admin_page.url
    user = person(phone)
    assert RoleAssignment.objects.filter(user=user, role__code=role, organisation_id=org_id).exists()
    return user


# --- service halls: set-up and a hall day ------------------------------------------------------
def hall_set_up(j: Journey, manager) -> int:
    with j.step("hall set-up"):
        for code, name, prefix, minutes in (("social-insurance", "参保登记", "A", "10"),
                                            ("residence", "户籍办理", "B", "15")):
            manager.goto("/p/service_halls/manage/business-types/")
            form = manager.locator("form[data-test=business-type-new]")
            form.locator("[name=code]").fill(code)
            form.locator("[name=name]").fill(name)
            form.locator("[name=prefix]").fill(prefix)
            form.locator("[name=typical_minutes]").fill(minutes)
            submit(manager, "business-type-new")
        manager.goto("/p/service_halls/manage/points/new/")
        form = manager.locator("form[data-test=point-new]")
        form.locator("[name=name]").fill("海州区政务服务中心")
        form.locator("[name=level]").select_option("county_centre")
        form.locator("[name=region]").fill("320706")
        form.locator("[name=address]").fill("海州区朝阳东路66号")
        form.locator("[name=latitude]").fill("34.5967")
        form.locator("[name=longitude]").fill("119.1788")
        for box in form.locator("[name=business_types]").all():
            box.check()
        submit(manager, "point-new")
        from minsheng.programs.service_halls.models import ServicePoint

        point = ServicePoint.objects.get(name="海州区政务服务中心")
        manager.goto(f"/p/service_halls/manage/points/{point.pk}/windows/")
        form = manager.locator("form[data-test=window-new]")
        form.locator("[name=number]").fill("1")
        for box in form.locator("[name=business_types]").all():
            box.check()
        submit(manager, "window-new")
        manager.goto(f"/p/service_halls/manage/points/{point.pk}/hours/")
        form = manager.locator("form[data-test=hours]")
        for day in range(5):
            form.locator(f"[name=hours_{day}]").fill("08:30-12:00, 13:30-17:30")
        submit(manager, "hours")
    assert point.windows.count() == 1 and point.business_types.count() == 2
    assert point.organisation.parent.name == "海州区行政审批局"
    COVERED.append("hall manager: business types, a service point, a window, opening hours (manage pages)")
    return point.pk


def hall_day(j: Journey, clock, *, point_id: int, desk, manager, supervisor):
    """``desk``: the clerk's phone, signed in (the clerk signed in for the first time by the
    invitation's link)."""
    from minsheng.programs.service_halls.models import Ticket

    walk_ins = ["13912340001", "13912340002", "13912340003"]
    kiosk = j.phone()  # the hall's kiosk: no one signed in
    with j.step("kiosk"):
        for n, phone in enumerate(walk_ins):
            kiosk.goto(f"/p/service_halls/kiosk/{point_id}/")
            kiosk.fill("[data-test=kiosk-phone]", phone)
            kiosk.click("[data-test=kiosk-A]" if n < 2 else "[data-test=kiosk-B]")
            kiosk.wait_for_selector("[data-test=ticket-number]")
    assert sorted(Ticket.objects.values_list("number", flat=True)) == ["A001", "A002", "B001"]

    with j.step("window"):
        desk.goto("/p/service_halls/clerk/")
        desk.click("[data-test=sign-on-1]")
        desk.wait_for_selector("[data-test=call-next]")
        for _ in walk_ins:
            clock.shift(timedelta(minutes=6))
            desk.click("[data-test=call-next]")
            desk.wait_for_selector("[data-test=clerk-current]")
            desk.locator("form[action$='/start/'] button").click()
            desk.wait_for_load_state()
            clock.shift(timedelta(minutes=9))
            desk.locator("form[action$='/finish/'] button").click()
            desk.wait_for_load_state()
    assert Ticket.objects.filter(state="done").count() == 3, list(Ticket.objects.values_list("state", flat=True))

    for who in (manager, supervisor):
        with j.step("hall statistics"):
            who.goto("/p/service_halls/stats/")
            who.wait_for_selector("[data-test=tickets]")
        assert who.inner_text("[data-test=tickets]").strip() == "3"
    assert fits_the_phone(supervisor)
    assert axe_serious(supervisor) == []
    COVERED.append("hall day: 3 numbers at the kiosk, clerk signs on, calls, serves and finishes each; "
                   "manager and supervisor see the day in the statistics")


@pytest.mark.django_db(transaction=True)
def test_a_year_in_the_life(browser, live_server, installation, tmp_path):
    j = Journey("a year in the life", browser=browser, base_url=live_server.url)
    with time_machine.travel(MONDAY, tick=True) as clock:
        admin = j.phone(installation)
        set_up_organisations(j, admin)
        staff = {key: invite(j, admin, key) for key in STAFF}
        COVERED.append("city administrator invites staff by phone with their roles on /workbench/staff/")

        # Service halls: the manager sets the hall up; the clerk is invited at the hall itself.
        manager = j.phone(staff["hall_manager"])
        point_id = hall_set_up(j, manager)
        invite(j, admin, ("13800000103", "窗口小李", "window_clerk", None), organisation="海州区政务服务中心")
        # The clerk signs in for the first time from the invitation's link: SMS code, password,
        # authenticator app, and the workbench.
        desk = j.phone()
        first_sign_in(j, desk, "13800000103")
        COVERED.append("the window clerk signs in for the first time from the invitation SMS's link "
                       "(code, password, authenticator app) and lands on the workbench")
        clock.move_to(MONDAY.replace(hour=9))
        hall_day(j, clock, point_id=point_id, desk=desk, manager=manager,
                 supervisor=j.phone(staff["hall_supervisor"]))

        # Enterprise start-up: the seal shops' register in /admin/, each department's officer
        # invited; a citizen signs up and founds a company; the licence is verified.
        clock.move_to(MONDAY + timedelta(days=1, hours=1))
        admin = j.phone(installation)  # a new day: yesterday's sessions have expired; signed in again
        shop = seal_shop_in_admin(j, admin)
        officers = {
            code: invite(j, admin, (phone, name, "case_officer", org))
            for code, (phone, name, org) in OFFICERS.items()
        }
        founder_page = j.phone()
        citizen_signs_up(j, founder_page, phone=FOUNDER_PHONE, name="张伟", id_number=FOUNDER_ID)
        founder = person(FOUNDER_PHONE)
        credit_code = found_and_verify(
            j, founder_page=founder_page, founder=founder, officers=officers, shop=shop,
            bank=Organisation.objects.get(kind="bank"), tmp_path=tmp_path,
        )
        COVERED.append(f"start-up: seal shop in /admin/, 7 officers invited, a citizen signs up (SMS, "
                       f"real-name), founds a company; licence {credit_code} verified on the public page")

        # After-school care: the city's term and window, the school's lottery offering.
        after_school_set_up(j, city_supervisor=j.phone(staff["education_supervisor"]),
                            school_admin=j.phone(staff["school_admin"]))
        COVERED.append("after-school set-up: term and city-wide window (education supervisor), "
                       "a lottery offering (school administrator)")
        # One term: roster on /imports/, applications, lottery + publication, roll call, figures.
        after_school_cycle(j, clock, root=installation, staff=staff, tmp_path=tmp_path,
                           invite=lambda page, who: invite(j, page, who))
        COVERED.append("after-school term: teacher invited, roster and teachers uploaded on /imports/, 3 guardians "
                       "apply (1 on her phone), lottery run and published (confirmed) on manage/, the guardian "
                       "sees her result, roll call and a pick-up on teacher/, supervision figures")
        # Elderly care in April and May (fixed dates); the evaluation cycle after it (its dates are
        # counted from the clock's now), so the clock never goes back.
        month = elderly_month(j, clock, root=installation, invite=invite)
        COVERED.append(f"elderly care: officer and provider admin invited, catalogue in /admin/, provider, "
                       f"contract and price, caregiver invited by the provider; a son applies for his mother, "
                       f"approved, assessed, entitlement rule; {month['visits']} visits booked, dispatched, "
                       f"done on the phone (one via the API, one short: flagged, upheld); April settled on "
                       f"the page: ¥{month['net']} payable, ¥{month['deducted']} deducted")
        COVERED.append(evaluation_cycle(j, clock, installation=installation, invite=invite,
                                        base_url=live_server.url, tmp_path=tmp_path))

    total = j.report()
    print("covered:", *COVERED, sep="\n  + ")
    print("missing:", *MISSING, sep="\n  - ")
    assert total > 0
