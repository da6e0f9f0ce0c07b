"""How a program declares a process (see docs/processes.md for the full guide).

A Process is plain data: states, actions (who may move the case from which
states to which), SLAs per state, and parallel department tasks. The engine
in minsheng.cases.services runs every process the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from minsheng.core.registry import registry

APPLICANT = "applicant"  # pseudo-role: the applicant (or someone caring for the subject)
SYSTEM = "system"  # pseudo-role: only the engine (deemed decisions, joins)


@dataclass(frozen=True)
class State:
    code: str
    title: Any  # plain words a citizen understands ("Being reviewed by the department")
    terminal: bool = False


@dataclass(frozen=True)
class Remind:
    """Remind the assignee (or the responsible organisation's officers) when the SLA is breached."""


@dataclass(frozen=True)
class Escalate:
    """Flag the case/task for ``to_role`` holders of the responsible organisation and notify them."""

    to_role: str = "department_head"


@dataclass(frozen=True)
class Sla:
    working_days: int | None = None
    working_hours: float | None = None
    on_breach: tuple = (Remind(), Escalate())
    deem: str | None = None  # for a state: target state; for a task: "done" or "rejected"

    def __post_init__(self):
        if (self.working_days is None) == (self.working_hours is None):
            raise ValueError("an Sla needs exactly one of working_days or working_hours")
        object.__setattr__(self, "on_breach", tuple(self.on_breach))


@dataclass(frozen=True)
class TaskSpec:
    """A unit of work for one department (by Organisation.department_code), routed by region.

    ``chosen_kind``: instead of routing by region, the task goes to the organisation the caller
    picked when taking the action (``case_act(task_organisations={department_code: org})``),
    which must be an active Organisation of that kind (e.g. the founder's bank, kind "bank").

    ``on_complete``: a callable, or its dotted path, run inside the completing transaction
    whenever the task is finished (by a person through any page or API, or deemed by the SLA):
    ``on_complete(*, case, task, actor, outcome, data, comment, now) -> dict | None``.
    It sees the task finished and the case moved on; a returned dict becomes the task's result;
    raising a minsheng.core.errors exception (ValidationFailed, Conflict…) refuses the
    completion and nothing is written.
    """

    department_code: str
    title: Any
    sla: Sla | None = None
    roles: tuple[str, ...] = ("case_officer", "department_head")
    on_complete: Any = None  # callable or "dotted.path.to.function"
    chosen_kind: str | None = None  # Organisation.kind picked by the caller at the action

    def completion_hook(self):
        """The on_complete callable (imported when given as a dotted path), or None."""
        hook = self.on_complete
        if isinstance(hook, str):
            module, _dot, name = hook.rpartition(".")
            hook = getattr(import_module(module), name)
        return hook


@dataclass(frozen=True)
class Action:
    code: str
    title: Any
    source: list[str]
    target: str
    roles: list[str]
    tasks: list[TaskSpec] = field(default_factory=list)  # parallel tasks opened by this action
    comment_required: bool = False
    notify: bool = True  # tell the applicant


@dataclass(frozen=True)
class Join:
    """While the case is in a state with parallel tasks: where it goes when they finish."""

    done: str  # every task done
    rejected: str | None = None  # any task rejected (the others are cancelled)


@dataclass
class Process:
    key: str
    title: Any
    states: list[State]
    initial: str
    actions: list[Action]
    sla: dict[str, Sla] = field(default_factory=dict)
    parallel_tasks: dict[str, Join] = field(default_factory=dict)  # state -> join
    responsible_department: str | None = None  # department_code the case is routed to
    reference_prefix: str = "MS"
    # Where the applicant follows the case in its program, with what only the program shows
    # (the start-up tracker with the licence download): (case) -> (link text, URL) or None.
    applicant_page: Callable[[Any], tuple[Any, str] | None] | None = None

    def __post_init__(self):
        codes = {s.code for s in self.states}
        problems = []
        if self.initial not in codes:
            problems.append(f"initial state {self.initial!r} is not declared")
        seen = set()
        for a in self.actions:
            if a.code in seen:
                problems.append(f"action {a.code!r} is declared twice")
            seen.add(a.code)
            for s in [*a.source, a.target]:
                if s not in codes:
                    problems.append(f"action {a.code!r} uses undeclared state {s!r}")
            if a.tasks and a.target not in self.parallel_tasks:
                problems.append(f"action {a.code!r} opens tasks but {a.target!r} has no Join")
            for spec in a.tasks:
                hook = spec.on_complete
                if hook is not None and not (callable(hook) or (isinstance(hook, str) and "." in hook)):
                    problems.append(
                        f"task {spec.department_code!r} of {a.code!r}: on_complete must be a "
                        "callable or a dotted path"
                    )
        for state, sla in self.sla.items():
            if state not in codes:
                problems.append(f"SLA for undeclared state {state!r}")
            if sla.deem and sla.deem not in codes:
                problems.append(f"SLA of {state!r} deems into undeclared state {sla.deem!r}")
        for state, join in self.parallel_tasks.items():
            for s in (state, join.done, join.rejected):
                if s and s not in codes:
                    problems.append(f"parallel tasks use undeclared state {s!r}")
        if problems:
            raise ValueError(f"process {self.key!r}: " + "; ".join(problems))

    def state(self, code: str) -> State:
        for s in self.states:
            if s.code == code:
                return s
        return State(code, code)

    def action(self, code: str) -> Action | None:
        return next((a for a in self.actions if a.code == code), None)

    def actions_from(self, state: str) -> list[Action]:
        return [a for a in self.actions if state in a.source]

    def task_spec(self, department_code: str, stage: str | None = None) -> TaskSpec | None:
        """The TaskSpec that opened a task of ``department_code`` in state ``stage``."""
        for a in self.actions:
            if stage is not None and a.target != stage:
                continue
            for spec in a.tasks:
                if spec.department_code == department_code:
                    return spec
        return None


_processes: dict[str, Process] = {}


def register_process(process: Process, *, replace: bool = False) -> Process:
    if process.key in _processes and not replace and _processes[process.key] is not process:
        raise ValueError(f"process {process.key!r} is registered twice")
    _processes[process.key] = process
    return process


def _all() -> dict[str, Process]:
    # Programs declare theirs (Program(processes=[...])); core modules and tests register.
    return {**{p.key: p for p in registry.declared("processes")}, **_processes}


def get_process(key: str) -> Process:
    try:
        return _all()[key]
    except KeyError:
        raise LookupError(f"process {key!r} is not registered") from None


def processes() -> list[Process]:
    return list(_all().values())
