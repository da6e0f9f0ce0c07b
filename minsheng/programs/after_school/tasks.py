"""Background tasks of the after-school program (django-tasks; the scheduler enqueues the sweep)."""

from django_tasks import task

from .services import offers_expire


@task(queue_name="default")
def offers_expire_task() -> int:
    """Offers from the waiting list past their deadline lapse and pass to the next in line."""
    return offers_expire()
