"""Fixtures shared by the visit tests."""

from decimal import Decimal

import pytest

from ..services import orders
from . import factories as f


@pytest.fixture
def setup():
    """A cleaning visit dispatched to a caregiver of a provider with a contract price: (order, caregiver)."""
    org = f.provider(prices={"cleaning": Decimal("40.00")})
    cg = f.caregiver(org)
    elder = f.elder()
    items = f.services()
    order = orders.order_create(
        elder=elder,
        provider=org,
        service=items["cleaning"],
        planned_start=f.at(2026, 3, 10, 9),
        caregiver=cg,
    )
    return order, cg


@pytest.fixture
def order():
    """A cleaning visit dispatched to a caregiver (the provider has the default prices)."""
    org = f.provider()
    cg = f.caregiver(org)
    return orders.order_create(
        elder=f.elder(),
        provider=org,
        service=f.services()["cleaning"],
        planned_start=f.at(2026, 3, 10, 9),
        caregiver=cg,
    )
