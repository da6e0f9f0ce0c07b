"""整改 as a case in the shared workflow: routed to the lead unit, report due in working days,
reminded and escalated when late, then re-evaluated by a new panel and closed; visible on the
workbench inbox of the lead unit and on the project's public page."""

from datetime import timedelta

import pytest
from django.urls import reverse

from minsheng.cases.models import Case, CaseEvent
from minsheng.cases.selectors import inbox_for
from minsheng.cases.services import case_act, sla_check
from minsheng.core.calendar import add_working_days
from minsheng.core.errors import Conflict, NotAllowed
from minsheng.notifications.models import Notification

from .. import processes, services
from ..models import RectificationOrder, RectificationStatus
from . import factories as f

pytestmark = [pytest.mark.django_db]
REPORT = "已拆除全部施工围挡，修补路面1200平方米，恢复绿化，并建立巡查制度。"


@pytest.fixture
def failed(frozen):
    """A project graded dissatisfied, with its rectification order; officers of the lead unit and of another unit."""
    f.pool(per_stratum=3)
    ev = f.drawn_evaluation(f.project(), size=4)
    lead = ev.project.lead_unit
    officer = f.staff_user("project_unit_officer", organisation=lead, name="住建局联络员")
    head = f.staff_user("department_head", organisation=lead, name="住建局局长")
    other = f.staff_user("project_unit_officer", organisation=f.org("市教育局"), name="教育局联络员")
    organiser = f.staff_user("panel_organiser", name="评议组织者")
    f.all_score(ev, ["dissatisfied", "dissatisfied", "basic", "satisfied"], comment="施工围挡未拆除")
    ev = f.close_and_publish(ev, actor=organiser)
    order = RectificationOrder.objects.select_related("case").get(evaluation=ev)
    return {"ev": ev, "order": order, "officer": officer, "head": head, "other": other, "organiser": organiser}


def test_order_opens_a_case_routed_to_the_lead_unit_with_the_report_due_in_working_days(failed):
    order, ev = failed["order"], failed["ev"]
    case = order.case
    assert case.process_key == processes.PROCESS_KEY and case.reference.startswith("ZG-2026-")
    assert case.state == processes.REPORT_DUE and case.organisation == ev.project.lead_unit
    assert case.region == ev.project.region and case.payload["evaluation"] == ev.pk
    expected = add_working_days(f.NOW, processes.RECTIFICATION_WORKING_DAYS)
    assert case.due_at == expected.at == order.deadline_at
    assert CaseEvent.objects.filter(case=case, action="opened", actor=failed["organiser"]).exists()


def test_lead_unit_sees_the_case_in_its_inbox_and_another_unit_does_not(failed, client):
    case = failed["order"].case
    assert case in inbox_for(user=failed["officer"]).cases
    assert case not in inbox_for(user=failed["other"]).cases
    client.force_login(failed["officer"])
    r = client.get(reverse("workbench:inbox"))
    assert r.status_code == 200 and case.reference in r.content.decode()


def test_another_units_officer_cannot_report_and_nothing_changes(failed):
    order = failed["order"]
    with pytest.raises(NotAllowed):
        services.rectification_report_submit(order=order, report=REPORT, actor=failed["other"])
    order.refresh_from_db()
    order.case.refresh_from_db()
    assert order.status == RectificationStatus.OPEN and order.report == ""
    assert order.case.state == processes.REPORT_DUE


def test_report_from_the_workbench_case_act_is_taken_over_by_the_order(failed, frozen):
    order = failed["order"]
    frozen.move_to(f.NOW + timedelta(days=3))
    case_act(case=order.case, action="submit_report", actor=failed["officer"], comment=REPORT)
    order = services.rectification_sync(order=order)
    assert order.status == RectificationStatus.REPORTED and order.report == REPORT
    assert order.reported_by == failed["officer"]
    with pytest.raises(Conflict):  # the app's form refuses a second report
        services.rectification_report_submit(order=order, report=REPORT, actor=failed["officer"])


def test_late_report_reminds_the_officers_and_escalates_to_the_department_head(failed, frozen):
    case = failed["order"].case
    frozen.move_to(case.due_at + timedelta(minutes=1))
    report = sla_check()
    assert case.reference in report.reminded and case.reference in report.escalated
    case.refresh_from_db()
    assert case.escalated_to_role == "department_head" and case.reminded_at is not None
    assert Notification.objects.filter(template="cases.escalated", recipient=failed["head"]).exists()
    assert Notification.objects.filter(template="cases.overdue", recipient=failed["officer"]).exists()
    assert case in inbox_for(user=failed["head"]).cases
    assert sla_check().escalated == []  # once


def test_full_loop_report_reevaluation_by_new_panel_and_case_closed(failed, frozen):
    order, organiser = failed["order"], failed["organiser"]
    f.pool(per_stratum=2)
    services.rectification_report_submit(order=order, report=REPORT, actor=failed["officer"])
    order.case.refresh_from_db()
    assert order.case.state == processes.REPORTED
    start = f.NOW + timedelta(days=30)
    ev2 = services.rectification_reevaluate(order=order, actor=organiser, place="新坝小区", starts_at=start,
                                            ends_at=start + timedelta(hours=2), seed="re")
    case = Case.objects.get(pk=order.case_id)
    assert case.state == processes.REEVALUATING
    step = CaseEvent.objects.get(case=case, action="schedule_reevaluation")
    assert step.data["by"] == organiser.pk and step.data["evaluation"] == ev2.pk
    services.evaluation_run_draw(evaluation=ev2, actor=organiser)
    ev2.refresh_from_db()
    frozen.move_to(start)
    f.all_score(ev2, ["satisfied"] * 4)
    f.close_and_publish(ev2, actor=organiser)
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.state == processes.CLOSED and case.closed_at is not None
    assert order.status == RectificationStatus.CLOSED


def test_public_project_page_shows_the_rectification_status(failed, client):
    order = failed["order"]
    url = reverse("evaluation_panels:project", args=[order.project_id])
    html = client.get(url).content.decode()
    assert order.case.reference in html and "must submit a written rectification report" in html
    assert "施工围挡未拆除" in html
    services.rectification_report_submit(order=order, report=REPORT, actor=failed["officer"])
    html = client.get(url).content.decode()
    assert "Rectification report submitted; a newly drawn citizens" in html and REPORT in html
    assert "on time" in html
