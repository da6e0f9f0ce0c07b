"""Sending notifications: the inbox row now, other channels after commit, retried."""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from minsheng.identity.crypto import keyed_hash

from . import templates
from .channels import get_channel
from .models import Delivery, DeliveryState, Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = settings.NOTIFICATION_MAX_ATTEMPTS
BACKOFF_SECONDS = settings.NOTIFICATION_BACKOFF_SECONDS
BACKOFF_CAP_SECONDS = 6 * 60 * 60
# How long a worker owns a delivery it claimed before another may take it over.
CLAIM_SECONDS = 5 * 60


def _split_recipient(recipient):
    from minsheng.identity.models import Person

    if isinstance(recipient, Person):
        return recipient.user, recipient
    try:
        person = recipient.person
    except Person.DoesNotExist:
        person = None
    return recipient, person


def notification_send(
    *,
    recipient,
    template: str,
    context: dict,
    dedupe_key: str,
    channels: Sequence[str] | None = None,
) -> Notification:
    """Put a message in the recipient's inbox and queue its other channels after commit.

    ``recipient`` is a User or a Person (a person without an account gets the
    inbox row and any channel that needs no account, such as SMS to their
    phone). Idempotent: a second call with the same ``dedupe_key`` returns the
    first notification and sends nothing. A channel failing later never rolls
    back the caller's transaction; it is retried with backoff.
    """
    existing = Notification.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing
    tpl = templates.get(template)
    user, person = _split_recipient(recipient)
    context = {k: v if isinstance(v, (int, float, bool)) or v is None else str(v) for k, v in context.items()}
    codes = [c for c in (channels if channels is not None else tpl.channels) if c != "inbox"]
    now = timezone.now()
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user,
                person=person,
                template=template,
                title=templates.render(tpl.title, context, code=template)[:200],
                body=templates.render(tpl.body, context, code=template),
                context=context,
                dedupe_key=dedupe_key,
            )
            pending = []
            for code in dict.fromkeys(codes):
                channel = get_channel(code)
                address = "" if channel.needs_account and user is None else channel.address_for(notification)
                delivery = Delivery(
                    notification=notification,
                    channel=code,
                    address=address,
                    address_hash=keyed_hash(address) if address else "",
                )
                if not address:
                    delivery.state = DeliveryState.SKIPPED
                    delivery.last_error = "no account" if channel.needs_account and user is None else "no address"
                else:
                    delivery.next_attempt_at = now
                pending.append(delivery)
            Delivery.objects.bulk_create(pending)
    except IntegrityError:
        # The same dedupe_key won a race with us: theirs is the message.
        return Notification.objects.get(dedupe_key=dedupe_key)
    ids = [d.pk for d in Delivery.objects.filter(notification=notification, state=DeliveryState.PENDING)]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return notification


def _enqueue(delivery_ids: list[int]) -> None:
    from .tasks import notification_deliver_task

    for pk in delivery_ids:
        notification_deliver_task.enqueue(pk)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after the n-th failed attempt, at most 6 hours."""
    return timedelta(seconds=min(BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def notification_deliver(*, delivery_id: int, now: datetime | None = None) -> str:
    """Try one delivery once. Returns its state afterwards.

    The delivery is claimed with a conditional UPDATE, so two workers (or a
    retry sweep racing the first attempt) never send the same message twice
    at once; the send itself happens outside any transaction.
    """
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
    delivery = Delivery.objects.select_related(
        "notification", "notification__recipient", "notification__person"
    ).get(pk=delivery_id)
    if not claimed:
        return delivery.state
    try:
        get_channel(delivery.channel).send(delivery.notification, delivery.address)
    except Exception as exc:  # noqa: BLE001 - any gateway failure is recorded and retried
        logger.warning("notification delivery %s via %s failed: %s", delivery.pk, delivery.channel, exc)
        gave_up = delivery.attempts >= MAX_ATTEMPTS
        delivery.state = DeliveryState.FAILED if gave_up else DeliveryState.PENDING
        delivery.next_attempt_at = None if gave_up else now + backoff(delivery.attempts)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        delivery.save(update_fields=["state", "next_attempt_at", "last_error"])
        return delivery.state
    delivery.state = DeliveryState.SENT
    delivery.sent_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.last_error = ""
    delivery.save(update_fields=["state", "sent_at", "next_attempt_at", "last_error"])
    return delivery.state


def notification_retry_due(now: datetime | None = None) -> int:
    """Queue every delivery whose next attempt is due; the periodic runner calls this.

    Returns how many were queued.
    """
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
    _enqueue(ids)
    return len(ids)


def delivery_retry_now(*, delivery_ids: Sequence[int], now: datetime | None = None) -> int:
    """Staff send failed or waiting deliveries again now (one more attempt each). Returns how many."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            pk__in=list(delivery_ids), state__in=[DeliveryState.FAILED, DeliveryState.PENDING]
        ).values_list("pk", flat=True)
    )
    Delivery.objects.filter(pk__in=ids).update(state=DeliveryState.PENDING, next_attempt_at=now)
    transaction.on_commit(lambda: _enqueue(ids))
    return len(ids)


def notification_mark_read(*, user, notification_ids: Sequence[int] | None = None) -> int:
    """Mark the user's notifications read (all unread when ``notification_ids`` is None)."""
    from .selectors import notifications_for

    qs = notifications_for(user=user).filter(read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return Notification.objects.filter(pk__in=qs.values("pk")).update(read_at=timezone.now())


