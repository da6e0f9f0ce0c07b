"""Publishing a lottery's results: a declared transition (done → published) taken by whoever runs
the window, audited, after which families see the result and are told it; before it they see
that the lottery is done and its results are coming. Another school's manager cannot publish."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import translation

from minsheng.access.models import Role, RoleAssignment
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict

from ..models import LOTTERY_TRANSITIONS, Application, ApplicationWindow, LotteryState
from ..services.applications import application_submit
from ..services.lottery import lottery_publish, lottery_run, lottery_start
from . import factories as f

pytestmark = pytest.mark.django_db
SEED = "c" * 64
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _school_admin(school):
    user = f.user("教务", is_staff=True)
    Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
    RoleAssignment.objects.create(user=user, role_id="school_admin", organisation=school, region=school.region)
    return user


def _drawn(school, *, families: int = 2):
    """A school's lottery offering (one place), ``families`` applicants, the lottery run."""
    off = f.offering(school, capacity=1, allocation="lottery", weekdays=(0,))
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        people = []
        for _ in range(families):
            g, c = f.guardian_with_child(school)
            people.append((g, application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                                 weekdays=[0], idempotency_key=f.key())))
    with time_machine.travel(win.closes_at + timedelta(minutes=1), tick=False):
        lottery_run(window=win)
    win.refresh_from_db()
    return win, people


# --- the service ------------------------------------------------------------------------
def test_publish_is_the_declared_transition_from_done_to_published_and_is_audited(django_capture_on_commit_callbacks):
    from minsheng.notifications.models import Notification

    school = f.school()
    win, people = _drawn(school)
    assert LOTTERY_TRANSITIONS["publish"].sources == (LotteryState.DONE,)
    assert win.lottery_state == LotteryState.DONE and win.results_pending
    manager = _school_admin(school)
    with django_capture_on_commit_callbacks(execute=True):
        lottery_publish(window=win, actor=manager)
    win.refresh_from_db()
    assert (win.lottery_state, win.results_pending) == (LotteryState.PUBLISHED, False)
    assert win.results_published_at is not None
    event = AuditEvent.objects.get(event_type="after_school.lottery_publish")
    assert (event.actor_id, event.old_values["lottery_state"], event.new_values["lottery_state"]) == (
        manager.pk, "done", "published")
    # each family is told its own result, once
    told = {n.context["reference"]: n.body for n in Notification.objects.filter(template="after_school.lottery_result")}
    assert set(told) == {app.reference for _g, app in people}
    with pytest.raises(Conflict):
        lottery_publish(window=win, actor=manager)
    with time_machine.travel(win.closes_at + timedelta(hours=1), tick=False):
        with pytest.raises(Conflict):  # a published lottery is not run again
            lottery_run(window=win)
        with pytest.raises(Conflict):
            lottery_start(window=win, actor=manager)
    assert AuditEvent.objects.filter(event_type="after_school.lottery_publish").count() == 1


def test_a_lottery_not_run_to_the_end_cannot_be_published():
    school = f.school()
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED)
    ApplicationWindow.objects.filter(pk=win.pk).update(lottery_state=LotteryState.RUNNING)
    win.refresh_from_db()
    with pytest.raises(Conflict):
        lottery_publish(window=win, actor=None)
    win.refresh_from_db()
    assert (win.lottery_state, win.results_published_at) == (LotteryState.RUNNING, None)
    assert not AuditEvent.objects.filter(event_type="after_school.lottery_publish").exists()


