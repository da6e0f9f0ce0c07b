"""The staff workbench: the inbox (overdue first), a task, a case, and acting on them."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from minsheng.access.decorators import staff
from minsheng.cases import selectors, services
from minsheng.cases.forms import CommentForm, VersionForm
from minsheng.cases.process import get_process
from minsheng.core.calendar import calendar_warnings
from minsheng.core.errors import DomainError, NotFound
from minsheng.core.registry import WorkbenchEntry, registry

from .audit import AUDIT_ROLES

# The workbench's own pages, in the same menu as the programs' entries.
OWN_ENTRIES = [
    WorkbenchEntry(title=_("Staff"), url_name="workbench:staff", roles=("staff_admin",), order=1, icon="people"),
    WorkbenchEntry(title=_("Organisations"), url_name="workbench:organisations", roles=("staff_admin",), order=2, icon="building"),
]


def _error_text(exc: DomainError) -> str:
    return " ".join([str(exc.message), *[m for v in exc.fields.values() for m in v]])


def _process_title(key):
    try:
        return get_process(key).title
    except LookupError:
        return key


@staff()
def inbox(request):
    box = selectors.inbox_for(user=request.user)
    for case in box.cases:
        case.process_title = _process_title(case.process_key)
        case.state_title = selectors.state_title(case)
    superuser = request.user.is_superuser
    is_admin = superuser or "admin" in box.roles
    entries = [
        {"entry": e, "count": (n := e.waiting_for(request.user)), "words": e.count_text(n) if n is not None else ""}
        for e in sorted([*OWN_ENTRIES, *registry.workbench_entries()], key=lambda e: e.order)
        if not e.roles or superuser or box.roles.intersection(e.roles)
    ]
    return render(
        request,
        "workbench/inbox.html",
        {
            "box": box,
            "now": timezone.now(),
            "entries": entries,
            "calendar_missing": calendar_warnings() if is_admin else [],
            "can_see_ratings": superuser
            or bool(box.roles.intersection(["supervisor", "department_head", "admin"])),
            "can_see_audit": superuser or bool(box.roles.intersection(AUDIT_ROLES)),
        },
    )


@staff()
def task_detail(request, task_id: int):
    try:
        task = selectors.task_get_for(user=request.user, task_id=task_id)
    except NotFound:
        raise Http404
    case = task.case
    return render(
        request,
        "workbench/task.html",
        {
            "task": task,
            "case": case,
            "process_title": _process_title(case.process_key),
            "state_title": selectors.state_title(case),
            "timeline": selectors.case_timeline(case=case, for_citizen=False),
            "is_mine": selectors.task_is_mine(task, request.user),
            "now": timezone.now(),
            "claim_form": VersionForm(initial={"version": task.version}, auto_id="claim_%s"),
            "complete_form": CommentForm(
                initial={"version": task.version}, comment_label=_("Comment (needed to refuse)")
            ),
        },
    )


@staff()
@require_POST
def task_claim(request, task_id: int):
    try:
        task = selectors.task_get_for(user=request.user, task_id=task_id)
        services.task_claim(
            task=task, actor=request.user, expected_version=VersionForm(request.POST).version_or_none()
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("workbench:task", task_id=task_id)


@staff()
@require_POST
def task_complete(request, task_id: int):
    try:
        task = selectors.task_get_for(user=request.user, task_id=task_id)
        form = CommentForm(request.POST)
        services.task_complete(
            task=task,
            actor=request.user,
            outcome=request.POST.get("outcome", ""),
            comment=form.comment_text(),
            expected_version=form.version_or_none(),
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("workbench:task", task_id=task_id)


@staff()
def case_detail(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id)
    except NotFound:
        raise Http404
    return render(
        request,
        "workbench/case.html",
        {
            "case": case,
            "process_title": _process_title(case.process_key),
            "state_title": selectors.state_title(case),
            "timeline": selectors.case_timeline(case=case, for_citizen=False),
            "actions": services.case_allowed_actions(case=case, user=request.user),
            "tasks": case.tasks.select_related("organisation", "assignee").order_by("round", "id"),
            "now": timezone.now(),
            "act_form": CommentForm(initial={"version": case.version}),
        },
    )


@staff()
@require_POST
def case_act(request, case_id: int):
    try:
        case = selectors.case_get_for(user=request.user, case_id=case_id, action="act")
        form = CommentForm(request.POST)
        services.case_act(
            case=case,
            action=request.POST.get("action", ""),
            actor=request.user,
            comment=form.comment_text(),
            expected_version=form.version_or_none(),
        )
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, _error_text(exc))
    return redirect("workbench:case", case_id=case_id)
