"""The case engine's actions: open, act, claim, complete.

Every write locks the case row (and then the task row, always in that order),
checks the optimistic ``version`` when the caller sends one, writes one
CaseEvent and one audit entry, and notifies the applicant after commit.
A refusal raises a minsheng.core.errors exception before anything is written.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import (
    Conflict,
    ErrorCode,
    NotAllowed,
    ValidationFailed,
)

from ..models import OPEN_TASK_STATES, Case, CaseTask, TaskState
from ..process import APPLICANT, Process, get_process
from ..routing import organisation_route, user_may
from ..selectors import is_applicant_side
from .steps import (
    TASK_FIELDS,
    _check_version,
    _event,
    _lock_case,
    _next_reference,
    _notify,
    _open_tasks,
    _transition,
    _zh,
    clean_text,
    sla_deadline,
)

# --- the public services ---------------------------------------------------------------


def case_open(
    *,
    process_key: str,
    applicant,
    region,
    payload: dict | None = None,
    actor=None,
    subject=None,
    organisation=None,
) -> Case:
    """Submit a new case of ``process_key``; it starts in the process's initial state."""
    process = get_process(process_key)
    payload = clean_text(payload or {})
    now = timezone.now()
    actor = actor or applicant
    with transaction.atomic():
        if organisation is None and process.responsible_department:
            organisation = organisation_route(
                department_code=process.responsible_department, region=region
            )
        case = Case(
            process_key=process.key,
            reference=_next_reference(process.reference_prefix, timezone.localdate(now).year),
            applicant=applicant,
            subject=subject,
            region=region,
            organisation=organisation,
            payload=payload or {},
            submitted_at=now,
            state=process.initial,
        )
        # _enter_state moves the protected state; the constructor set the same state
        case.state_entered_at = now
        sla = process.sla.get(process.initial)
        if sla is not None:
            deadline = sla_deadline(sla=sla, start=now, organisation=organisation)
            case.due_at, case.due_provisional = deadline.at, deadline.provisional
        case.save()
        _event(case, actor=actor, action="opened", to_state=process.initial, now=now)
        audit_record(
            event_type="cases.open",
            actor=actor,
            target=case,
            new={"process": process.key, "state": process.initial},
        )
        _notify(
            recipient=applicant,
            template="cases.opened",
            context={"reference": case.reference, "process": _zh(process.title)},
            dedupe_key=f"cases.case.{case.pk}.opened",
        )
    return case


def case_allowed_actions(*, case: Case, user, assignments=None) -> list:
    """The actions ``user`` may take on ``case`` in its current state."""
    process = get_process(case.process_key)
    allowed = []
    for action in process.actions_from(case.state):
        if APPLICANT in action.roles and is_applicant_side(user=user, case=case):
            allowed.append(action)
        elif user_may(
            user,
            action.roles,
            region=case.region,
            organisation=case.organisation,
            assignments=assignments,
        ):
            allowed.append(action)
    return allowed


def case_act(
    *,
    case: Case,
    action: str,
    actor,
    comment: str = "",
    data: dict | None = None,
    expected_version: int | None = None,
    attachments: list | None = None,
    task_organisations: dict | None = None,
) -> Case:
    """Take a declared ``action`` on ``case``. Refusals change nothing.

    ``task_organisations`` maps the department_code of each task declared with
    ``TaskSpec(chosen_kind=…)`` to the Organisation the caller picked for it.
    """
    process = get_process(case.process_key)
    comment, data = clean_text(comment or ""), clean_text(data)
    act = process.action(action)
    if act is None:
        raise ValidationFailed.for_field(
            "action", _("This action does not exist for this kind of case. Reload the page.")
        )
    now = timezone.now()
    with transaction.atomic():
        locked = _lock_case(case.pk)
        _check_version(
            locked,
            expected_version,
            _(
                "Someone else already acted on this case. Reload the page to see its "
                "current state before you continue."
            ),
        )
        if locked.state not in act.source:
            raise Conflict(
                _(
                    "This case is now “%(state)s”, where “%(action)s” is not possible. "
                    "Reload the page to see what can be done."
                )
                % {"state": process.state(locked.state).title, "action": act.title},
                code=ErrorCode.STATE_CHANGED,
            )
        if act not in case_allowed_actions(case=locked, user=actor):
            raise NotAllowed(
                _(
                    "You may not “%(action)s” this case: it needs a role you do not hold for "
                    "this organisation and region. Ask your department head if you should."
                )
                % {"action": act.title}
            )
        if act.comment_required and not (comment or "").strip():
            raise ValidationFailed.for_field(
                "comment", _("Please write a reason; the applicant will read it.")
            )
        _transition(
            locked,
            process,
            act.target,
            actor=actor,
            action=act.code,
            now=now,
            comment=comment,
            data=data,
            attachments=attachments,
            notify=act.notify,
        )
        if act.tasks:
            _open_tasks(locked, process, act.tasks, now, chosen=task_organisations)
        elif task_organisations:
            raise ValueError(f"action {act.code!r} opens no tasks; task_organisations is not used")
    return locked


def _lock_task(task_id: int) -> tuple[Case, CaseTask]:
    case_id = CaseTask.objects.values_list("case_id", flat=True).get(pk=task_id)
    case = _lock_case(case_id)
    task = (
        CaseTask.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=task_id)
    )
    task.case = case
    return case, task


