"""Background and periodic tasks (PERIODIC is declared to the registry in apps.py)."""

from django_tasks import task

from minsheng.core.periodic import PeriodicTask

OVERDUE_MILESTONES_EVERY = 60 * 60  # seconds between overdue-milestone sweeps


@task()
def milestones_flag_overdue_task() -> int:
    """Flag milestones past due and notify the lead unit's officers, once per milestone."""
    from .services import milestones_flag_overdue

    return milestones_flag_overdue()


PERIODIC = [
    PeriodicTask("evaluation_panels.overdue_milestones", milestones_flag_overdue_task, OVERDUE_MILESTONES_EVERY),
]
