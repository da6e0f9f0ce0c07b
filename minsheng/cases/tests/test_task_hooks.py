"""TaskSpec.on_complete (program logic run by every completion path) and TaskSpec.chosen_kind
(a task routed to the organisation the applicant picked, e.g. their bank)."""

import pytest
from django.utils.translation import gettext_lazy as _

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.cases.models import Case, CaseEvent, CaseTask, TaskState
from minsheng.cases.process import Action, Join, Process, Sla, State, TaskSpec, register_process
from minsheng.cases.services import case_act, case_open, sla_check, task_complete
from minsheng.core.errors import ValidationFailed

from .conftest import make_staff

KEY = "test_task_hooks"
CALLS = []


def licence_hook(*, case, task, actor, outcome, data, comment, now):
    """Refuses a completion without a licence number; otherwise stamps the result."""
    CALLS.append({"task": task.pk, "case_state": case.state, "task_state": task.state, "actor": actor})
    if outcome == TaskState.DONE and not data.get("licence_no"):
        raise ValidationFailed(fields={"licence_no": ["Enter the licence number."]})
    return {**data, "stamped_at": now.isoformat()}


def bank_hook(*, case, task, actor, outcome, data, comment, now):
    CALLS.append({"task": task.pk, "case_state": case.state, "task_state": task.state, "actor": actor})
    return None  # keep the submitted data as the result


register_process(
    Process(
        key=KEY,
        title="hooks",
        states=[State("new", "new"), State("working", "working"), State("done", "done", terminal=True),
                State("refused", "refused", terminal=True)],
        initial="new",
        actions=[
            Action(
                "start", "start", source=["new"], target="working", roles=["case_officer"],
                tasks=[
                    TaskSpec("market_regulation", _("Licence"), on_complete=licence_hook),
                    TaskSpec(
                        "bank", _("Bank account"), chosen_kind="bank",
                        sla=Sla(working_hours=1, on_breach=[], deem="done"),
                        on_complete="minsheng.cases.tests.test_task_hooks.bank_hook",
                    ),
                ],
            ),
        ],
        parallel_tasks={"working": Join(done="done", rejected="refused")},
    ),
    replace=True,
)


@pytest.fixture
def bank(world):
    org = Organisation.objects.create(name="中国银行海州支行", kind="bank", region=world.district)
    return org, make_staff("teller", "case_officer", org, world.district)


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def started(world, bank_org):
    case = case_open(process_key=KEY, applicant=world.citizen, region=world.district, organisation=world.bureau)
    return case_act(case=case, action="start", actor=world.officer, task_organisations={"bank": bank_org})


def test_a_chosen_task_goes_to_the_picked_bank_not_by_region(world, bank):
    org, _teller = bank
    case = started(world, org)
    task = CaseTask.objects.get(case=case, department_code="bank")
    assert task.organisation == org and task.due_at is not None and task.sla["deem"] == "done"
    assert CaseTask.objects.get(case=case, department_code="market_regulation").organisation == world.market


def test_a_chosen_task_without_a_usable_organisation_refuses_the_action_and_writes_nothing(world, bank):
    org, _teller = bank
    case = case_open(process_key=KEY, applicant=world.citizen, region=world.district, organisation=world.bureau)
    with pytest.raises(ValidationFailed):
        case_act(case=case, action="start", actor=world.officer)
    org.is_active = False
    org.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        case_act(case=case, action="start", actor=world.officer, task_organisations={"bank": org})
    with pytest.raises(ValueError):  # a programming error: the department is not of that kind
        case_act(case=case, action="start", actor=world.officer, task_organisations={"bank": world.tax})
    case.refresh_from_db()
    assert case.state == "new" and case.version == 1 and not CaseTask.objects.filter(case=case).exists()


def test_the_hook_refuses_a_completion_and_nothing_is_written(world, bank):
    org, _teller = bank
    case = started(world, org)
    market = CaseTask.objects.get(case=case, department_code="market_regulation")
    events, audits = CaseEvent.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        task_complete(task=market, actor=world.market_officer, outcome="done")  # the generic "mark as done"
    assert "licence_no" in exc.value.fields
    market.refresh_from_db()
    assert market.state == TaskState.OPEN and market.result == {} and market.assignee is None
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)


def test_the_hook_runs_on_completion_sees_the_joined_case_and_gives_the_result(world, bank):
    org, teller = bank
    case = started(world, org)
    bank_task = CaseTask.objects.get(case=case, department_code="bank")
    task_complete(task=bank_task, actor=teller, outcome="done", data={"appointment": "周一 10:00"})
    market = CaseTask.objects.get(case=case, department_code="market_regulation")
    task_complete(task=market, actor=world.market_officer, outcome="done", data={"licence_no": "L-9"})
    assert [c["task"] for c in CALLS] == [bank_task.pk, market.pk]
    assert CALLS[1]["case_state"] == "done" and CALLS[1]["task_state"] == TaskState.DONE  # after the join
    assert CALLS[1]["actor"] == world.market_officer
    market.refresh_from_db()
    assert market.result["licence_no"] == "L-9" and "stamped_at" in market.result
    assert CaseEvent.objects.get(task=market, action="task_done").data == market.result
    audit = AuditEvent.objects.filter(event_type="cases.task_complete").order_by("-id").first()
    assert audit.new_values["result"] == market.result
    assert CaseTask.objects.get(pk=bank_task.pk).result == {"appointment": "周一 10:00"}
    assert Case.objects.get(pk=case.pk).state == "done"


def test_the_hook_also_runs_for_a_refusal_and_a_deemed_finish(world, bank):
    org, _teller = bank
    case = started(world, org)
    bank_task = CaseTask.objects.get(case=case, department_code="bank")
    report = sla_check(now=bank_task.due_at.replace(year=bank_task.due_at.year + 1))
    assert report.deemed == [f"{case.reference}/{bank_task.pk}"]
    assert CALLS[-1] == {"task": bank_task.pk, "case_state": "working", "task_state": "done", "actor": None}
    market = CaseTask.objects.get(case=case, department_code="market_regulation")
    task_complete(task=market, actor=world.market_officer, outcome="rejected", comment="名称重复")
    assert CALLS[-1]["case_state"] == "refused" and CALLS[-1]["task_state"] == TaskState.REJECTED


def test_a_deemed_finish_the_hook_refuses_leaves_the_task_open(world, bank, monkeypatch):
    org, _teller = bank
    case = started(world, org)
    bank_task = CaseTask.objects.get(case=case, department_code="bank")

    def refuse(**kwargs):
        raise ValidationFailed("not yet")

    monkeypatch.setattr("minsheng.cases.tests.test_task_hooks.bank_hook", refuse)
    report = sla_check(now=bank_task.due_at.replace(year=bank_task.due_at.year + 1))
    assert report.deemed == []
    bank_task.refresh_from_db()
    assert bank_task.state == TaskState.OPEN


def test_an_invalid_hook_is_refused_at_registration():
    with pytest.raises(ValueError, match="on_complete"):
        Process(
            key="bad_hook", title="x", states=[State("a", "a"), State("b", "b")], initial="a",
            actions=[Action("go", "go", source=["a"], target="b", roles=["case_officer"],
                            tasks=[TaskSpec("tax", "t", on_complete=42)])],
            parallel_tasks={"b": Join(done="a")},
        )
