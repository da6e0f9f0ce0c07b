"""Reads about cases: the access gates, the citizen's cases, the staff inbox, timelines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import active_assignments, scope_q
from minsheng.core.errors import NotFound
from minsheng.identity.models import Person, PersonRelation, RelationKind

from .models import OPEN_TASK_STATES, Case, CaseEvent, CaseTask, TaskState
from .process import APPLICANT, get_process
from .routing import user_may

MAX_ID = 2**63 - 1  # larger ids cannot exist; asking for one must not reach the database
CARE_KINDS = (RelationKind.GUARDIAN, RelationKind.FAMILY, RelationKind.AGENT)


def people_in_care_ids(*, user) -> list[int]:
    """The user's own person and the people they are guardian, family or agent of."""
    person_id = Person.objects.filter(user=user).values_list("pk", flat=True).first()
    if person_id is None:
        return []
    today = timezone.localdate()
    relatives = PersonRelation.objects.filter(person_id=person_id, kind__in=CARE_KINDS).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=today),
        Q(valid_to__isnull=True) | Q(valid_to__gte=today),
    )
    return [person_id, *relatives.values_list("relative_id", flat=True)]


def is_applicant_side(*, user, case: Case) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if case.applicant_id == user.pk:
        return True
    return case.subject_id is not None and case.subject_id in people_in_care_ids(user=user)


def citizen_cases_q(*, user) -> Q:
    q = Q(applicant=user)
    ids = people_in_care_ids(user=user)
    if ids:
        q |= Q(subject_id__in=ids)
    return q


def staff_cases_q(*, user) -> Q:
    """Cases a staff member sees: as the responsible organisation, or through a task of theirs."""
    if user.is_superuser:
        return Q()
    responsible = scope_q(user=user, region_field="region", organisation_field="organisation")
    unrouted = Q(organisation__isnull=True) & scope_q(user=user, region_field="region")
    via_task = Q(
        pk__in=CaseTask.objects.filter(
            scope_q(user=user, region_field="case__region", organisation_field="organisation")
        ).values("case_id")
    )
    return responsible | unrouted | via_task


def citizen_cases(*, user) -> QuerySet[Case]:
    return (
        Case.objects.filter(citizen_cases_q(user=user))
        .select_related("subject", "organisation")
        .order_by("-submitted_at", "-id")
    )


@scoped_gate(model="cases.case", id_arg="case_id")
def case_get_for(*, user, case_id: int, action: str = "view") -> Case:
    """The case if ``user`` may see it (as applicant/carer, or staff in scope); else NotFound.

    ``action`` is "view" or "act"; which declared actions the user may take is
    decided by services.case_allowed_actions under the row lock.
    """
    if not getattr(user, "is_authenticated", False) or not 0 < case_id <= MAX_ID:
        raise NotFound()
    qs = Case.objects.select_related("region", "organisation", "applicant", "subject")
    q = citizen_cases_q(user=user)
    if user.is_staff:
        q |= staff_cases_q(user=user)
    case = qs.filter(q, pk=case_id).first()
    if case is None:
        raise NotFound()
    return case


