"""On-site sessions: check-in by QR token, scorecards and refusals, results, the rectification loop,
progress reports."""

from datetime import timedelta

import pytest
from django.core import signing

from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.notifications.models import Notification

from .. import services
from ..models import (
    EvaluationStatus,
    PanelSeat,
    Project,
    ProjectStatus,
    RectificationOrder,
    RectificationStatus,
    Scorecard,
)
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def _member(ev, i=0):
    seat = list(ev.seats.select_related("volunteer__person__user").order_by("id"))[i]
    return seat, seat.volunteer.person.user


def _scores(ev, v=8):
    return {str(c.id): v for c in ev.rubric.criteria.all()}


@pytest.fixture
def ev():
    f.pool(per_stratum=3)
    return f.drawn_evaluation(f.project(), size=4)


def test_scoring_without_check_in_is_refused(ev):
    _seat, u = _member(ev)
    with pytest.raises(NotAllowed) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="satisfied", scores=_scores(ev))
    assert "Check in first" in str(e.value.message)
    assert not Scorecard.objects.exists()


def test_scoring_twice_is_refused(ev):
    _seat, u = _member(ev)
    services.member_checkin(token=services.checkin_token(evaluation=ev), user=u)
    services.scorecard_submit(evaluation=ev, user=u, overall="satisfied", scores=_scores(ev))
    with pytest.raises(Conflict) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="dissatisfied", scores=_scores(ev), comment="差")
    assert "already handed in" in str(e.value.message)
    assert Scorecard.objects.count() == 1


def test_scoring_after_the_session_closes_is_refused(ev, frozen):
    _seat, u = _member(ev)
    services.member_checkin(token=services.checkin_token(evaluation=ev), user=u)
    frozen.move_to(ev.ends_at + timedelta(minutes=1))
    with pytest.raises(Conflict) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="satisfied", scores=_scores(ev))
    assert "closed" in str(e.value.message)


def test_member_with_a_declared_conflict_is_refused(ev):
    seat, u = _member(ev)
    services.member_checkin(token=services.checkin_token(evaluation=ev), user=u)
    services.volunteer_declare_conflicts(volunteer=seat.volunteer, actor=u, employer=ev.project.lead_unit)
    with pytest.raises(NotAllowed) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="satisfied", scores=_scores(ev))
    assert "cannot evaluate this project" in str(e.value.message)


def test_non_member_cannot_check_in_and_forged_or_expired_tokens_are_refused(ev, frozen):
    with pytest.raises(NotAllowed):
        services.member_checkin(token=services.checkin_token(evaluation=ev), user=f.user())
    _seat, u = _member(ev)
    forged = signing.dumps({"e": ev.pk, "x": 9999999999}, salt="another")
    with pytest.raises(ValidationFailed):
        services.member_checkin(token=forged, user=u)
    token = services.checkin_token(evaluation=ev)
    frozen.move_to(ev.ends_at + timedelta(seconds=1))
    with pytest.raises(Conflict) as e:
        services.member_checkin(token=token, user=u)
    assert "expired" in str(e.value.message)


def test_bad_rubric_scores_and_missing_reason_are_refused(ev):
    _seat, u = _member(ev)
    services.member_checkin(token=services.checkin_token(evaluation=ev), user=u)
    bad = _scores(ev)
    bad[next(iter(bad))] = 11
    with pytest.raises(ValidationFailed) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="satisfied", scores=bad)
    assert any(k.startswith("scores.") for k in e.value.fields)
    with pytest.raises(ValidationFailed) as e:
        services.scorecard_submit(evaluation=ev, user=u, overall="basic", scores=_scores(ev))
    assert "comment" in e.value.fields


def test_close_grades_publishes_counts_and_weighted_scores(ev):
    f.all_score(ev, ["satisfied", "satisfied", "satisfied", "basic"])
    u = _member(ev)[1]
    services.recipient_view_add(evaluation=ev, user=u, overall="dissatisfied", comment="晚上路灯不亮")
    ev = services.evaluation_close(evaluation=ev, actor=None)
    assert ev.status == EvaluationStatus.GRADED and ev.grade == "satisfied"
    assert (ev.present_count, ev.satisfied_count, ev.basic_count, ev.dissatisfied_count) == (4, 3, 1, 0)
    assert ev.recipient_counts == {"dissatisfied": 1}
    assert str(ev.satisfaction_rate) == "1.0000"  # default formula: (满意+基本满意)/valid
    assert str(ev.weighted_score) == "80.00"
    assert "晚上路灯不亮" in services.reasons_collected(ev) and "道路还有坑洼" in services.reasons_collected(ev)
    project = Project.objects.get(pk=ev.project_id)
    assert project.grade == "" and ev.published_at is None  # counted, not yet public
    assert not project.evaluations.filter(published_at__isnull=False).exists()
    ev = services.evaluation_publish(evaluation=ev, actor=None)
    assert ev.status == EvaluationStatus.PUBLISHED and ev.published_at is not None
    project = Project.objects.get(pk=ev.project_id)
    assert project.status == ProjectStatus.EVALUATED and project.grade == "satisfied"
    assert not RectificationOrder.objects.exists()
    with pytest.raises(Conflict):  # once
        services.evaluation_publish(evaluation=ev, actor=None)


