"""The case engine: open, act, claim, complete, and the SLA check.

Every write locks the case row (and then the task row, always in that order),
checks the optimistic ``version`` when the caller sends one, writes one
CaseEvent and one audit entry, and notifies the applicant after commit.
A refusal raises a minsheng.core.errors exception before anything is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.calendar import Deadline, add_working_days, add_working_hours
from minsheng.core.errors import (
    Conflict,
    DomainError,
    ErrorCode,
    NotAllowed,
    NotFound,
    ValidationFailed,
)
from minsheng.notifications.services import notification_send

from .models import OPEN_TASK_STATES, Case, CaseCounter, CaseEvent, CaseTask, TaskState
from .process import APPLICANT, Escalate, Process, Remind, Sla, TaskSpec, get_process
from .routing import organisation_route, role_holders, user_may
from .selectors import is_applicant_side

logger = logging.getLogger(__name__)

CASE_FIELDS = [
    "state",
    "version",
    "state_entered_at",
    "due_at",
    "due_provisional",
    "reminded_at",
    "escalated_at",
    "escalated_to_role",
    "task_round",
    "closed_at",
    "updated_at",
]
TASK_FIELDS = [
    "state",
    "assignee",
    "version",
    "result",
    "completed_at",
    "reminded_at",
    "escalated_at",
    "escalated_to_role",
    "updated_at",
]


# --- notifications (minsheng.notifications, queued after commit, idempotent) ----------


def _notify(*, recipient, template: str, context: dict, dedupe_key: str) -> None:
    if recipient is None:
        return

    notification_send(
        recipient=recipient, template=template, context=context, dedupe_key=dedupe_key
    )


def _zh(value) -> str:
    with translation.override("zh-hans"):
        return str(value)


# --- deadlines --------------------------------------------------------------------------


def sla_deadline(*, sla: Sla, start: datetime, organisation=None) -> Deadline:
    if sla.working_days is not None:
        return add_working_days(start, sla.working_days)
    hours = getattr(organisation, "office_hours", None) or None
    return add_working_hours(start, sla.working_hours, office_hours=hours)


def _sla_json(sla: Sla | None) -> dict:
    if sla is None:
        return {}
    escalate = next((b.to_role for b in sla.on_breach if isinstance(b, Escalate)), "")
    return {
        "working_days": sla.working_days,
        "working_hours": sla.working_hours,
        "remind": any(isinstance(b, Remind) for b in sla.on_breach),
        "escalate_to": escalate,
        "deem": sla.deem,
    }


def clean_text(value):
    """Drop NUL characters (PostgreSQL refuses them in text and JSON) from strings, recursively."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {clean_text(k): clean_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_text(v) for v in value]
    return value


# --- helpers ------------------------------------------------------------------------------


def _next_reference(prefix: str, year: int) -> str:
    counter, _created = CaseCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = CaseCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:06d}"


def _lock_case(case_id: int) -> Case:
    try:
        return (
            Case.objects.select_for_update(of=("self",))
            .select_related("region", "organisation")
            .get(pk=case_id)
        )
    except Case.DoesNotExist:
        raise NotFound()


def _check_version(obj, expected_version: int | None, message) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(message)


def _enter_state(case: Case, process: Process, state: str, now: datetime) -> None:
    case.move_to(state)
    case.state_entered_at = now
    case.reminded_at = None
    case.escalated_at = None
    case.escalated_to_role = ""
    sla = process.sla.get(state)
    if sla is not None and not process.state(state).terminal:
        deadline = sla_deadline(sla=sla, start=now, organisation=case.organisation)
        case.due_at, case.due_provisional = deadline.at, deadline.provisional
    else:
        case.due_at, case.due_provisional = None, False
    if process.state(state).terminal:
        case.closed_at = now


def _event(case, *, actor, action, from_state="", to_state="", comment="", data=None, task=None, attachments=None, now=None) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        task=task,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now or timezone.now(),
        action=action,
        from_state=from_state,
        to_state=to_state,
        comment=comment,
        attachments=list(attachments or []),
        data=data or {},
    )