@scoped_gate(model="cases.casetask", id_arg="task_id")
def task_get_for(*, user, task_id: int) -> CaseTask:
    """A task within the user's organisation and region scope; else NotFound."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise NotFound()
    if not 0 < task_id <= MAX_ID:
        raise NotFound()
    task = (
        CaseTask.objects.filter(
            scope_q(user=user, region_field="case__region", organisation_field="organisation"),
            pk=task_id,
        )
        .select_related("case", "case__region", "case__organisation", "organisation", "assignee")
        .first()
    )
    if task is None:
        raise NotFound()
    return task


# --- plain-words timeline -----------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    text: str
    comment: str = ""
    who: str = ""
    internal: bool = False


def state_title(case: Case, state: str | None = None) -> str:
    try:
        return str(get_process(case.process_key).state(state or case.state).title)
    except LookupError:
        return state or case.state


def _event_text(case: Case, event: CaseEvent) -> str:
    try:
        process = get_process(case.process_key)
    except LookupError:
        return event.action
    to = str(process.state(event.to_state).title) if event.to_state else ""
    task_title = event.task.title if event.task_id else ""
    org = event.task.organisation.name if event.task_id else ""
    texts = {
        "opened": _("Application submitted"),
        "deemed": _("No decision within the time limit, so the law deems it: %(state)s")
        % {"state": to},
        "tasks_done": _("Every department has finished its part. Now: %(state)s") % {"state": to},
        "tasks_rejected": _("A department refused its part. Now: %(state)s") % {"state": to},
        "task_claimed": _("%(org)s started on “%(task)s”") % {"org": org, "task": task_title},
        "task_done": _("%(org)s completed “%(task)s”") % {"org": org, "task": task_title},
        "task_rejected": _("%(org)s refused “%(task)s”") % {"org": org, "task": task_title},
        "task_deemed": _("%(org)s did not answer in time on “%(task)s”; it is deemed settled")
        % {"org": org, "task": task_title},
        "escalated": _("Overdue: passed to the department head"),
    }
    if event.action in texts:
        return str(texts[event.action])
    action = process.action(event.action)
    title = str(action.title) if action else event.action
    return _("%(action)s. Now: %(state)s") % {"action": title, "state": to}


def case_timeline(*, case: Case, for_citizen: bool) -> list[TimelineEntry]:
    events = CaseEvent.objects.filter(case=case).select_related(
        "actor", "task", "task__organisation"
    )
    entries = []
    for e in events:
        internal = bool(e.data.get("internal")) if isinstance(e.data, dict) else False
        if for_citizen and internal:
            continue
        if e.actor_id is None:
            who = _("System")
        elif for_citizen and e.actor_id != case.applicant_id:
            who = e.task.organisation.name if e.task_id else (
                case.organisation.name if case.organisation_id else _("Staff")
            )
        else:
            who = str(e.actor)
        entries.append(
            TimelineEntry(at=e.at, text=_event_text(case, e), comment=e.comment, who=who, internal=internal)
        )
    return entries


# --- staff inbox ----------------------------------------------------------------------------


@dataclass
class Inbox:
    tasks: list[CaseTask] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    overdue: int = 0
    due_today: int = 0
    open: int = 0
    roles: set[str] = field(default_factory=set)  # the user's active role codes


def _sort_key(now):
    far = datetime.max.replace(tzinfo=timezone.get_current_timezone())

    def key(obj):
        due = obj.due_at or far
        return (0 if obj.due_at and obj.due_at < now else 1, due, obj.pk)

    return key


def inbox_for(*, user, now: datetime | None = None) -> Inbox:
    """Open tasks and cases the user can act on in their scope, overdue first."""
    now = now or timezone.now()
    assignments = list(active_assignments(user=user))
    roles = {a.role_id for a in assignments}
    tasks = [
        t
        for t in CaseTask.objects.filter(
            scope_q(user=user, region_field="case__region", organisation_field="organisation"),
            state__in=OPEN_TASK_STATES,
        ).select_related("case", "case__region", "organisation", "assignee")
        if user.is_superuser or roles.intersection(t.roles) or t.escalated_to_role in roles
    ]
    candidates = (
        Case.objects.filter(
            scope_q(user=user, region_field="region", organisation_field="organisation")
            | (Q(organisation__isnull=True) & scope_q(user=user, region_field="region")),
            closed_at__isnull=True,
        )
        .select_related("region", "organisation", "applicant")
        .prefetch_related(
            Prefetch("tasks", queryset=CaseTask.objects.filter(state__in=OPEN_TASK_STATES))
        )
    )
    cases = []
    for case in candidates:
        try:
            process = get_process(case.process_key)
        except LookupError:
            continue
        actionable = any(
            user_may(user, a.roles, region=case.region, organisation=case.organisation, assignments=assignments)
            for a in process.actions_from(case.state)
            if a.roles != [APPLICANT]
        )
        if actionable or (case.escalated_to_role and case.escalated_to_role in roles):
            cases.append(case)
    key = _sort_key(now)
    tasks.sort(key=key)
    cases.sort(key=key)
    today = timezone.localdate(now)
    items = [*tasks, *cases]
    return Inbox(
        tasks=tasks,
        cases=cases,
        overdue=sum(1 for i in items if i.due_at and i.due_at < now),
        due_today=sum(
            1 for i in items if i.due_at and i.due_at >= now and timezone.localdate(i.due_at) == today
        ),
        open=len(items),
        roles=roles,
    )


def task_is_mine(task: CaseTask, user) -> bool:
    return task.state == TaskState.CLAIMED and task.assignee_id == user.pk
