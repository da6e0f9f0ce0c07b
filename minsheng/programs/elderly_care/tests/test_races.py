"""Races with real threads on PostgreSQL: one check-in wins; a doubled settlement run pays once."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.core.errors import Conflict

from ..models import OrderStatus, SettlementStatement, WorkOrder
from ..services import orders, visits
from ..services.settlement import settlement_run
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass",
    ),
]
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])


def _race(n, fn):
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i):
        try:
            barrier.wait()
            fn(i)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_check_ins_for_one_work_order_let_exactly_one_succeed():
    org = f.provider()
    cg = f.caregiver(org)
    order = orders.order_create(
        elder=f.elder(),
        provider=org,
        service=f.services()["cleaning"],
        planned_start=f.at(2026, 3, 10, 9),
        caregiver=cg,
    )

    def check_in(i):
        visits.visit_check_in(
            order_id=order.pk,
            user=cg.user,
            lat=NEAR[0] + i * 0.0001,
            lon=NEAR[1],
        )

    assert _race(2, check_in) == ["conflict", "ok"]
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PROGRESS and order.checked_in_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_settlement_runs_make_one_statement_and_pay_each_visit_once():
    org = f.provider()
    elder = f.elder()
    for day in (2, 3, 4):
        start = f.at(2026, 3, day, 9)
        WorkOrder.objects.create(
            elder=elder,
            region_id=elder.region_id,
            provider=org,
            service=f.services()["cleaning"],
            planned_start=start,
            planned_minutes=60,
            status=OrderStatus.VERIFIED,
            checked_in_at=start,
            checked_out_at=start + timedelta(hours=1),
            unit_price=Decimal("50"),
            quantity=1,
            amount=Decimal("50"),
        )
    with time_machine.travel(f.at(2026, 4, 3, 10), tick=False):
        outcomes = _race(2, lambda i: settlement_run(month=date(2026, 3, 1), provider_ids=[org.pk]))
    assert outcomes == ["ok", "ok"]
    statement = SettlementStatement.objects.get(provider=org)
    assert statement.visits == 3
    assert WorkOrder.objects.filter(statement=statement).count() == 3
    assert statement.gross == Decimal("150")
