from django_tasks import task


@task()
def entitlements_apply_task(run_id: int) -> int:
    from .models import EntitlementRun
    from .services.registry import entitlements_apply

    run = EntitlementRun.objects.get(pk=run_id)
    entitlements_apply(month=run.month, actor=run.requested_by, run=run)
    return run.pk


@task()
def alarms_escalate_task() -> int:
    from .services.safety import alarms_escalate, devices_flag_offline

    devices_flag_offline()
    return alarms_escalate()


@task()
def rollup_refresh_task(days: int = 2) -> int:
    from datetime import timedelta

    from django.utils import timezone

    from .services.settlement import rollup_refresh

    today = timezone.localdate()
    return rollup_refresh(start=today - timedelta(days=days), end=today)
