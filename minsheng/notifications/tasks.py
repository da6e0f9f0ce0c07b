from django_tasks import task


@task(queue_name="notifications")
def notification_deliver_task(delivery_id: int) -> str:
    from .services import notification_deliver

    return notification_deliver(delivery_id=delivery_id)


@task(queue_name="notifications")
def notification_retry_due_task() -> int:
    from .services import notification_retry_due

    return notification_retry_due()