def _transition(
    case: Case,
    process: Process,
    target: str,
    *,
    actor,
    action: str,
    now: datetime,
    comment: str = "",
    data: dict | None = None,
    attachments=None,
    notify: bool = True,
) -> CaseEvent:
    from_state = case.state
    _enter_state(case, process, target, now)
    case.version += 1
    case.save(update_fields=CASE_FIELDS)
    event = _event(
        case,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=target,
        comment=comment,
        data=data,
        attachments=attachments,
        now=now,
    )
    audit_record(
        event_type="cases.transition",
        actor=actor,
        target=case,
        old={"state": from_state, "version": case.version - 1},
        new={"state": target, "version": case.version, "action": action},
    )
    if notify:
        _notify(
            recipient=case.applicant,
            template="cases.transition",
            context={
                "reference": case.reference,
                "process": _zh(process.title),
                "state": _zh(process.state(target).title),
            },
            dedupe_key=f"cases.case.{case.pk}.v{case.version}",
        )
    return event


def _chosen_organisation(spec: TaskSpec, chosen: dict, region):
    """The organisation the caller picked for a ``chosen_kind`` task (e.g. the founder's bank)."""
    org = chosen.get(spec.department_code)
    if org is not None and getattr(org, "kind", None) != spec.chosen_kind:
        raise ValueError(
            f"task {spec.department_code!r} needs an organisation of kind {spec.chosen_kind!r}, "
            f"got {getattr(org, 'kind', org)!r}"
        )
    if org is None or not org.is_active:
        raise ValidationFailed(
            _(
                "No office of department “%(department)s” serves %(region)s yet. "
                "Ask the administrator to set up the organisation, then try again."
            )
            % {"department": spec.department_code, "region": region.name}
        )
    return org


def _open_tasks(
    case: Case, process: Process, specs: list[TaskSpec], now: datetime, chosen: dict | None = None
) -> list[CaseTask]:
    chosen = chosen or {}
    unknown = set(chosen) - {s.department_code for s in specs if s.chosen_kind}
    if unknown:
        raise ValueError(f"task_organisations for tasks not declared with chosen_kind: {sorted(unknown)}")
    case.task_round += 1
    tasks = []
    for spec in specs:
        if spec.chosen_kind:
            org = _chosen_organisation(spec, chosen, case.region)
        else:
            org = organisation_route(department_code=spec.department_code, region=case.region)
        deadline = sla_deadline(sla=spec.sla, start=now, organisation=org) if spec.sla else None
        tasks.append(
            CaseTask(
                case=case,
                organisation=org,
                department_code=spec.department_code,
                title=_zh(spec.title),
                round=case.task_round,
                stage=case.state,
                roles=list(spec.roles),
                due_at=deadline.at if deadline else None,
                due_provisional=deadline.provisional if deadline else False,
                sla=_sla_json(spec.sla),
            )
        )
    CaseTask.objects.bulk_create(tasks)
    case.save(update_fields=["task_round"])
    return tasks


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
            case=case, task=task, actor=actor, outcome=outcome, data=data or {}, comment=comment, now=now
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


# --- SLA ------------------------------------------------------------------------------------


@dataclass
class SlaReport:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    deemed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"reminded": self.reminded, "escalated": self.escalated, "deemed": self.deemed}


def _case_officers(case: Case, process: Process) -> list:
    if case.organisation is None:
        return []
    roles = {r for a in process.actions_from(case.state) for r in a.roles}
    return role_holders(roles=roles, organisation=case.organisation)


