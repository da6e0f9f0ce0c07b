"""Races with real threads on PostgreSQL: bookings for one elder at once (the elder's row is
locked), so one slot is booked once and the entitlement is never overdrawn by booking."""

import threading
from datetime import date, time
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection

from minsheng.core.errors import DomainError

from ..models import ServiceEntitlement, WorkOrder
from ..services.booking import visit_book
from . import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.IS_POSTGRES,
        reason="row locks need PostgreSQL; runs in the PostgreSQL CI pass",
    ),
]


def _race(n, fn):
    barrier = threading.Barrier(n)
    outcomes: list[str] = []

    def run(i):
        try:
            barrier.wait()
            fn(i)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(str(exc.code))
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
@pytest.mark.parametrize("same_slot", [True, False])
def test_four_simultaneous_bookings_book_one_slot_once_and_never_overdraw(same_slot):
    provider, elder = f.provider(), f.elder()
    ServiceEntitlement.objects.create(elder=elder, month=date(2026, 3, 1), unit="yuan", amount=Decimal("40"))
    cleaning = f.services()["cleaning"]  # ¥35 an hour: the entitlement pays for one
    with time_machine.travel("2026-03-10 11:00 +08:00", tick=False):
        outcomes = _race(4, lambda i: visit_book(
            elder=elder, provider_id=provider.pk, service=cleaning, day=date(2026, 3, 11),
            slot=time(9 if same_slot else 9 + 2 * i), actor=None,
        ))
    assert outcomes == ["conflict"] * 3 + ["ok"] if same_slot else outcomes == ["invalid"] * 3 + ["ok"]
    assert WorkOrder.objects.filter(elder=elder).count() == 1
