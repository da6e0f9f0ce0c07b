"""Set-up services: the cycle and its declared phases, candidates, project and milestone edits,
the volunteer pool, rescheduling, and the review of rectification reports (send back, evidence)."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.notifications.models import Notification

from .. import selectors, services
from ..models import (
    CandidateProject,
    Cycle,
    CycleStatus,
    Milestone,
    RectificationOrder,
    RectificationStatus,
)
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]



def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _messages(exc) -> str:
    return " ".join([str(exc.value.message), *(m for ms in exc.value.fields.values() for m in ms)])


def test_a_cycle_is_opened_with_its_phase_dates_and_audited():
    actor = f.staff_user("panel_organiser")
    c = services.cycle_create(year=2027, title="2027年民生实事项目", places=8, actor=actor,
                              ideas_open_until=date(2027, 2, 28), vote_on=date(2027, 3, 15),
                              evaluations_from=date(2027, 10, 1), evaluations_until=date(2027, 11, 30))
    assert (c.status, c.places, c.vote_on) == (CycleStatus.SOLICITING, 8, date(2027, 3, 15))
    assert AuditEvent.objects.filter(event_type="evaluation_panels.cycle_create", actor=actor).exists()


def test_a_second_cycle_for_the_year_and_dates_out_of_order_are_refused():
    f.cycle(2027)
    with pytest.raises(ValidationFailed) as e:
        services.cycle_create(year=2027, title="重复", actor=None)
    assert "already a cycle for 2027" in _messages(e)
    with pytest.raises(ValidationFailed) as e:
        services.cycle_create(year=2028, title="2028", places=0, actor=None, ideas_open_until=date(2028, 3, 1),
                              vote_on=date(2028, 2, 1))
    assert "at least one project" in _messages(e) and "The phases run in order" in _messages(e)
    assert e.value.fields.keys() == {"places", "vote_on"}
    assert not Cycle.objects.filter(year=2028).exists()


def test_the_cycle_moves_only_along_its_declared_transitions():
    c = f.cycle(2027)
    services.cycle_transition(cycle=c, action="screen", actor=None)
    assert Cycle.objects.get(pk=c.pk).status == CycleStatus.SCREENING
    with pytest.raises(Conflict) as e:
        services.cycle_transition(cycle=c, action="close", actor=None)
    assert "cannot move to" in str(e.value.message)
    services.cycle_transition(cycle=c, action="reopen_ideas", actor=None)
    assert Cycle.objects.get(pk=c.pk).status == CycleStatus.SOLICITING
    assert AuditEvent.objects.filter(event_type="evaluation_panels.cycle_transition").count() == 2


def test_the_delegate_vote_moves_the_cycle_and_then_its_places_and_candidates_are_fixed():
    c = f.cycle(2027, places=1)
    a = services.candidate_save(cycle=c, title="学校食堂改造", budget="300", actor=None)
    b = services.candidate_save(cycle=c, title="社区食堂", budget="120.5", actor=None)
    assert (a.order, b.order, b.budget_yuan) == (1, 2, 1205000)
    services.vote_open(cycle=c, candidates=[a, b], delegates=[f.user("代表")], actor=None)
    c.refresh_from_db()
    assert c.status == CycleStatus.VOTING
    with pytest.raises(ValidationFailed) as e:
        services.cycle_update(cycle=c, title=c.title, places=2, actor=None)
    assert "can no longer change" in _messages(e)
    with pytest.raises(Conflict):
        services.candidate_save(cycle=c, candidate=a, title="改名", actor=None)
    assert CandidateProject.objects.get(pk=a.pk).title == "学校食堂改造"


def test_a_closed_cycle_is_a_record():
    c = f.cycle(2025, status=CycleStatus.CLOSED)
    with pytest.raises(Conflict):
        services.cycle_update(cycle=c, title="改", places=3, actor=None)


def test_project_edit_and_a_published_result_keeps_its_lead_unit():
    f.pool(per_stratum=3)
    ev = f.drawn_evaluation(f.project(), size=4)
    project, other_unit = ev.project, f.org("市教育局")
    p = services.project_update(project=project, title="老旧小区改造（二期）", category=project.category,
                                lead_unit=project.lead_unit, region=project.region, budget="1500", actor=None)
    p.refresh_from_db()
    assert (p.title, str(p.budget)) == ("老旧小区改造（二期）", "1500.00")
    f.all_score(ev, ["satisfied"] * 4)
    f.close_and_publish(ev, actor=None)
    with pytest.raises(ValidationFailed) as e:
        services.project_update(project=project, title=p.title, category=p.category, lead_unit=other_unit,
                                region=p.region, budget="1500", actor=None)
    assert "lead unit can no longer change" in _messages(e)
    with pytest.raises(ValidationFailed):
        services.project_update(project=project, title=p.title, category=p.category, lead_unit=p.lead_unit,
                                region=p.region, budget="-1", actor=None)


def test_milestones_are_edited_and_removed_until_done():
    project = f.project(milestones=[("开工", date(2026, 6, 1)), ("完工", date(2026, 12, 1))])
    start, finish = project.milestones.order_by("due_on")
    services.milestone_update(milestone=start, title="正式开工", due_on=date(2026, 6, 15), actor=None)
    assert Milestone.objects.get(pk=start.pk).title == "正式开工"
    services.milestone_complete(milestone=start, done_on=date(2026, 5, 12), actor=None)
    with pytest.raises(Conflict):
        services.milestone_update(milestone=start, title="x", due_on=date(2026, 7, 1), actor=None)
    with pytest.raises(Conflict):
        services.milestone_remove(milestone=start, actor=None)
    services.milestone_remove(milestone=finish, actor=None)
    assert list(project.milestones.values_list("title", flat=True)) == ["正式开工"]


def test_a_volunteer_taken_out_of_the_pool_is_not_drawn():
    pool = f.pool(per_stratum=1)
    with pytest.raises(ValidationFailed) as e:
        services.volunteer_set_active(volunteer=pool[0], active=False, reason=" ", actor=None)
    assert "Give the reason" in _messages(e)
    services.volunteer_set_active(volunteer=pool[0], active=False, reason="已迁出本市", actor=None)
    with pytest.raises(Conflict):
        services.volunteer_set_active(volunteer=pool[0], active=False, reason="再次", actor=None)
    strata, _excluded = services.eligible_volunteers(project=f.project(), today=f.NOW.date())
    assert pool[0].number not in {n for ids in strata.values() for n in ids}
    assert AuditEvent.objects.filter(event_type="evaluation_panels.volunteer_active").count() == 1


def test_a_session_moves_until_its_panel_is_drawn():
    f.pool(per_stratum=3)
    ev = f.evaluation(f.project(), size=4)
    later = f.NOW + timedelta(days=7)
    with pytest.raises(ValidationFailed):
        services.evaluation_reschedule(evaluation=ev, place="新坝小区", starts_at=later, ends_at=later, actor=None)
    ev = services.evaluation_reschedule(evaluation=ev, place="新坝小区东门", starts_at=later,
                                        ends_at=later + timedelta(hours=2), actor=None)
    assert (ev.place, ev.starts_at) == ("新坝小区东门", later)
    services.evaluation_publish_candidates(evaluation=ev, actor=None, seed="s")
    services.evaluation_run_draw(evaluation=ev, actor=None)
    with pytest.raises(Conflict) as e:
        services.evaluation_reschedule(evaluation=ev, place="x", starts_at=later, ends_at=later + timedelta(hours=1),
                                       actor=None)
    assert "can no longer be moved" in str(e.value.message)


@pytest.fixture
def order():
    f.pool(per_stratum=3)
    ev = f.drawn_evaluation(f.project(), size=4)
    officer = f.staff_user("project_unit_officer", organisation=ev.project.lead_unit)
    f.all_score(ev, ["dissatisfied", "dissatisfied", "basic", "satisfied"], comment="施工围挡未拆除")
    f.close_and_publish(ev, actor=None)
    return RectificationOrder.objects.get(evaluation=ev), officer


def test_a_report_with_evidence_is_sent_back_and_answered_again(order):
    order, officer = order
    organiser = f.staff_user("panel_organiser")
    with pytest.raises(Conflict):  # nothing to send back yet
        services.rectification_return(order=order, reason="缺少验收材料", actor=organiser)
    services.rectification_report_submit(
        order=order, report="已拆除全部施工围挡，修补路面1200平方米。", actor=officer,
        evidence=[SimpleUploadedFile("验收单.pdf", pdf_bytes(), content_type="application/pdf")])
    assert [a.original_name for a in selectors.rectification_evidence(order=order)] == ["验收单.pdf"]
    with pytest.raises(ValidationFailed):
        services.rectification_return(order=order, reason="少", actor=organiser)
    order = services.rectification_return(order=order, reason="缺少绿化恢复的照片", actor=organiser)
    assert (order.status, order.returned_reason) == (RectificationStatus.OPEN, "缺少绿化恢复的照片")
    order.case.refresh_from_db()
    assert order.case.state == "report_due"
    assert Notification.objects.filter(template="evaluation_panels.rectification_returned", recipient=officer).exists()
    assert AuditEvent.objects.filter(event_type="evaluation_panels.rectification_return", actor=organiser).exists()
    services.rectification_report_submit(order=order, report="已补种绿化并附照片，小区道路全部修复完毕，居民已验收。", actor=officer)
    order.refresh_from_db()
    assert order.status == RectificationStatus.REPORTED and order.case.state == "reported"


def test_evidence_of_the_wrong_kind_is_refused_and_nothing_is_reported(order):
    order, officer = order
    with pytest.raises(ValidationFailed) as e:
        services.rectification_report_submit(
            order=order, report="已拆除全部施工围挡，修补路面1200平方米。", actor=officer,
            evidence=[SimpleUploadedFile("x.exe", b"MZ\x90\x00binary", content_type="application/octet-stream")])
    assert "evidence" in e.value.fields
    order.refresh_from_db()
    assert order.status == RectificationStatus.OPEN
