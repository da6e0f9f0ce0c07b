"""The example two-department approval, end to end through the services."""

from datetime import date, datetime

import pytest
import time_machine
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.cases.models import Case, CaseEvent, CaseTask, TaskState
from minsheng.cases.services import case_act, case_open, sla_check, task_claim, task_complete
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed
from minsheng.notifications.models import Notification

KEY = "example_two_department_approval"


def at(*args):
    return timezone.make_aware(datetime(*args))


def open_case(world, when=None):
    when = when or at(2026, 9, 30, 10, 0)
    with time_machine.travel(when, tick=False):
        return case_open(
            process_key=KEY,
            applicant=world.citizen,
            region=world.district,
            payload={"name": "海州区星河科技有限公司"},
            actor=world.citizen,
        )


def accepted_case(world, when=None):
    when = when or at(2026, 10, 8, 9, 0)
    case = open_case(world)
    with time_machine.travel(when, tick=False):
        return case_act(case=case, action="accept", actor=world.officer, expected_version=1)


def finish_tasks(case, world, when=None):
    when = when or at(2026, 10, 12, 10, 0)
    with time_machine.travel(when, tick=False):
        for task in case.tasks.order_by("id"):
            actor = world.market_officer if task.department_code == "market_regulation" else world.tax_officer
            task_claim(task=task, actor=actor)
            task_complete(task=task, actor=actor, outcome="done", comment="ok")


def test_opening_routes_to_the_bureau_numbers_the_case_and_sets_a_deadline_across_national_day(world):
    case = open_case(world)
    case.refresh_from_db()
    assert case.reference == "MS-2026-000001"
    assert case.state == "submitted"
    assert case.organisation == world.bureau
    # 2 working days from Wed 30 Sept: 1–7 Oct are National Day → Thu 8, Fri 9 Oct.
    assert case.due_at == at(2026, 10, 9, 23, 59, 59)
    assert case.due_provisional is False
    assert CaseEvent.objects.filter(case=case, action="opened").count() == 1
    assert AuditEvent.objects.filter(event_type="cases.open", target_id=str(case.pk)).exists()
    assert Notification.objects.filter(recipient=world.citizen, template="cases.opened").exists()
    assert open_case(world).reference == "MS-2026-000002"


def test_accepting_opens_parallel_tasks_routed_to_the_nearest_office_due_on_the_adjusted_saturday(world):
    case = accepted_case(world)
    case.refresh_from_db()
    assert case.state == "in_departments"
    assert case.version == 2
    tasks = {t.department_code: t for t in case.tasks.all()}
    assert tasks["market_regulation"].organisation == world.market  # district office, not city
    assert tasks["tax"].organisation == world.tax
    # Accepted Thu 8 Oct 09:00: Fri 9 and Sat 10 Oct (adjusted working day).
    assert tasks["tax"].due_at == at(2026, 10, 10, 23, 59, 59)
    event = CaseEvent.objects.get(case=case, action="accept")
    assert (event.from_state, event.to_state, event.actor) == ("submitted", "in_departments", world.officer)
    assert AuditEvent.objects.filter(event_type="cases.transition", target_id=str(case.pk)).count() == 1
    assert Notification.objects.filter(recipient=world.citizen, template="cases.transition").count() == 1


def test_case_waits_for_every_department_then_moves_on_and_is_approved(world):
    case = accepted_case(world)
    market = case.tasks.get(department_code="market_regulation")
    with time_machine.travel(at(2026, 10, 9, 10, 0), tick=False):
        task_claim(task=market, actor=world.market_officer)
        task_complete(task=market, actor=world.market_officer, outcome="done", data={"licence": "L1"})
    case.refresh_from_db()
    assert case.state == "in_departments"  # tax is still open
    tax = case.tasks.get(department_code="tax")
    with time_machine.travel(at(2026, 10, 9, 11, 0), tick=False):
        task_complete(task=tax, actor=world.tax_officer, outcome="done")
    case.refresh_from_db()
    assert case.state == "deciding"
    assert CaseEvent.objects.filter(case=case, action="tasks_done", actor=None).count() == 1
    with time_machine.travel(at(2026, 10, 9, 15, 0), tick=False):
        case_act(case=case, action="approve", actor=world.head, expected_version=case.version)
    case.refresh_from_db()
    assert case.state == "approved"
    assert case.closed_at == at(2026, 10, 9, 15, 0)
    assert case.due_at is None
    assert market.__class__.objects.get(pk=market.pk).result == {"licence": "L1"}


def test_a_refused_department_task_rejects_the_case_and_cancels_the_others(world):
    case = accepted_case(world)
    market = case.tasks.get(department_code="market_regulation")
    with pytest.raises(ValidationFailed) as exc:
        task_complete(task=market, actor=world.market_officer, outcome="rejected")
    assert "comment" in exc.value.fields
    task_complete(task=market, actor=world.market_officer, outcome="rejected", comment="名称重复")
    case.refresh_from_db()
    assert case.state == "rejected"
    assert case.tasks.get(department_code="tax").state == TaskState.CANCELLED


