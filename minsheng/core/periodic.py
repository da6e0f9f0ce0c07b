"""Periodic tasks: what must run every N seconds; ``manage.py scheduler`` runs them.

A program declares its own in ``tasks.py`` and passes them to the registry
(``Program(periodic=[PeriodicTask("after_school.x", x_task, every_seconds=60)])``);
a core module registers its own:

    periodic.register("cases.sla_check", sla_check_task, every_seconds=300)

A django-tasks Task is enqueued (the worker runs it); a plain callable is
called in the scheduler's process, so keep those short.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PeriodicTask:
    name: str
    target: Any  # a django_tasks Task or a callable
    every_seconds: float
    last_run: float = field(default=0.0)


_tasks: dict[str, PeriodicTask] = {}


def register(name: str, target: Callable | Any, every_seconds: float) -> PeriodicTask:
    """Register (or replace) ``name``. ``every_seconds`` must be positive."""
    if every_seconds <= 0:
        raise ValueError("every_seconds must be positive")
    entry = PeriodicTask(name=name, target=target, every_seconds=every_seconds)
    _tasks[name] = entry
    return entry


def registered() -> dict[str, PeriodicTask]:
    """The core's own periodic tasks and every program's declared ones."""
    from .registry import registry

    return {**{t.name: t for t in registry.declared("periodic")}, **_tasks}


def run_due(*, now: float | None = None, force: bool = False) -> list[str]:
    """Enqueue (or call) every task whose interval has passed; return their names."""
    now = time.monotonic() if now is None else now
    ran = []
    for entry in registered().values():
        if force or not entry.last_run or now - entry.last_run >= entry.every_seconds:
            entry.last_run = now
            if hasattr(entry.target, "enqueue"):
                entry.target.enqueue()
            else:
                entry.target()
            ran.append(entry.name)
    return ran
