"""/api/v1/elderly_care/ — the caregiver's check-in and check-out (the device webhook is in
test_alarms.py)."""

import pytest

from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])


def test_check_in_by_api_and_second_attempt_is_409(client, order):
    client.force_login(order.caregiver.user)
    url = f"/api/v1/elderly_care/orders/{order.pk}/check-in"
    ok = client.post(url, {"lat": NEAR[0], "lon": NEAR[1]}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    again = client.post(url, {"lat": NEAR[0], "lon": NEAR[1]}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "state_changed"