def test_an_action_the_state_does_not_allow_is_refused_and_changes_nothing(world):
    case = open_case(world)
    before = (CaseEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(Conflict) as exc:
        case_act(case=case, action="approve", actor=world.officer)
    assert exc.value.code == ErrorCode.STATE_CHANGED
    case.refresh_from_db()
    assert (case.state, case.version) == ("submitted", 1)
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == before


def test_staff_outside_the_organisation_or_region_may_not_act(world):
    case = open_case(world)
    for actor in (world.other_officer, world.market_officer, world.stranger):
        with pytest.raises(NotAllowed):
            case_act(case=case, action="accept", actor=actor)
    with pytest.raises(NotAllowed):
        case_act(case=case, action="withdraw", actor=world.stranger)
    case.refresh_from_db()
    assert case.state == "submitted"
    assert not CaseTask.objects.exists()


def test_a_stale_version_is_a_conflict(world):
    case = open_case(world)
    case_act(case=case, action="accept", actor=world.officer, expected_version=1)
    with pytest.raises(Conflict):
        case_act(case=case, action="reject", actor=world.head, comment="x", expected_version=1)


def test_only_one_clerk_claims_a_task(world):
    case = accepted_case(world)
    market = case.tasks.get(department_code="market_regulation")
    task_claim(task=market, actor=world.market_officer)
    with pytest.raises(Conflict):
        task_claim(task=market, actor=world.market_head)
    market.refresh_from_db()
    assert market.assignee == world.market_officer


def test_the_applicant_may_withdraw_and_a_reason_is_required_to_reject(world):
    case = open_case(world)
    with pytest.raises(ValidationFailed):
        case_act(case=case, action="reject", actor=world.officer, comment=" ")
    case_act(case=case, action="withdraw", actor=world.citizen)
    case.refresh_from_db()
    assert case.state == "withdrawn"


def test_a_missing_department_office_refuses_the_action_and_leaves_nothing_half_done(world):
    world.tax.is_active = False
    world.tax.save(update_fields=["is_active"])
    case = open_case(world)
    with pytest.raises(ValidationFailed):
        case_act(case=case, action="accept", actor=world.officer)
    case.refresh_from_db()
    assert (case.state, case.version, case.task_round) == ("submitted", 1, 0)
    assert not CaseTask.objects.exists()


def test_breached_tasks_are_reminded_and_escalated_once(world):
    case = accepted_case(world)
    market = case.tasks.get(department_code="market_regulation")
    task_claim(task=market, actor=world.market_officer)
    report = sla_check(now=at(2026, 10, 10, 20, 0))
    assert report.escalated == []  # due at the end of Saturday 10 Oct (adjusted working day)
    report = sla_check(now=at(2026, 10, 12, 9, 0))
    assert len(report.reminded) == 2 and len(report.escalated) == 2
    market.refresh_from_db()
    assert market.escalated_to_role == "department_head"
    assert Notification.objects.filter(recipient=world.market_officer, template="cases.task_overdue").count() == 1
    assert Notification.objects.filter(recipient=world.market_head, template="cases.task_escalated").count() == 1
    events = CaseEvent.objects.count()
    again = sla_check(now=at(2026, 10, 12, 9, 5))
    assert again.reminded == again.escalated == again.deemed == []
    assert CaseEvent.objects.count() == events


def test_a_case_overdue_at_the_bureau_is_escalated_to_the_department_head(world):
    case = open_case(world)
    report = sla_check(now=at(2026, 10, 12, 9, 0))
    assert report.escalated == [case.reference]
    case.refresh_from_db()
    assert case.escalated_to_role == "department_head"
    assert Notification.objects.filter(recipient=world.head, template="cases.escalated").exists()
    assert Notification.objects.filter(recipient=world.officer, template="cases.overdue").exists()


def test_no_decision_within_two_working_days_is_deemed_approval(world):
    case = accepted_case(world)
    finish_tasks(case, world)  # Mon 12 Oct → deciding, due end of Wed 14 Oct
    case.refresh_from_db()
    assert case.state == "deciding"
    assert case.due_at.date() == date(2026, 10, 14)
    assert sla_check(now=at(2026, 10, 14, 17, 0)).deemed == []
    report = sla_check(now=at(2026, 10, 15, 8, 0))
    assert report.deemed == [case.reference]
    case.refresh_from_db()
    assert case.state == "approved"
    event = CaseEvent.objects.get(case=case, action="deemed")
    assert event.actor is None and event.from_state == "deciding"
    assert sla_check(now=at(2026, 10, 15, 9, 0)).deemed == []


def test_a_deadline_in_a_year_without_holidays_is_provisional(world):
    case = open_case(world, when=at(2026, 12, 31, 10, 0))
    case.refresh_from_db()
    assert case.due_provisional is True
    assert case.due_at.date() == date(2027, 1, 4)


def test_state_cannot_be_assigned_directly(world):
    case = Case.objects.get(pk=open_case(world).pk)
    with pytest.raises(AttributeError):
        case.state = "approved"
