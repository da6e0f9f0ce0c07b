from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.draws.algorithm import draw_order, sha256_hex
from minsheng.draws.models import PublishedDraw

from ..models import (
    Application,
    ApplicationWindow,
    OfferingDay,
    SeatRequest,
)
from ..services.applications import (
    application_submit,
    application_withdraw,
    offer_respond,
    offers_expire,
)
from ..services.lottery import lottery_publish, lottery_run, lottery_start
from . import factories as f

pytestmark = pytest.mark.django_db
SEED = "a" * 64


def _apply_many(school, off, n, **kw):
    apps = []
    for _ in range(n):
        g, c = f.guardian_with_child(school, **kw)
        apps.append(application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0],
                                                idempotency_key=f.key()))
    return apps


def _run(window):
    with time_machine.travel(window.closes_at + timedelta(minutes=1), tick=False):
        return lottery_run(window=window)


def test_lottery_admits_capacity_in_published_draw_order_and_is_reproducible():
    school = f.school()
    off = f.offering(school, capacity=3, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        apps = _apply_many(school, off, 7)
        assert all(a.state == "submitted" for a in apps)
        with pytest.raises(Conflict):
            lottery_run(window=win)  # not before the window closes
    draw = PublishedDraw.objects.get(pk=win.draw_id)
    assert draw.seed_hash == sha256_hex(SEED) == win.seed_hash  # committed before the close
    summary = _run(win)
    assert summary == {"applicants": 7, "admitted": 3, "waitlisted": 4}
    expected = draw_order(SEED, [a.reference for a in apps])  # anyone can recompute this
    draw.refresh_from_db()
    assert draw.result == expected
    assert draw.candidates_hash == sha256_hex("".join(f"{r}\n" for r in sorted(expected)))
    states = {a.reference: a.state for a in Application.objects.all()}
    assert [states[r] for r in expected] == ["admitted"] * 3 + ["waitlisted"] * 4
    positions = dict(SeatRequest.objects.filter(state="waitlisted").values_list(
        "application__reference", "waitlist_position"))
    assert [positions[r] for r in expected[3:]] == [1, 2, 3, 4]
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 3
    assert ApplicationWindow.objects.get(pk=win.pk).lottery_state == "done"


def test_priority_lower_grades_first_and_siblings_kept_together():
    school = f.school()
    off = f.offering(school, capacity=3, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED)
        g, (older, younger) = f.guardian_with_child(school, grade_level=5, children=2)
        pair = [application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0],
                                            idempotency_key=f.key()) for c in (older, younger)]
        first_graders = _apply_many(school, off, 2, grade_level=1)
    _run(win)
    assert {a.state for a in Application.objects.filter(pk__in=[a.pk for a in first_graders])} == {"admitted"}
    # one place is left: the two siblings (grade 5) do not fit together and wait together
    assert {a.state for a in Application.objects.filter(pk__in=[a.pk for a in pair])} == {"waitlisted"}


def test_withdrawal_offers_the_place_to_the_next_who_may_accept_or_let_it_expire():
    school = f.school()
    off = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        guardians = []
        for _ in range(3):
            g, c = f.guardian_with_child(school)
            guardians.append((g, application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                                             weekdays=[0], idempotency_key=f.key())))
    _run(win)
    by_ref = {a.reference: (g, a) for g, a in guardians}
    order = PublishedDraw.objects.get(pk=win.draw_id).result
    first, second, third = (by_ref[r] for r in order)
    later = win.closes_at + timedelta(days=1)
    with time_machine.travel(later, tick=False):
        application_withdraw(guardian_user=first[0], application_id=first[1].pk)
    seat = SeatRequest.objects.get(application=second[1])
    assert seat.state == "offered" and seat.offered_until == later + timedelta(days=3)
    assert Application.objects.get(pk=second[1].pk).state == "offered"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1
    # the deadline passes: the offer lapses and goes to the third
    with time_machine.travel(later + timedelta(days=4), tick=False):
        assert offers_expire() == 1
        with pytest.raises(Conflict):
            offer_respond(guardian_user=second[0], application_id=second[1].pk, accept=True)
        offer_respond(guardian_user=third[0], application_id=third[1].pk, accept=True)
    assert SeatRequest.objects.get(application=second[1]).state == "expired"
    assert Application.objects.get(pk=third[1].pk).state == "accepted"
    assert OfferingDay.objects.get(offering=off, weekday=0).taken == 1


