"""Background work: recompute the 15-minute circle when service points change."""

from django_tasks import task


@task(queue_name="default")
def coverage_recompute(trigger: str = "") -> int:
    from .coverage import coverage_recompute as recompute

    return recompute(trigger=trigger).pk


@task(queue_name="default")
def appointments_close_day() -> int:
    from .services import appointments_mark_no_show

    return appointments_mark_no_show()


@task(queue_name="default")
def windows_release_out_of_scope() -> int:
    from .services import windows_release_out_of_scope as release

    return release()