# --- the pages ----------------------------------------------------------------------------
def test_families_see_the_lottery_done_and_waiting_then_their_result_after_a_confirmed_publish(client):
    school = f.school()
    win, people = _drawn(school)
    (guardian, app), _other = people
    client.force_login(guardian)
    page = client.get("/p/after_school/", **ZH).content.decode()
    assert "摇号已完成，等待公布" in page and "结果尚未公布" in page
    assert "已录取" not in page and "候补" not in page  # the seat and the state are not told early
    mine = client.get("/mine/", **ZH).content.decode()
    assert "摇号已完成；结果公布后会显示在这里" in mine

    client.force_login(_school_admin(school))
    manage = client.get("/p/after_school/manage/", **ZH).content.decode()
    assert 'data-test="publish"' in manage and f'id="ms-confirm-publish-{win.pk}"' in manage
    assert "公布后不能撤回" in manage  # the confirmation says what publishing does
    assert "已摇号，待公布" in manage
    assert client.post("/p/after_school/manage/", {"form": "publish", "window": win.pk}).status_code == 302
    win.refresh_from_db()
    assert win.lottery_state == LotteryState.PUBLISHED
    manage = client.get("/p/after_school/manage/", **ZH).content.decode()
    assert 'data-test="published"' in manage and 'data-test="publish"' not in manage

    client.force_login(guardian)
    page = client.get("/p/after_school/", **ZH).content.decode()
    with translation.override("zh-hans"):
        state = str(Application.objects.get(pk=app.pk).get_state_display())
    assert "摇号已完成，等待公布" not in page and "结果尚未公布" not in page
    assert f'data-test="state">{state}</span>' in page
    mine = client.get("/api/v1/after_school/applications").json()[0]
    assert mine["results_pending"] is False and mine["state"] in ("admitted", "waitlisted")


# --- who may publish --------------------------------------------------------------------
def test_a_school_cannot_publish_another_schools_lottery(client):
    mine, theirs = f.school("东小学"), f.school("西小学")
    their_window, _people = _drawn(theirs)
    client.force_login(_school_admin(mine))
    assert client.post("/p/after_school/manage/", {"form": "publish", "window": their_window.pk}).status_code == 404
    assert client.post(f"/api/v1/after_school/windows/{their_window.pk}/publish").status_code == 404
    their_window.refresh_from_db()
    assert (their_window.lottery_state, their_window.results_published_at) == (LotteryState.DONE, None)
    assert not AuditEvent.objects.filter(event_type="after_school.lottery_publish").exists()


def test_a_school_under_the_citys_window_sees_it_but_cannot_publish_it(client):
    school = f.school()
    city_window, _people = _drawn(school)
    ApplicationWindow.objects.filter(pk=city_window.pk).update(school=None, region=f.region().parent)
    client.force_login(_school_admin(school))
    page = client.get("/p/after_school/manage/").content.decode()
    assert 'data-test="read-only"' in page and 'data-test="publish"' not in page
    assert client.post(f"/api/v1/after_school/windows/{city_window.pk}/publish").status_code == 404
    city_window.refresh_from_db()
    assert city_window.lottery_state == LotteryState.DONE


# --- ranked choices, as the family sees them ------------------------------------------------
def test_a_family_sees_its_second_choice_dropped_because_the_first_was_admitted(client, django_capture_on_commit_callbacks):
    """Two lottery offerings at the same hours: the child wins the first choice; the second is
    not needed on those days, and the page and the notice say why (not "withdrawn")."""
    from minsheng.notifications.models import Notification

    school = f.school()
    art = f.offering(school, capacity=1, allocation="lottery", weekdays=(0,))
    chess = f.offering(school, capacity=1, allocation="lottery", weekdays=(0,))
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        g, c = f.guardian_with_child(school)
        first = application_submit(guardian_user=g, student_id=c.pk, offering_id=art.pk, weekdays=[0], rank=1,
                                   idempotency_key=f.key())
        second = application_submit(guardian_user=g, student_id=c.pk, offering_id=chess.pk, weekdays=[0], rank=2,
                                    idempotency_key=f.key())
    with time_machine.travel(win.closes_at + timedelta(minutes=1), tick=False):
        lottery_run(window=win)
    assert dict(Application.objects.values_list("pk", "state")) == {first.pk: "admitted", second.pk: "rejected"}
    assert second.seats.get().state == "superseded"
    with django_capture_on_commit_callbacks(execute=True):
        lottery_publish(window=win, actor=None)
    client.force_login(g)
    page = client.get("/p/after_school/", **ZH).content.decode()
    assert "第 1 志愿" in page and "第 2 志愿" in page
    assert "无需安排：同一时段已被更靠前的志愿录取" in page and "已撤回" not in page
    notice = Notification.objects.get(template="after_school.lottery_result", context__reference=second.reference)
    assert "更靠前的志愿" in notice.body