def test_lottery_start_runs_in_the_background_and_records_progress(django_capture_on_commit_callbacks):
    school = f.school()
    off = f.offering(school, capacity=5, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school)
        _apply_many(school, off, 3)
    with time_machine.travel(win.closes_at + timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lottery_start(window=win, actor=None)
    win.refresh_from_db()
    assert (win.lottery_state, win.lottery_done, win.lottery_total) == ("done", 1, 1)
    assert Application.objects.filter(state="admitted").count() == 3


def test_batched_lottery_gives_the_reference_allocation_per_day_in_draw_order(settings):
    """Several offerings and days written in small batches (several transactions) give exactly
    what the published order implies: per day, the first ``capacity`` applicants of that day in
    draw order are admitted, the rest waitlisted in that order."""
    settings.AFTER_SCHOOL_LOTTERY_BATCH = 4  # force many batches on a small example
    school = f.school()
    offerings = [f.offering(school, capacity=cap, allocation="lottery", weekdays=(0, 1, 2)) for cap in (2, 3)]
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False,
                       keep_siblings_together=False)
        chosen = {}
        for i in range(14):
            g, c = f.guardian_with_child(school)
            off = offerings[i % 2]
            days = [d for d in (0, 1, 2) if (i + d) % 3 != 0] or [0]
            app = application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=days,
                                              idempotency_key=f.key())
            chosen[app.reference] = (off.pk, days)
    summary = _run(win)
    order = draw_order(SEED, list(chosen))
    expected = {}
    for off in offerings:
        for day in (0, 1, 2):
            queue = [r for r in order if chosen[r][0] == off.pk and day in chosen[r][1]]
            for i, ref in enumerate(queue):
                admitted = i < off.capacity
                expected[(ref, day)] = ("admitted", None, None) if admitted else (
                    "waitlisted", i - off.capacity + 1, order.index(ref) + 1)
            assert OfferingDay.objects.get(offering=off, weekday=day).taken == min(off.capacity, len(queue))
    got = {(ref, wd): (state, pos, dp) for ref, wd, state, pos, dp in SeatRequest.objects.values_list(
        "application__reference", "weekday", "state", "waitlist_position", "draw_position")}
    assert got == expected
    assert summary["admitted"] == sum(1 for v in expected.values() if v[0] == "admitted")
    win.refresh_from_db()
    assert (win.lottery_state, win.lottery_done, win.lottery_total) == ("done", 6, 6)


