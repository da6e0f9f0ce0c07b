"""Work orders: the contract price, an order on request, the recurring schedules' planned
orders, and dispatch to a caregiver."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed

from ..models import (
    Caregiver,
    CareSchedule,
    ContractPrice,
    ContractStatus,
    Elder,
    OrderStatus,
    ServiceItem,
    WorkOrder,
)


def contract_price(*, provider_id: int, region, service: ServiceItem, on: date) -> Decimal | None:
    """The unit price in the provider's contract covering ``region`` on ``on`` (most local wins).

    Only a contract in force of a provider not suspended prices a visit."""
    prefixes = [region.prefix[:n] for n in (2, 4, 6, 9, 12) if len(region.prefix) >= n]
    rows = (
        ContractPrice.objects.filter(
            contract__provider_id=provider_id,
            contract__region__prefix__in=prefixes,
            contract__valid_from__lte=on,
            contract__valid_to__gte=on,
            contract__status=ContractStatus.ACTIVE,
            contract__provider__is_active=True,
            service=service,
        )
        .order_by("-contract__region__prefix")
        .values_list("price", flat=True)
    )
    return next(iter(rows), None)


def order_create(
    *,
    elder: Elder,
    provider,
    service: ServiceItem,
    planned_start: datetime,
    planned_minutes: int | None = None,
    caregiver: Caregiver | None = None,
    on_request: bool = False,
    actor=None,
) -> WorkOrder:
    """A work order on request (or one planned visit); dispatched when a caregiver is named."""
    if (
        contract_price(
            provider_id=provider.pk,
            region=elder.region,
            service=service,
            on=timezone.localdate(planned_start),
        )
        is None
    ):
        raise ValidationFailed.for_field(
            "provider",
            _(
                "This provider has no contract price for this service where the elder lives. Choose another provider."
            ),
        )
    if caregiver is not None and caregiver.provider_id != provider.pk:
        raise ValidationFailed.for_field(
            "caregiver", _("Choose a caregiver who works for this provider.")
        )
    with transaction.atomic():
        order = WorkOrder.objects.create(
            elder=elder,
            region_id=elder.region_id,
            provider=provider,
            service=service,
            caregiver=caregiver,
            on_request=on_request,
            planned_start=planned_start,
            planned_minutes=planned_minutes or service.default_minutes,
            status=OrderStatus.DISPATCHED if caregiver else OrderStatus.PLANNED,
        )
        audit_record(
            event_type="elderly_care.order_create",
            actor=actor,
            target=order,
            new={"status": order.status, "on_request": on_request},
        )
    return order


def schedule_generate_orders(*, start: date, days: int = 7) -> int:
    """Create the planned work orders of every active schedule for ``days`` days from ``start``.

    Idempotent: a (schedule, start time) already planned is skipped.
    """
    end = start + timedelta(days=days)
    created = 0
    tz = timezone.get_current_timezone()
    schedules = (
        CareSchedule.objects.filter(is_active=True, valid_from__lt=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .select_related("elder")
    )
    for sched in schedules:
        existing = set(
            WorkOrder.objects.filter(
                schedule=sched, planned_start__date__gte=start, planned_start__date__lt=end
            ).values_list("planned_start", flat=True)
        )
        batch = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            if day < sched.valid_from or (sched.valid_to and day > sched.valid_to):
                continue
            if day.isoweekday() not in sched.weekdays:
                continue
            at = datetime.combine(day, sched.start_time, tzinfo=tz)
            if at in existing:
                continue
            batch.append(
                WorkOrder(
                    elder=sched.elder,
                    region_id=sched.elder.region_id,
                    provider_id=sched.provider_id,
                    caregiver_id=sched.caregiver_id,
                    service_id=sched.service_id,
                    schedule=sched,
                    planned_start=at,
                    planned_minutes=sched.minutes,
                    status=OrderStatus.DISPATCHED if sched.caregiver_id else OrderStatus.PLANNED,
                )
            )
        WorkOrder.objects.bulk_create(batch)
        created += len(batch)
    return created


def order_dispatch(*, order: WorkOrder, caregiver: Caregiver, actor) -> WorkOrder:
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in (OrderStatus.PLANNED, OrderStatus.DISPATCHED):
            raise Conflict(
                _("This visit has already started and can no longer be reassigned."),
                code="state_changed",
            )
        if caregiver.provider_id != order.provider_id or not caregiver.is_active:
            raise ValidationFailed.for_field(
                "caregiver", _("Choose an active caregiver who works for this provider.")
            )
        old = order.caregiver_id
        order.caregiver, order.status = caregiver, OrderStatus.DISPATCHED
        order.save(update_fields=["caregiver", "status", "updated_at"])
        audit_record(
            event_type="elderly_care.order_dispatch",
            actor=actor,
            target=order,
            old={"caregiver": old},
            new={"caregiver": caregiver.pk},
        )
    return order
