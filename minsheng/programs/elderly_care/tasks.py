"""Background and periodic tasks (PERIODIC is declared to the registry in apps.py)."""

from django_tasks import task

from minsheng.core.periodic import PeriodicTask

# How often the scheduler runs each periodic task (seconds).
ALARMS_ESCALATE_EVERY = 60
DEVICES_OFFLINE_EVERY = 5 * 60
ROLLUP_REFRESH_EVERY = 60 * 60
ANOMALIES_DETECT_EVERY = 60 * 60
ORDERS_GENERATE_EVERY = 6 * 60 * 60
FOLLOWUP_DRAW_EVERY = 6 * 60 * 60
FOLLOWUP_SAMPLE_RATE = 0.02  # share of last month's verified visits called back
FOLLOWUP_SAMPLE_MIN = 20


@task()
def entitlements_apply_task(run_id: int) -> int:
    from .models import EntitlementRun
    from .services.entitlements import entitlements_apply

    run = EntitlementRun.objects.get(pk=run_id)
    entitlements_apply(month=run.month, actor=run.requested_by, run=run)
    return run.pk


@task()
def alarms_escalate_task() -> int:
    """Escalate unacknowledged alarms (family + community + street, then district, emergency)."""
    from .services.alarms import alarms_escalate

    return alarms_escalate()


@task()
def devices_flag_offline_task() -> int:
    """Flag devices that stopped sending heartbeats as offline."""
    from .services.devices import devices_flag_offline

    return devices_flag_offline()


@task()
def rollup_refresh_task(days: int = 2) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from .services.settlement import rollup_refresh

    today = timezone.localdate()
    return rollup_refresh(start=today - timedelta(days=days), end=today)


@task()
def anomalies_detect_task(days: int = 2) -> dict:
    """Run the anomaly rules over the visits checked out in the last ``days`` days (idempotent)."""
    from datetime import timedelta

    from django.utils import timezone

    from .services.anomalies import anomalies_detect

    today = timezone.localdate()
    return anomalies_detect(start=today - timedelta(days=days), end=today + timedelta(days=1))


@task()
def orders_generate_task(days: int = 7) -> int:
    """Plan the recurring schedules' work orders for the coming week (idempotent)."""
    from django.utils import timezone

    from .services.orders import schedule_generate_orders

    return schedule_generate_orders(start=timezone.localdate(), days=days)


@task()
def followup_draw_task() -> int:
    """Draw last month's follow-up sample once the month is over (once a month; harmless repeats)."""
    from datetime import timedelta

    from django.utils import timezone

    from minsheng.core.errors import Conflict, ValidationFailed

    from .models import FollowUpSample
    from .services.followup import followup_draw, followup_population

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    if FollowUpSample.objects.filter(month=last_month).exists():
        return 0
    population = len(followup_population(month=last_month))
    if not population:
        return 0
    size = min(population, max(FOLLOWUP_SAMPLE_MIN, round(population * FOLLOWUP_SAMPLE_RATE)))
    try:
        return followup_draw(month=last_month, size=size).size
    except (Conflict, ValidationFailed):
        return 0


@task()
def settlement_run_task() -> dict | None:
    """Settle last month for every provider, early each month (services.settlement)."""
    from .services.settlement import settlement_run_due

    return settlement_run_due()


SETTLEMENT_EVERY = 24 * 60 * 60  # daily; it acts in a month's first days only

PERIODIC = [
    PeriodicTask("elderly_care.settlement_run", settlement_run_task, SETTLEMENT_EVERY),
    PeriodicTask("elderly_care.alarms_escalate", alarms_escalate_task, ALARMS_ESCALATE_EVERY),
    PeriodicTask(
        "elderly_care.devices_flag_offline", devices_flag_offline_task, DEVICES_OFFLINE_EVERY
    ),
    PeriodicTask("elderly_care.rollup_refresh", rollup_refresh_task, ROLLUP_REFRESH_EVERY),
    PeriodicTask("elderly_care.anomalies_detect", anomalies_detect_task, ANOMALIES_DETECT_EVERY),
    PeriodicTask("elderly_care.orders_generate", orders_generate_task, ORDERS_GENERATE_EVERY),
    PeriodicTask("elderly_care.followup_draw", followup_draw_task, FOLLOWUP_DRAW_EVERY),
]
