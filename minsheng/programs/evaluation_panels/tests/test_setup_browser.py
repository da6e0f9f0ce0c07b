"""Browser test: the panel office sets up a year on a 375-px phone, in Chinese — every set-up page
fits the screen (nothing scrolls sideways) and the cycle is opened through its form."""

import os

import pytest
from django.conf import settings

from .. import services
from ..models import Cycle
from . import factories as f
from .test_browser import browser_context  # noqa: F401 - the fixture (Debian's chromium, zh-CN)

pytestmark = pytest.mark.browser
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.mark.django_db(transaction=True)
def test_the_set_up_pages_fit_a_phone_and_a_cycle_is_opened(browser_context, live_server, client):  # noqa: F811
    phone = browser_context
    organiser = f.staff_user("panel_organiser", organisation=f.org("市人大"), region=f.city())
    f.pool(per_stratum=2)
    project = f.project(milestones=[("开工", f.NOW.date())])
    ev = f.evaluation(project, size=4)
    services.candidate_save(cycle=project.cycle, title="社区食堂", budget="120", actor=None)
    client.force_login(organiser)
    phone.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url}])
    page = phone.new_page()
    page.set_viewport_size({"width": 375, "height": 812})
    base = f"{live_server.url}/p/evaluation_panels"
    volunteer = f.volunteer(region="320706")
    for path in ("manage/cycles/", f"manage/cycles/{project.cycle_id}/", f"manage/cycles/{project.cycle_id}/ideas/",
                 f"manage/cycles/{project.cycle_id}/vote/", "manage/projects/", f"manage/projects/{project.pk}/",
                 f"manage/projects/{project.pk}/milestones/", "manage/volunteers/",
                 f"manage/volunteers/{volunteer.pk}/", "manage/evaluations/", f"manage/evaluations/{ev.pk}/",
                 "manage/rectifications/"):
        response = page.goto(f"{base}/{path}")
        assert response.status == 200, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} scrolls sideways ({width}px)"

    page.goto(f"{base}/manage/cycles/")
    form = page.locator("[data-test=cycle-new]")
    form.locator("input[name=year]").fill("2027")
    form.locator("input[name=title]").fill("2027年民生实事项目")
    form.locator("input[name=places]").fill("8")
    form.locator("input[name=vote_on]").fill("2027-03-15")
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"**/manage/cycles/{Cycle.objects.get(year=2027).pk}/")
    assert "年度周期已开启" in page.inner_text("body")
