"""The SLA check: remind, escalate or deem cases and tasks past their deadline."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from minsheng.audit.services import audit_record
from minsheng.core.errors import (
    DomainError,
)

from ..models import OPEN_TASK_STATES, Case, CaseTask, TaskState
from ..process import Escalate, Process, Remind, Sla, get_process
from ..routing import role_holders
from .actions import _finish_task, _lock_task
from .steps import _event, _lock_case, _notify, _transition, _zh

logger = logging.getLogger(__name__)

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
        _event(
            case,
            actor=None,
            action="escalated",
            data={"to_role": escalate.to_role, "internal": True},
            now=now,
        )
        audit_record(event_type="cases.escalate", target=case, new={"to_role": escalate.to_role})
        report.escalated.append(case.reference)
    if changed:
        case.save(update_fields=[*changed, "updated_at"])


def _breach_task(
    case: Case, task: CaseTask, process: Process, now: datetime, report: SlaReport
) -> None:
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
        recipients = (
            [task.assignee]
            if task.assignee
            else role_holders(roles=task.roles, organisation=task.organisation)
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
        _event(
            case,
            task=task,
            actor=None,
            action="escalated",
            data={"to_role": sla["escalate_to"], "internal": True},
            now=now,
        )
        audit_record(event_type="cases.escalate", target=task, new={"to_role": sla["escalate_to"]})
        report.escalated.append(label)
    if changed:
        task.save(update_fields=[*changed, "updated_at"])


def sla_check(*, now: datetime | None = None) -> SlaReport:
    """Apply the declared on-breach rules to every overdue case and task. Idempotent."""
    now = now or timezone.now()
    report = SlaReport()
    case_ids = Case.objects.filter(due_at__lt=now, closed_at__isnull=True).values_list(
        "pk", flat=True
    )
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
