"""/api/v1/cases/: my cases, a case with its timeline, acting on cases and tasks, the staff inbox."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Query, Router, Schema

from minsheng.core.errors import NotAllowed
from minsheng.core.schemas import ERROR_RESPONSES

from . import selectors, services
from .models import Case, CaseTask
from .process import get_process

# Beyond this no list has rows; SQLite cannot even take a larger offset (OverflowError).
MAX_OFFSET = 2**31 - 1

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    reference: str
    process_key: str
    process_title: str
    state: str
    state_title: str
    version: int
    submitted_at: datetime | None
    due_at: datetime | None
    due_provisional: bool
    closed_at: datetime | None
    organisation: str | None
    escalated: bool


class TimelineOut(Schema):
    at: datetime
    text: str
    comment: str
    who: str


class ActionOut(Schema):
    code: str
    title: str


class TaskOut(Schema):
    id: int
    case_id: int
    case_reference: str
    title: str
    organisation: str
    state: str
    assignee: str | None
    due_at: datetime | None
    due_provisional: bool
    escalated: bool
    version: int


class CaseDetailOut(CaseOut):
    timeline: list[TimelineOut]
    actions: list[ActionOut]
    tasks: list[TaskOut]


class InboxOut(Schema):
    overdue: int
    due_today: int
    open: int
    tasks: list[TaskOut]
    cases: list[CaseOut]


class ActIn(Schema):
    action: str = Field(..., max_length=64)
    comment: str = Field("", max_length=2000)
    data: dict[str, Any] | None = None
    expected_version: int | None = None


class ClaimIn(Schema):
    expected_version: int | None = None


class CompleteIn(Schema):
    outcome: Literal["done", "rejected"]
    comment: str = Field("", max_length=2000)
    data: dict[str, Any] | None = None
    expected_version: int | None = None


def case_out(case: Case) -> dict:
    try:
        process_title = str(get_process(case.process_key).title)
    except LookupError:
        process_title = case.process_key
    return {
        "id": case.pk,
        "reference": case.reference,
        "process_key": case.process_key,
        "process_title": process_title,
        "state": case.state,
        "state_title": selectors.state_title(case),
        "version": case.version,
        "submitted_at": case.submitted_at,
        "due_at": case.due_at,
        "due_provisional": case.due_provisional,
        "closed_at": case.closed_at,
        "organisation": case.organisation.name if case.organisation_id else None,
        "escalated": bool(case.escalated_at),
    }


def task_out(task: CaseTask) -> dict:
    return {
        "id": task.pk,
        "case_id": task.case_id,
        "case_reference": task.case.reference,
        "title": task.title,
        "organisation": task.organisation.name,
        "state": task.state,
        "assignee": str(task.assignee) if task.assignee_id else None,
        "due_at": task.due_at,
        "due_provisional": task.due_provisional,
        "escalated": bool(task.escalated_at),
        "version": task.version,
    }


def case_detail(case: Case, user) -> dict:
    for_citizen = not user.is_staff
    tasks = [] if for_citizen else [
        task_out(t)
        for t in case.tasks.select_related("organisation", "assignee", "case").order_by("id")
    ]
    return {
        **case_out(case),
        "timeline": selectors.case_timeline(case=case, for_citizen=for_citizen),
        "actions": [
            {"code": a.code, "title": str(a.title)}
            for a in services.case_allowed_actions(case=case, user=user)
        ],
        "tasks": tasks,
    }


@router.get("/mine", response={200: list[CaseOut], **ERROR_RESPONSES})
def my_cases(request, limit: int = 50, offset: int = Query(0, ge=0, le=MAX_OFFSET)):  # noqa: B008
    """My cases and those of the people in my care, newest first."""
    limit, offset = max(1, min(limit, 200)), max(0, offset)
    qs = selectors.citizen_cases(user=request.auth)[offset : offset + limit]
    return [case_out(c) for c in qs]


@router.get("/inbox", response={200: InboxOut, **ERROR_RESPONSES})
def inbox(request):
    """Staff: open tasks and cases in my scope, overdue first, with counts."""
    if not request.auth.is_staff:
        raise NotAllowed()
    box = selectors.inbox_for(user=request.auth)
    return {
        "overdue": box.overdue,
        "due_today": box.due_today,
        "open": box.open,
        "tasks": [task_out(t) for t in box.tasks],
        "cases": [case_out(c) for c in box.cases],
    }


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERROR_RESPONSES})
def task_detail(request, task_id: int):
    return task_out(selectors.task_get_for(user=request.auth, task_id=task_id))


@router.post("/tasks/{task_id}/claim", response={200: TaskOut, **ERROR_RESPONSES})
def task_claim(request, task_id: int, payload: ClaimIn):
    """Take a task; 409 when someone else took it first."""
    task = selectors.task_get_for(user=request.auth, task_id=task_id)
    task = services.task_claim(task=task, actor=request.auth, expected_version=payload.expected_version)
    return task_out(task)


@router.post("/tasks/{task_id}/complete", response={200: TaskOut, **ERROR_RESPONSES})
def task_complete(request, task_id: int, payload: CompleteIn):
    """Finish a task as done or refused; the case moves on when all its tasks are finished."""
    task = selectors.task_get_for(user=request.auth, task_id=task_id)
    task = services.task_complete(
        task=task,
        actor=request.auth,
        outcome=payload.outcome,
        comment=payload.comment,
        data=payload.data,
        expected_version=payload.expected_version,
    )
    return task_out(task)


@router.get("/{case_id}", response={200: CaseDetailOut, **ERROR_RESPONSES})
def case_get(request, case_id: int):
    """One case with its timeline in plain words and the actions I may take."""
    case = selectors.case_get_for(user=request.auth, case_id=case_id)
    return case_detail(case, request.auth)


@router.post("/{case_id}/act", response={200: CaseDetailOut, **ERROR_RESPONSES})
def case_act(request, case_id: int, payload: ActIn):
    """Take a declared action; send ``expected_version`` to get 409 if the case changed meanwhile."""
    case = selectors.case_get_for(user=request.auth, case_id=case_id, action="act")
    case = services.case_act(
        case=case,
        action=payload.action,
        actor=request.auth,
        comment=payload.comment,
        data=payload.data,
        expected_version=payload.expected_version,
    )
    return case_detail(case, request.auth)