def _breach_case(case: Case, process: Process, sla: Sla, now: datetime, report: SlaReport) -> None:
    if sla.deem:
        _transition(
            case,
            process,
            sla.deem,
            actor=None,
            action="deemed",
            now=now,
            data={"due_at": case.due_at.isoformat() if case.due_at else None},
        )
        report.deemed.append(case.reference)
        return
    changed = []
    if any(isinstance(b, Remind) for b in sla.on_breach) and case.reminded_at is None:
        for user in _case_officers(case, process):
            _notify(
                recipient=user,
                template="cases.overdue",
                context={"reference": case.reference, "process": _zh(process.title)},
                dedupe_key=f"cases.case.{case.pk}.remind.{case.state_entered_at:%Y%m%d%H%M%S}.{user.pk}",
            )
        case.reminded_at = now
        changed.append("reminded_at")
        report.reminded.append(case.reference)
    escalate = next((b for b in sla.on_breach if isinstance(b, Escalate)), None)
    if escalate and case.escalated_at is None:
        case.escalated_at, case.escalated_to_role = now, escalate.to_role
        changed += ["escalated_at", "escalated_to_role"]
        if case.organisation is not None:
            for user in role_holders(roles=[escalate.to_role], organisation=case.organisation):
                _notify(
                    recipient=user,
                    template="cases.escalated",
                    context={"reference": case.reference, "process": _zh(process.title)},
                    dedupe_key=f"cases.case.{case.pk}.escalate.{case.state_entered_at:%Y%m%d%H%M%S}.{user.pk}",
                )
        _event(case, actor=None, action="escalated", data={"to_role": escalate.to_role, "internal": True}, now=now)
        audit_record(event_type="cases.escalate", target=case, new={"to_role": escalate.to_role})
        report.escalated.append(case.reference)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])


def _breach_task(case: Case, task: CaseTask, process: Process, now: datetime, report: SlaReport) -> None:
    sla = task.sla or {}
    label = f"{case.reference}/{task.pk}"
    if sla.get("deem") in (TaskState.DONE, TaskState.REJECTED):
        _finish_task(
            case, task, process, outcome=sla["deem"], actor=None, now=now, action="task_deemed"
        )
        report.deemed.append(label)
        return
    changed = []
    if sla.get("remind") and task.reminded_at is None:
        recipients = [task.assignee] if task.assignee else role_holders(
            roles=task.roles, organisation=task.organisation
        )
        for user in recipients:
            _notify(
                recipient=user,
                template="cases.task_overdue",
                context={"reference": case.reference, "task": task.title},
                dedupe_key=f"cases.task.{task.pk}.remind.{user.pk}",
            )
        task.reminded_at = now
        changed.append("reminded_at")
        report.reminded.append(label)
    if sla.get("escalate_to") and task.escalated_at is None:
        task.escalated_at, task.escalated_to_role = now, sla["escalate_to"]
        changed += ["escalated_at", "escalated_to_role"]
        for user in role_holders(roles=[sla["escalate_to"]], organisation=task.organisation):
            _notify(
                recipient=user,
                template="cases.task_escalated",
                context={"reference": case.reference, "task": task.title},
                dedupe_key=f"cases.task.{task.pk}.escalate.{user.pk}",
            )
        _event(case, task=task, actor=None, action="escalated", data={"to_role": sla["escalate_to"], "internal": True}, now=now)
        audit_record(event_type="cases.escalate", target=task, new={"to_role": sla["escalate_to"]})
        report.escalated.append(label)
    if changed:
        task.save(update_fields=[*changed, "updated_at"])


def sla_check(*, now: datetime | None = None) -> SlaReport:
    """Apply the declared on-breach rules to every overdue case and task. Idempotent."""
    now = now or timezone.now()
    report = SlaReport()
    case_ids = Case.objects.filter(due_at__lt=now, closed_at__isnull=True).values_list("pk", flat=True)
    for case_id in list(case_ids):
        with transaction.atomic():
            case = _lock_case(case_id)
            process = get_process(case.process_key)
            sla = process.sla.get(case.state)
            if sla is None or case.due_at is None or case.due_at >= now:
                continue
            if not sla.deem and case.reminded_at and case.escalated_at:
                continue
            _breach_case(case, process, sla, now, report)
    task_ids = CaseTask.objects.filter(due_at__lt=now, state__in=OPEN_TASK_STATES).values_list(
        "pk", flat=True
    )
    for task_id in list(task_ids):
        try:
            with transaction.atomic():
                case, task = _lock_task(task_id)
                if task.state not in OPEN_TASK_STATES or task.due_at is None or task.due_at >= now:
                    continue
                _breach_task(case, task, get_process(case.process_key), now, report)
        except DomainError as exc:
            # A program's on_complete refused a deemed finish: the task stays open (rolled back).
            logger.warning("deemed finish of task %s refused: %s", task_id, exc.message)
    return report
