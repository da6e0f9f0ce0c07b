"""The caregiver's phone pages through HTTP (views/caregiver.py): check-in, refusals, scoping."""

import pytest

from ..models import OrderStatus
from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])


def test_caregiver_checks_in_by_the_page_and_a_second_check_in_shows_a_message(client, order):
    client.force_login(order.caregiver.user)
    url = f"/p/elderly_care/caregiver/visits/{order.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"action": "check_in", "lat": NEAR[0], "lon": NEAR[1]})
    order.refresh_from_db()
    first = order.checked_in_at
    assert order.status == OrderStatus.IN_PROGRESS
    page = client.post(url, {"action": "check_in", "lat": 0, "lon": 0}, follow=True)
    assert page.status_code == 200
    shown = [m for m in page.context["messages"] if m.level_tag == "error"]
    assert len(shown) == 1 and "already" in str(shown[0]) or "已" in str(shown[0])
    order.refresh_from_db()
    assert order.checked_in_at == first


def test_check_out_before_check_in_shows_the_reason_and_changes_nothing(client, order):
    client.force_login(order.caregiver.user)
    url = f"/p/elderly_care/caregiver/visits/{order.pk}/"
    page = client.post(url, {"action": "check_out", "lat": NEAR[0], "lon": NEAR[1]}, follow=True)
    assert [str(m) for m in page.context["messages"]]
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPATCHED


def test_another_caregiver_gets_404_for_the_visit(client, order):
    other = f.caregiver(order.provider, name="王护理")
    client.force_login(other.user)
    assert client.get(f"/p/elderly_care/caregiver/visits/{order.pk}/").status_code == 404
