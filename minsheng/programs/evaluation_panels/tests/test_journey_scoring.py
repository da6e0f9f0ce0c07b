"""A panel member's journey at phone size (375×812): score a project. Drawn for a panel, she
finds the invitation in 我的 and accepts the seat; on the day, at the site, the organiser's
page shows the check-in QR code and she opens its link, checks in and scores the project with
the rubric; the organiser sees the scorecards handed in, closes the session, checks the count,
publishes it and reads the grade and the weighted score. Prints how long each step took in the browser."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from minsheng.demo.journeys import Journey, axe_serious, chromium, fits_the_phone

from .. import services
from ..models import Evaluation, PanelSeat, Scorecard, SeatStatus
from . import factories as f

pytestmark = pytest.mark.browser
THE_OTHERS = ("satisfied", "satisfied", "basic")  # the other three members' overall views


@pytest.fixture
def browser():
    with chromium() as b:
        yield b


def the_others_score(ev, seats):
    """The rest of the panel checked in and handed in their cards before her (8 on every criterion)."""
    token = services.checkin_token(evaluation=ev)
    for seat, overall in zip(seats, THE_OTHERS, strict=True):
        user = seat.volunteer.person.user
        services.member_checkin(token=token, user=user)
        services.scorecard_submit(evaluation=ev, user=user, overall=overall, comment="北门路灯还没装",
                                  scores={str(c.id): 8 for c in ev.rubric.criteria.all()})


@pytest.mark.django_db(transaction=True)
def test_score_a_project_as_a_panel_member(browser, live_server):
    now = timezone.now()
    with time_machine.travel(now, tick=True) as clock:
        f.pool(per_stratum=2)
        ev = f.drawn_evaluation(f.project(), size=4, starts=now + timedelta(hours=3))
        organiser = f.staff_user("panel_organiser", name="人大联络员")
        mine_seat, *others = ev.seats.select_related("volunteer__person__user").order_by("id")
        criteria = list(ev.rubric.criteria.order_by("order"))

        j = Journey("score a project as a panel member", browser=browser, base_url=live_server.url)
        member = j.phone(mine_seat.volunteer.person.user)
        with j.step("accept the seat from Mine"):
            member.goto("/")
            member.click(".navbar-toggler")  # at phone width the header's links fold into the menu
            member.click("[data-test=mine-link]")
            member.locator("[data-test=mine-invitations] [data-test=mine-item] a").first.click()
            member.get_by_role("button", name="我将参加").click()
            member.wait_for_load_state()
        assert PanelSeat.objects.get(pk=mine_seat.pk).status == SeatStatus.ACCEPTED
        assert fits_the_phone(member)

        clock.move_to(ev.starts_at + timedelta(minutes=10))  # at the site (within her 12-hour sign-in)
        the_others_score(ev, others)
        desk = j.phone(organiser)
        with j.step("the organiser shows the site QR code"):
            desk.goto("/workbench/")
            desk.click("[data-test=entries] a[href$='/p/evaluation_panels/supervision/']")
            desk.click(f"a[href$='/p/evaluation_panels/manage/evaluations/{ev.pk}/']")
            desk.wait_for_selector("img[src$='qr.svg']")
        qr_link = desk.locator("a[href*='/p/evaluation_panels/checkin/']").get_attribute("href")

        with j.step("check in from the QR link"):
            member.goto(qr_link)  # what her phone's camera opens
            member.click("[data-test=checkin]")
            member.wait_for_url(f"**/p/evaluation_panels/evaluations/{ev.pk}/score/")
        with j.step("score with the rubric"):
            for c, value in zip(criteria, ("9", "8", "8"), strict=True):
                member.fill(f"#c{c.id}", value)
            member.locator(".ep-score input[name=overall][value=satisfied]").check()
            member.fill("#comment", "小区路面平整，照明到位")
            member.click("[data-test=submit-score]")
            member.wait_for_selector("[data-test=scored]")
        card = Scorecard.objects.get(evaluation=ev, comment="小区路面平整，照明到位")  # anonymous: no seat
        assert str(card.weighted_score) == "84.00" and card.overall == "satisfied"
        assert PanelSeat.objects.get(pk=mine_seat.pk).has_scored
        assert fits_the_phone(member)
        assert axe_serious(member) == []

        with j.step("the organiser sees the scorecards"):
            desk.reload()
        assert "已签到4人，已提交测评表4份" in desk.inner_text("main")
        with j.step("the organiser closes the session, checks the count and publishes it"):
            desk.get_by_role("button", name="结束评议并统计测评表").click()
            desk.wait_for_load_state()
            desk.locator("form[data-test=publish] [name=confirm]").check()
            desk.locator("form[data-test=publish] button[value=publish]").click()
            desk.wait_for_selector("[data-test=published]")
            grade = desk.locator("main strong").first.inner_text()
            desk.click(f"a[href$='/p/evaluation_panels/projects/{ev.project_id}/']")
            desk.wait_for_load_state()
        ev = Evaluation.objects.get(pk=ev.pk)
        assert grade == ev.get_grade_display()
        assert str(ev.weighted_score) == "81.00"  # (84 + 80 × 3) / 4
        assert "81.00" in desk.inner_text("main")
        assert fits_the_phone(desk)
        assert axe_serious(desk) == []
        j.report()
