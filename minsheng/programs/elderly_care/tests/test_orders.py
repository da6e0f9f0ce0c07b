"""Work orders: the recurring schedules' planned orders (services/orders.py)."""

import pytest

from ..models import OrderStatus, WorkOrder
from ..services import orders

pytestmark = pytest.mark.django_db


def test_planned_orders_come_from_recurring_schedules_once(setup):
    order, cg = setup
    from datetime import date, time

    from ..models import CareSchedule

    CareSchedule.objects.create(
        elder=order.elder,
        provider=order.provider,
        caregiver=cg,
        service=order.service,
        weekdays=[1, 3, 5],
        start_time=time(14, 0),
        minutes=60,
        valid_from=date(2026, 3, 1),
    )
    assert orders.schedule_generate_orders(start=date(2026, 3, 16), days=7) == 3
    assert orders.schedule_generate_orders(start=date(2026, 3, 16), days=7) == 0
    assert (
        WorkOrder.objects.filter(schedule__isnull=False, status=OrderStatus.DISPATCHED).count() == 3
    )
