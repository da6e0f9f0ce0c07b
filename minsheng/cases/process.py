"""How a program declares a process (see docs/processes.md for the full guide).

A Process is plain data: states, actions (who may move the case from which
states to which), SLAs per state, and parallel department tasks. The engine
in minsheng.cases.services runs every process the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    """A unit of work for one department (by Organisation.department_code), routed by region."""

    department_code: str
    title: Any
    sla: Sla | None = None
    roles: tuple[str, ...] = ("case_officer", "department_head")


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


_processes: dict[str, Process] = {}


def register_process(process: Process, *, replace: bool = False) -> Process:
    if process.key in _processes and not replace and _processes[process.key] is not process:
        raise ValueError(f"process {process.key!r} is registered twice")
    _processes[process.key] = process
    return process


def get_process(key: str) -> Process:
    try:
        return _processes[key]
    except KeyError:
        raise LookupError(f"process {key!r} is not registered") from None


def processes() -> list[Process]:
    return list(_processes.values())
