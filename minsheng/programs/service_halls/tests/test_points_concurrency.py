"""Managers racing on PostgreSQL: a prefix letter, a window number and a zone
name are taken once; closed days and slots added twice at once are not doubled.
The losers get a sentence, never a server error."""

from datetime import date, time

import pytest
from django.conf import settings

from minsheng.core.errors import DomainError

from ..models import AppointmentSlot, BusinessType, Closure, Window, Zone
from ..services.business_types import business_type_create
from ..services.points import window_create, zone_create
from ..services.schedule import closures_add, slots_create_range
from . import factories as f
from .test_concurrency import run_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="races need PostgreSQL's concurrent writers; runs in the PostgreSQL CI pass"
    ),
]
N = 6


def _only_refusals(errors) -> None:
    assert all(isinstance(e, DomainError) for e in errors), errors


def test_one_prefix_letter_one_business():
    errors = run_threads(N, lambda i: business_type_create(code=f"race-{i}", name=f"业务{i}", prefix="Q",
                                                              typical_minutes=10))
    _only_refusals(errors)
    assert BusinessType.objects.filter(prefix="Q").count() == 1 and len(errors) == N - 1


def test_one_window_number_one_window_and_one_zone_name():
    p = f.point()
    biz = list(p.business_types.all())
    errors = run_threads(N, lambda i: window_create(point=p, number=5, business_types=biz))
    _only_refusals(errors)
    assert Window.objects.filter(point=p, number=5).count() == 1 and len(errors) == N - 1
    errors = run_threads(N, lambda i: zone_create(point=p, kind="waiting", name="等候区"))
    _only_refusals(errors)
    assert Zone.objects.filter(point=p).count() == 1


def test_closed_days_and_slots_added_at_once_are_not_doubled(time_machine):
    time_machine.move_to(date(2026, 3, 2))
    p = f.point()
    biz = p.business_types.first()
    errors = run_threads(N, lambda i: closures_add(point=p, date_from=date(2026, 3, 10),
                                                      date_to=date(2026, 3, 12)))
    _only_refusals(errors)
    assert Closure.objects.filter(point=p).count() == 3
    errors = run_threads(N, lambda i: slots_create_range(
        point=p, business_type=biz, date_from=date(2026, 3, 3), date_to=date(2026, 3, 4),
        start=time(9, 0), end=time(11, 0)))
    _only_refusals(errors)
    assert AppointmentSlot.objects.filter(point=p).count() == 8