def test_session_without_quorum_yields_no_grade_and_says_why(ev):
    f.all_score(ev, ["satisfied", "satisfied"])  # 2 of 4 present: not more than half
    ev = services.evaluation_close(evaluation=ev, actor=None)
    assert ev.status == EvaluationStatus.NO_GRADE and ev.grade == ""
    assert "only 2 of 4" in ev.no_grade_reason and "at least 3" in ev.no_grade_reason
    assert Project.objects.get(pk=ev.project_id).grade == ""


def test_rectification_loop_order_report_and_reevaluation_by_a_new_panel(ev, frozen):
    officer = f.staff_user("project_unit_officer", organisation=ev.project.lead_unit)
    f.pool(per_stratum=2)  # more volunteers for the new panel
    first_panel = set(ev.seats.values_list("volunteer_id", flat=True))
    f.all_score(ev, ["dissatisfied", "dissatisfied", "basic", "satisfied"], comment="施工围挡未拆除")
    ev = services.evaluation_close(evaluation=ev, actor=None)
    assert ev.grade == "dissatisfied" and not RectificationOrder.objects.exists()  # not before publication
    ev = services.evaluation_publish(evaluation=ev, actor=None)
    order = RectificationOrder.objects.get(evaluation=ev)
    assert order.lead_unit == ev.project.lead_unit and "施工围挡未拆除" in order.reasons
    assert order.deadline_at.date() > f.NOW.date()
    assert Notification.objects.filter(template="evaluation_panels.rectification", recipient=officer).exists()
    assert Project.objects.get(pk=ev.project_id).status == ProjectStatus.RECTIFYING

    with pytest.raises(Conflict):  # no re-evaluation before the report
        services.rectification_reevaluate(order=order, actor=None, place="x", starts_at=f.NOW, ends_at=f.NOW + timedelta(hours=1))
    with pytest.raises(ValidationFailed):
        services.rectification_report_submit(order=order, report="已整改", actor=officer)
    services.rectification_report_submit(order=order, report="已拆除全部施工围挡，修补路面1200平方米，恢复绿化。", actor=officer)

    start = f.NOW + timedelta(days=30)
    ev2 = services.rectification_reevaluate(order=order, actor=None, place="新坝小区", starts_at=start,
                                            ends_at=start + timedelta(hours=2), seed="re-eval")
    assert ev2.round == 2 and ev2.rectification == order and ev2.status == EvaluationStatus.CANDIDATES
    services.evaluation_run_draw(evaluation=ev2, actor=None)
    ev2.refresh_from_db()
    assert not first_panel & set(ev2.seats.values_list("volunteer_id", flat=True))  # a newly drawn panel
    frozen.move_to(start)
    f.all_score(ev2, ["satisfied", "satisfied", "satisfied", "satisfied"])
    ev2 = f.close_and_publish(ev2)
    assert ev2.grade == "satisfied"
    order.refresh_from_db()
    assert order.status == RectificationStatus.CLOSED
    assert Project.objects.get(pk=ev.project_id).status == ProjectStatus.EVALUATED


def test_rate_below_the_threshold_also_orders_rectification(ev):
    ev.satisfaction_formula = "satisfied"
    ev.save(update_fields=["satisfaction_formula"])
    f.all_score(ev, ["satisfied", "satisfied", "satisfied", "basic"], comment="排水不畅")  # 满意 75% < 80%
    ev = f.close_and_publish(ev)
    assert ev.grade == "satisfied" and str(ev.satisfaction_rate) == "0.7500"
    assert RectificationOrder.objects.filter(evaluation=ev).exists()


def test_declined_seat_cannot_check_in(ev):
    seat, u = _member(ev)
    services.seat_respond(seat=seat, user=u, accept=False)
    with pytest.raises(NotAllowed):
        services.member_checkin(token=services.checkin_token(evaluation=ev), user=u)
    assert PanelSeat.objects.filter(replaces=seat).exists()
