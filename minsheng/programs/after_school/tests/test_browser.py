"""Browser test: a guardian applies and sees the result; a teacher marks attendance and pick-up.

Drives Debian's /usr/bin/chromium through Playwright. Users are signed in with
force_login and the session cookie is copied into the browser.
"""

import os
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ..models import Application, Attendance, Offering, PickUp, Session
from ..services.running import sessions_generate
from . import factories as f

pytestmark = pytest.mark.browser
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium fonts-noto-cjk"
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                               args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield b
        b.close()


def _page_as(browser, live_server, user):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    host = live_server.url.split("//")[1].split(":")[0]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "domain": host, "path": "/"}])
    return context.new_page()


@pytest.mark.django_db(transaction=True)
def test_guardian_applies_and_sees_the_result_and_teacher_marks_attendance_and_pickup(browser, live_server):
    now = timezone.now()
    today = timezone.localdate()
    weekday = today.weekday()
    school = f.school()
    teacher = f.teacher(school)
    off = f.offering(school, capacity=5, weekdays=(weekday,), kind="weekday" if weekday < 5 else "weekend",
                     teachers=[teacher])
    f.window(school, opens=now - timedelta(days=1), closes=now + timedelta(days=1))
    guardian, child = f.guardian_with_child(school)

    page = _page_as(browser, live_server, guardian)
    page.goto(f"{live_server.url}/p/after_school/")
    assert child.name in page.inner_text("[data-test=child]")
    form = page.locator("[data-test=offering]").first
    form.locator(f"input[name=weekdays][value='{weekday}']").check()
    form.locator("[data-test=apply]").click()
    page.wait_for_load_state()
    app = Application.objects.get()
    assert app.state == "admitted"
    card = page.locator(f"[data-test=application][data-ref='{app.reference}']")
    assert card.locator("[data-test=state]").inner_text() == "已录取"
    page.context.close()

    # The pick-up is recorded now: the session must have started (it is held from midnight here).
    Offering.objects.filter(pk=off.pk).update(start_time=time(0, 0))
    sessions_generate(offering=off, start=today, end=today)
    session = Session.objects.get()
    page = _page_as(browser, live_server, teacher.person.user)
    page.goto(f"{live_server.url}/p/after_school/teacher/")
    page.locator("[data-test=session]").first.click()
    page.wait_for_load_state()
    row = page.locator(f"[data-test=roll-row][data-student='{child.pk}']")
    row.locator("[data-test=mark-present]").click()
    page.wait_for_load_state()
    assert page.locator(f"[data-test=roll-row][data-student='{child.pk}'] [data-test=status]").inner_text() == "出勤"
    page.locator(f"[data-test=roll-row][data-student='{child.pk}'] [data-test=pickup-confirm]").click()
    page.wait_for_load_state()
    assert "王芳" in page.locator(f"[data-test=roll-row][data-student='{child.pk}'] [data-test=pickup]").inner_text()
    assert Attendance.objects.get(session=session).status == "present"
    assert PickUp.objects.get(session=session).collected_by == guardian.person
    page.context.close()