def task_claim(*, task: CaseTask, actor, expected_version: int | None = None) -> CaseTask:
    """Take an open task: it becomes the actor's to finish."""
    now = timezone.now()
    with transaction.atomic():
        case, locked = _lock_task(task.pk)
        _check_version(
            locked,
            expected_version,
            _("Someone else already changed this task. Reload the page to see who handles it."),
        )
        if not user_may(actor, locked.roles, region=case.region, organisation=locked.organisation):
            raise NotAllowed(
                _(
                    "This task belongs to %(organisation)s; you do not hold a role there. "
                    "Ask your department head if you should handle it."
                )
                % {"organisation": locked.organisation.name}
            )
        if locked.state == TaskState.CLAIMED and locked.assignee_id == actor.pk:
            return locked
        if locked.state != TaskState.OPEN:
            raise Conflict(
                _("Someone else already took this task or finished it. Reload the page.")
            )
        locked.state = TaskState.CLAIMED
        locked.assignee = actor
        locked.version += 1
        locked.save(update_fields=TASK_FIELDS)
        _event(
            case,
            task=locked,
            actor=actor,
            action="task_claimed",
            from_state=TaskState.OPEN,
            to_state=TaskState.CLAIMED,
            now=now,
        )
        audit_record(
            event_type="cases.task_claim",
            actor=actor,
            target=locked,
            old={"state": TaskState.OPEN},
            new={"state": TaskState.CLAIMED, "assignee": actor.pk},
        )
    return locked


def _finish_task(case, task, process, *, outcome, actor, now, comment="", data=None, action=None):
    from_state = task.state
    task.state = outcome
    task.completed_at = now
    task.result = data or {}
    task.version += 1
    task.save(update_fields=TASK_FIELDS)
    event = _event(
        case,
        task=task,
        actor=actor,
        action=action or f"task_{outcome}",
        from_state=from_state,
        to_state=outcome,
        comment=comment,
        data=data,
        now=now,
    )
    _join(case, process, now)
    spec = process.task_spec(task.department_code, task.stage)
    hook = spec.completion_hook() if spec else None
    if hook is not None:
        # The program's own logic, in this transaction: it may refuse (raise) or give the result.
        result = hook(
            case=case,
            task=task,
            actor=actor,
            outcome=outcome,
            data=data or {},
            comment=comment,
            now=now,
        )
        if result is not None:
            task.result = clean_text(result)
            task.save(update_fields=["result", "updated_at"])
            event.data = task.result
            event.save(update_fields=["data"])
    audit_record(
        event_type="cases.task_complete",
        actor=actor,
        target=task,
        old={"state": from_state},
        new={"state": outcome, "result": task.result},
    )


def _join(case: Case, process: Process, now: datetime) -> None:
    """When the parallel tasks of the current round are finished, move the case on."""
    join = process.parallel_tasks.get(case.state)
    if join is None:
        return
    tasks = list(CaseTask.objects.filter(case=case, round=case.task_round).select_for_update())
    if any(t.state == TaskState.REJECTED for t in tasks) and join.rejected:
        for t in tasks:
            if t.state in OPEN_TASK_STATES:
                t.state = TaskState.CANCELLED
                t.version += 1
                t.completed_at = now
                t.save(update_fields=TASK_FIELDS)
        _transition(case, process, join.rejected, actor=None, action="tasks_rejected", now=now)
    elif tasks and all(t.state in (TaskState.DONE, TaskState.CANCELLED) for t in tasks):
        _transition(case, process, join.done, actor=None, action="tasks_done", now=now)


def task_complete(
    *,
    task: CaseTask,
    actor,
    outcome: str,
    comment: str = "",
    data: dict | None = None,
    expected_version: int | None = None,
) -> CaseTask:
    """Finish a task as ``done`` or ``rejected``; the case moves on when its round is finished."""
    comment, data = clean_text(comment or ""), clean_text(data)
    if outcome not in (TaskState.DONE, TaskState.REJECTED):
        raise ValidationFailed.for_field(
            "outcome", _("Choose whether the task is done or refused.")
        )
    if outcome == TaskState.REJECTED and not (comment or "").strip():
        raise ValidationFailed.for_field(
            "comment", _("Please write why you refuse; the applicant will read it.")
        )
    now = timezone.now()
    with transaction.atomic():
        case, locked = _lock_task(task.pk)
        process = get_process(case.process_key)
        _check_version(
            locked,
            expected_version,
            _("Someone else already changed this task. Reload the page to see who handles it."),
        )
        if not user_may(actor, locked.roles, region=case.region, organisation=locked.organisation):
            raise NotAllowed(
                _(
                    "This task belongs to %(organisation)s; you do not hold a role there. "
                    "Ask your department head if you should handle it."
                )
                % {"organisation": locked.organisation.name}
            )
        if locked.state not in OPEN_TASK_STATES:
            raise Conflict(_("This task is already finished. Reload the page to see the result."))
        if locked.state == TaskState.CLAIMED and locked.assignee_id != actor.pk:
            head = user_may(
                actor, ["department_head"], region=case.region, organisation=locked.organisation
            )
            if not head:
                raise Conflict(
                    _(
                        "%(name)s is handling this task. Ask them or your department head "
                        "before you finish it."
                    )
                    % {"name": locked.assignee}
                )
        if locked.assignee_id is None:
            locked.assignee = actor
        _finish_task(
            case, locked, process, outcome=outcome, actor=actor, now=now, comment=comment, data=data
        )
    return locked
