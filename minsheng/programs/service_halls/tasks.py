"""Background work: recompute the 15-minute circle when service points change; close the
day's unused appointments; release windows whose clerk lost the assignment."""

from django_tasks import task

from minsheng.core.periodic import PeriodicTask


@task(queue_name="default")
def coverage_recompute(trigger: str = "") -> int:
    from .services.coverage import coverage_recompute as recompute

    return recompute(trigger=trigger).pk


@task(queue_name="default")
def appointments_close_day() -> int:
    from .services.appointments import appointments_mark_no_show

    return appointments_mark_no_show()


@task(queue_name="default")
def windows_release_out_of_scope() -> int:
    from .services.windows import windows_release_out_of_scope as release

    return release()


PERIODIC = [
    # Booked appointments whose slot ended become no-shows (the no-show rate counts them).
    PeriodicTask("service_halls.appointments_close", appointments_close_day, every_seconds=900),
    # Clerks whose assignment lapsed by date are signed off their windows.
    PeriodicTask("service_halls.windows_release", windows_release_out_of_scope, every_seconds=300),
]
