"""The guardian's journey at phone size (375×812): apply for after-school care and see the
lottery result. The guardian applies for her child while the school's window is open; once it
has closed, the school's manager opens the workbench, runs the lottery and, after the guardian
has seen that results are coming, publishes them; the guardian sees the result on the
program's page and in 我的. Prints how long each step took in the browser."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from minsheng.access.models import Role, RoleAssignment
from minsheng.demo.journeys import Journey, axe_serious, chromium, fits_the_phone
from minsheng.identity.models import User

from ..models import Application, ApplicationState
from ..services.applications import application_submit
from . import factories as f

pytestmark = pytest.mark.browser
SEED = "5e" * 32


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


@pytest.mark.django_db(transaction=True)
def test_apply_for_after_school_care_and_see_the_lottery_result(browser, live_server):
    now = timezone.now()
    with time_machine.travel(now, tick=True) as clock:
        school = f.school()
        offering = f.offering(school, capacity=2, allocation="lottery", weekdays=(0, 2))
        window = f.window(school, opens=now - timedelta(days=1), closes=now + timedelta(hours=1), seed=SEED)
        manager = User.objects.create_user("as-manager", "x-pass-123", name="赵校长", is_staff=True)
        Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
        RoleAssignment.objects.create(user=manager, role_id="school_admin", organisation=school,
                                      region=school.region)
        for _ in range(3):  # other families of the school apply too: three children for two places
            other, child = f.guardian_with_child(school)
            application_submit(guardian_user=other, student_id=child.pk, offering_id=offering.pk,
                               weekdays=[0], idempotency_key=f.key())
        guardian, child = f.guardian_with_child(school)

        j = Journey("after-school care → lottery result", browser=browser, base_url=live_server.url)
        mother = j.phone(guardian)
        with j.step("apply"):
            mother.goto("/p/after_school/")
            form = mother.locator("[data-test=offering]").first
            form.locator("input[name=weekdays][value='0']").check()
            form.locator("[data-test=apply]").click()
            mother.wait_for_selector("[data-test=application]")
        app = Application.objects.get(student=child)
        card = mother.locator(f"[data-test=application][data-ref='{app.reference}']")
        assert card.locator("[data-test=state]").inner_text() == "已提交"
        assert fits_the_phone(mother)

        clock.move_to(window.closes_at + timedelta(minutes=5))  # the window has closed
        head = j.phone(manager)
        with j.step("the manager runs the lottery"):
            head.goto("/workbench/")
            head.click("[data-test=entries] a[href$='/p/after_school/manage/']")
            head.get_by_role("button", name="开始摇号").click()
            head.wait_for_selector("[data-test=publish]")
        app.refresh_from_db()
        assert app.state in (ApplicationState.ADMITTED, ApplicationState.WAITLISTED)
        result = app.get_state_display()

        with j.step("results not out yet"):
            mother.reload()
        card = mother.locator(f"[data-test=application][data-ref='{app.reference}']")
        assert card.locator("[data-test=results-pending]").inner_text() == "摇号已完成，等待公布"
        assert card.locator("[data-test=state]").inner_text() == "已提交"  # no family learns it early

        with j.step("the manager publishes the results"):
            head.click("[data-test=publish]")  # the page asks first: publication cannot be undone
            head.locator(f"#ms-confirm-publish-{window.pk} [data-confirm-submit]").click()
            head.wait_for_selector("[data-test=published]")
        head.context.close()

        with j.step("see the result"):
            mother.reload()
        card = mother.locator(f"[data-test=application][data-ref='{app.reference}']")
        assert card.locator("[data-test=state]").inner_text() == result
        assert card.locator("[data-test=results-pending]").count() == 0

        with j.step("find it in Mine"):
            mother.click(".navbar-toggler")  # at phone width the header's links fold into the menu
            mother.click("[data-test=mine-link]")
            mother.wait_for_selector("[data-test=mine-applications] [data-test=mine-item]")
        item = mother.locator("[data-test=mine-applications] [data-test=mine-item]").first
        assert child.name in item.inner_text()
        assert item.locator("[data-test=mine-status]").inner_text() == result
        assert fits_the_phone(mother)
        assert axe_serious(mother) == []
        j.report()
