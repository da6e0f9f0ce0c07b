"""The steps every case write is made of: lock, check the version, enter a state, write the
event, open tasks, notify after commit. Used by the actions in ``.actions`` and ``.sla``."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.calendar import Deadline, add_working_days, add_working_hours
from minsheng.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from minsheng.notifications.services import notification_send

from ..models import Case, CaseCounter, CaseEvent, CaseTask
from ..process import Escalate, Process, Remind, Sla, TaskSpec
from ..routing import organisation_route

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


def _event(
    case,
    *,
    actor,
    action,
    from_state="",
    to_state="",
    comment="",
    data=None,
    task=None,
    attachments=None,
    now=None,
) -> CaseEvent:
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
        raise ValueError(
            f"task_organisations for tasks not declared with chosen_kind: {sorted(unknown)}"
        )
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
