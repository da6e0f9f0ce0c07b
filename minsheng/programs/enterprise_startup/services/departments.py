"""The departments' parallel steps: each finishes with its output (filing number, taxpayer
type …), checked by the process's on_complete hook however the step is finished."""

from __future__ import annotations

from django.utils.translation import gettext as _

from minsheng.cases.models import CaseTask, TaskState
from minsheng.cases.services import task_complete
from minsheng.core.calendar import working_hours_between
from minsheng.core.errors import ValidationFailed

from ..models import ApplicationState, StartupApplication, StepTiming
from ..processes import BANK
from .draft import draft_data
from .form import Errors
from .licence import licence_issue


def _required(data: dict, keys: list[str], errors: Errors) -> dict:
    out = {}
    for key in keys:
        value = str((data or {}).get(key) or "").strip()[:100]
        if not value:
            errors.add(key, _("Fill in this field to finish the step."))
        out[key] = value
    return out


def _step_result(task: CaseTask, app: StartupApplication, data: dict) -> dict:
    """The department's output, checked; ValidationFailed names the missing fields."""
    errors = Errors()
    code = task.department_code
    if code == "market_regulation":
        result = {}
    elif code == "public_security":
        result = _required(data, ["filing_number"], errors)
        seals = [s for s in (data.get("seals") or []) if s]
        result["seals"] = seals or draft_data(app)["services"]["seals"]
        result["seal_shop"] = draft_data(app)["services"]["seal_shop_name"]
    elif code == "tax":
        result = _required(data, ["taxpayer_type"], errors)
        result["invoice"] = str(data.get("invoice") or "数电发票")[:40]
    elif code == "human_resources":
        result = _required(data, ["social_insurance_number"], errors)
    elif code == "medical_insurance":
        result = _required(data, ["medical_insurance_number"], errors)
    elif code == "housing_fund":
        result = _required(data, ["housing_fund_account"], errors)
    elif code == BANK:
        result = _required(data, ["appointment_at"], errors)
        result["account_number"] = str(data.get("account_number") or "")[:40]
    else:
        result = dict(data or {})
    if errors:
        raise ValidationFailed(
            _(
                "To finish this step, enter the department's output in the marked fields "
                "(on the enterprise start-up task page, or in the data sent through the API)."
            ),
            fields=dict(errors),
        )
    return result


def step_complete(*, task: CaseTask, actor, data: dict | None = None, outcome: str = TaskState.DONE, comment: str = "") -> CaseTask:
    """A department finishes its step (the same as the generic task_complete: the process's
    on_complete hook, on_step_complete, checks the output and issues the licence)."""
    return task_complete(task=task, actor=actor, outcome=outcome, comment=comment, data=data or {})


def on_step_complete(*, case, task: CaseTask, actor, outcome: str, data: dict, comment: str, now) -> dict:
    """TaskSpec.on_complete of every start-up step, inside the engine's transaction (case and
    task rows locked): check the department's output, issue the licence when market regulation
    finishes, record the step's timing and follow the case's state. Raises ValidationFailed to
    refuse (nothing is written)."""
    app = (
        StartupApplication.objects.select_for_update()
        .select_related("region", "reservation", "applicant")
        .get(case_id=case.pk)
    )
    result = _step_result(task, app, data) if outcome == TaskState.DONE else {}
    if outcome == TaskState.DONE and task.department_code == "market_regulation":
        issued = licence_issue(application=app, actor=actor)
        result = {"credit_code": issued.credit_code, "licence_serial": issued.serial}
    app.outputs = {**app.outputs, task.department_code: result}
    app.save(update_fields=["outputs", "updated_at"])
    _record_timing(app, task)
    _follow_case(app, state=case.state, closed_at=case.closed_at)
    return result


def _record_timing(app: StartupApplication, task: CaseTask) -> None:
    if task.completed_at is None or app.submitted_at is None:
        return
    StepTiming.objects.update_or_create(
        task=task,
        defaults={
            "application": app,
            "department_code": task.department_code,
            "region": app.region,
            "working_hours": working_hours_between(app.submitted_at, task.completed_at),
            "breached": bool(task.due_at and task.completed_at > task.due_at),
            "completed_at": task.completed_at,
        },
    )


def _follow_case(app: StartupApplication, *, state: str, closed_at) -> None:
    """The application completes or is refused with its case."""
    if state == "completed" and app.state != ApplicationState.COMPLETED:
        app.state = ApplicationState.COMPLETED
        app.completed_at = closed_at
        app.elapsed_working_hours = working_hours_between(app.submitted_at, closed_at)
        app.save(update_fields=["state", "completed_at", "elapsed_working_hours", "updated_at"])
    elif state == "rejected" and app.state != ApplicationState.REJECTED:
        app.state = ApplicationState.REJECTED
        app.completed_at = closed_at
        app.save(update_fields=["state", "completed_at", "updated_at"])
