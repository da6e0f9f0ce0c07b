"""Background tasks of the case engine (django-tasks; the scheduler enqueues them)."""

from django_tasks import task

from .services import sla_check


@task(queue_name="sla")
def sla_check_task() -> dict:
    """Remind, escalate and deem every overdue case and task (idempotent)."""
    return sla_check().as_dict()
