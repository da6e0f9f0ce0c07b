"""Background tasks (django-tasks) and the periodic ones (PERIODIC, declared to the registry in apps.py)."""

from django.conf import settings
from django.db import transaction
from django_tasks import task

from minsheng.core.periodic import PeriodicTask


@task(queue_name="default")
def offers_expire_task() -> int:
    """Offers from the waiting list past their deadline lapse and pass to the next in line."""
    from .services.applications import offers_expire

    return offers_expire()


@task(queue_name="default")
def lottery_task(window_id: int, actor_id: int | None = None) -> dict:
    """Run a window's lottery (services.lottery.lottery_run)."""
    from django.contrib.auth import get_user_model

    from .models import ApplicationWindow
    from .services.lottery import lottery_run

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return lottery_run(window=ApplicationWindow.objects.get(pk=window_id), actor=actor)


@task(queue_name="notifications")
def lottery_notify_task(window_id: int, after_id: int = 0) -> int | None:
    """One chunk of result notices; queues the next chunk, so the fan-out runs in the background
    in small steps (and a retried chunk sends nothing twice)."""
    from .services.lottery import lottery_notify

    last = lottery_notify(window_id=window_id, after_id=after_id, limit=settings.AFTER_SCHOOL_NOTIFY_CHUNK)
    if last is not None:
        transaction.on_commit(lambda: lottery_notify_task.enqueue(window_id, last))
    return last


@task(queue_name="default")
def sessions_generate_task() -> int:
    """Every published offering's sessions for the coming two weeks (idempotent)."""
    from .services.running import sessions_generate_upcoming

    return sessions_generate_upcoming()


SESSIONS_GENERATE_EVERY = 24 * 60 * 60  # daily

PERIODIC = [
    # The coming days' sessions exist before teachers open their roll.
    PeriodicTask("after_school.sessions_generate", sessions_generate_task, SESSIONS_GENERATE_EVERY),
    # Offers past their deadline pass to the next on the waiting list.
    PeriodicTask("after_school.offers_expire", offers_expire_task, settings.AFTER_SCHOOL_OFFER_SWEEP_SECONDS),
]