# --- notices ------------------------------------------------------------------------
def test_every_guardian_is_told_each_childs_lottery_result_once(django_capture_on_commit_callbacks):
    from minsheng.identity.models import PersonRelation
    from minsheng.notifications.models import Notification

    from ..services.lottery import lottery_notify

    school = f.school()
    off = f.offering(school, capacity=1, allocation="lottery", weekdays=(0, 1))
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        g1, c1 = f.guardian_with_child(school)
        father = f.person("李父")  # a second guardian without an account still gets the notice
        PersonRelation.objects.create(person=father, relative=c1, kind="guardian", detail="父亲")
        g2, c2 = f.guardian_with_child(school)
        a1, a2 = (application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk, weekdays=[0, 1],
                                              idempotency_key=f.key()) for g, c in ((g1, c1), (g2, c2)))
    with time_machine.travel(win.closes_at + timedelta(seconds=1), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            lottery_start(window=win, actor=None)
        assert not Notification.objects.filter(template="after_school.lottery_result").exists()  # not yet
        with django_capture_on_commit_callbacks(execute=True):
            lottery_publish(window=win, actor=None)
    first, second = (a1, a2) if PublishedDraw.objects.get(pk=win.draw_id).result[0] == a1.reference else (a2, a1)
    notices = {(n.person_id, n.context["reference"]): n
               for n in Notification.objects.filter(template="after_school.lottery_result")}
    assert set(notices) == {(g1.person.pk, a1.reference), (father.pk, a1.reference), (g2.person.pk, a2.reference)}
    assert notices[(father.pk, a1.reference)].recipient is None
    won = next(n for (_p, ref), n in notices.items() if ref == first.reference)
    lost = next(n for (_p, ref), n in notices.items() if ref == second.reference)
    assert "录取" in won.body and "星期一" in won.body and "候补" not in won.body
    assert "候补" in lost.body and "第1位" in lost.body and f"after-school-window-{win.pk}" in lost.body
    assert lottery_notify(window_id=win.pk) == max(a1.pk, a2.pk)  # a re-run sends nothing twice
    assert Notification.objects.filter(template="after_school.lottery_result").count() == 3


def test_a_place_offered_from_the_waiting_list_is_notified_with_its_deadline(django_capture_on_commit_callbacks):
    from minsheng.notifications.models import Notification

    school = f.school()
    off = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        families = []
        for _ in range(2):
            g, c = f.guardian_with_child(school)
            families.append((g, application_submit(guardian_user=g, student_id=c.pk, offering_id=off.pk,
                                                            weekdays=[0], idempotency_key=f.key())))
    _run(win)
    order = PublishedDraw.objects.get(pk=win.draw_id).result
    (winner, won), (next_guardian, waiting) = sorted(families, key=lambda ga: order.index(ga[1].reference))
    later = win.closes_at + timedelta(days=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        application_withdraw(guardian_user=winner, application_id=won.pk)
    notice = Notification.objects.get(template="after_school.offer")
    deadline = timezone.localtime(later + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    assert notice.recipient == next_guardian and deadline in notice.body and off.title in notice.body
    assert SeatRequest.objects.get(application=waiting).offered_until == later + timedelta(days=3)


def test_ranked_choices_are_honoured_first_choices_first_and_no_overlapping_second_place():
    """Two lottery offerings at the same hours: every child's first choice is settled before
    any second choice; a child admitted to the first choice does not also take the second."""
    school = f.school()
    art = f.offering(school, capacity=1, allocation="lottery")
    chess = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        g1, c1 = f.guardian_with_child(school)
        g2, c2 = f.guardian_with_child(school)
        # Child 1: art first, chess second. Child 2: chess second only — it must wait for child
        # 1's first choice, whatever the draw says.
        a1 = application_submit(guardian_user=g1, student_id=c1.pk, offering_id=art.pk, weekdays=[0], rank=1,
                                idempotency_key=f.key())
        b1 = application_submit(guardian_user=g1, student_id=c1.pk, offering_id=chess.pk, weekdays=[0], rank=2,
                                idempotency_key=f.key())
        b2 = application_submit(guardian_user=g2, student_id=c2.pk, offering_id=chess.pk, weekdays=[0], rank=2,
                                idempotency_key=f.key())
        with pytest.raises(ValidationFailed):  # the same rank at the same hours is a clash, not a choice
            application_submit(guardian_user=g2, student_id=c2.pk, offering_id=art.pk, weekdays=[0], rank=2,
                               idempotency_key=f.key())
    summary = _run(win)
    states = {a.pk: Application.objects.get(pk=a.pk).state for a in (a1, b1, b2)}
    assert states == {a1.pk: "admitted", b1.pk: "rejected", b2.pk: "admitted"}
    assert SeatRequest.objects.get(application=b1).state == "superseded"
    assert summary["admitted"] == 2
    assert OfferingDay.objects.get(offering=chess, weekday=0).taken == 1


def test_a_child_who_loses_the_first_choice_is_considered_for_the_second():
    school = f.school()
    art = f.offering(school, capacity=1, allocation="lottery")
    chess = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED, lower_grades_first=False, dual_working_first=False)
        g1, c1 = f.guardian_with_child(school)
        g2, c2 = f.guardian_with_child(school)
        apps = {}
        for g, c in ((g1, c1), (g2, c2)):
            apps[c.pk] = (
                application_submit(guardian_user=g, student_id=c.pk, offering_id=art.pk, weekdays=[0], rank=1,
                                   idempotency_key=f.key()),
                application_submit(guardian_user=g, student_id=c.pk, offering_id=chess.pk, weekdays=[0], rank=2,
                                   idempotency_key=f.key()),
            )
    _run(win)
    results = sorted((Application.objects.get(pk=first.pk).state, Application.objects.get(pk=second.pk).state)
                     for first, second in apps.values())
    # One child wins art (and drops chess); the other loses art and is admitted to chess.
    assert results == [("admitted", "rejected"), ("waitlisted", "admitted")]


def test_families_see_the_results_only_once_a_manager_publishes_them(client):
    from minsheng.access.models import Role, RoleAssignment

    school = f.school()
    off = f.offering(school, capacity=1, allocation="lottery")
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED)
        g1, c1 = f.guardian_with_child(school)
        app = application_submit(guardian_user=g1, student_id=c1.pk, offering_id=off.pk, weekdays=[0],
                                 idempotency_key=f.key())
    _run(win)
    assert Application.objects.get(pk=app.pk).state == "admitted"
    client.force_login(g1)
    mine = client.get("/api/v1/after_school/applications").json()[0]
    assert (mine["state"], mine["results_pending"], mine["seats"][0]["state"]) == ("submitted", True, "pending")
    page = client.get("/p/after_school/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-test="results-pending"' in page and "已录取" not in page
    manager = f.user("教务", is_staff=True)
    Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
    RoleAssignment.objects.create(user=manager, role_id="school_admin", organisation=school, region=school.region)
    client.force_login(manager)
    assert 'data-test="publish"' in client.get("/p/after_school/manage/").content.decode()
    assert client.post("/p/after_school/manage/", {"form": "publish", "window": win.pk}).status_code == 302
    win.refresh_from_db()
    assert win.results_published_at is not None
    again = client.post(f"/api/v1/after_school/windows/{win.pk}/publish")
    assert again.status_code == 409
    client.force_login(g1)
    mine = client.get("/api/v1/after_school/applications").json()[0]
    assert (mine["state"], mine["results_pending"], mine["seats"][0]["state"]) == ("admitted", False, "admitted")


def test_results_cannot_be_published_before_the_lottery_ran():
    school = f.school()
    with time_machine.travel(f.NOW, tick=False):
        win = f.window(school, seed=SEED)
    with pytest.raises(Conflict):
        lottery_publish(window=win, actor=None)
