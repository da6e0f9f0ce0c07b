"""Query budget of the caregiver's check-in and check-out (issue 18): at most 8 statements for
the request a caregiver's phone makes at the elder's door, by the page and by the API, on
SQLite and PostgreSQL. Measured cold (empty cache), the worst case.

The statements, in order, and why each is there:

  by the platform, before the view (absent when the per-user cache already holds them):
    1. SELECT django_session          the signed-in session (SessionMiddleware)
    2. SELECT identity_user           the signed-in account (AuthenticationMiddleware / API auth)
    3. SELECT access_roleassignment   the caregiver role that @staff checks (page only)
  by the service (services/visits.py), the same for the page and the API:
    4. BEGIN (SAVEPOINT in a test)    the step is one transaction
    5. SELECT elderly_care_workorder  FOR UPDATE on PostgreSQL: locks the caregiver's own order —
                                      ownership is in the WHERE, so there is no separate gate
                                      read — joined to the elder (home position for the
                                      distance, name for the audit label) and the service
    6. UPDATE elderly_care_workorder  check-in (or check-out) time, position, distance, status
    7. INSERT audit_auditevent        the audit entry, in the same transaction
    8. COMMIT (RELEASE in a test)

Page: 8 cold, 5 warm. API: 7 cold (no role read), 5 warm.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ..models import OrderStatus, WorkOrder
from ..services import visits
from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])
BUDGET = 8
PLATFORM = ["select django_session", "select identity_user", "select access_roleassignment"]
SERVICE = [
    "begin",
    "select elderly_care_workorder",
    "update elderly_care_workorder",
    "insert audit_auditevent",
    "commit",
]


def _kind(sql: str) -> str:
    """A statement as 'verb table' (transaction control as begin/commit)."""
    words = sql.replace('"', "").split()
    verb = words[0].upper()
    if verb in ("BEGIN", "SAVEPOINT"):
        return "begin"
    if verb in ("COMMIT", "RELEASE"):
        return "commit"
    table = (
        words[words.index("FROM") + 1] if verb == "SELECT" else words[1 if verb == "UPDATE" else 2]
    )
    return f"{verb.lower()} {table}"


def _post(client, way: str, order_id: int, step: str):
    if way == "page":
        return client.post(
            f"/p/elderly_care/caregiver/visits/{order_id}/",
            {"action": step, "lat": NEAR[0], "lon": NEAR[1]},
        )
    return client.post(
        f"/api/v1/elderly_care/orders/{order_id}/{step.replace('_', '-')}",
        {"lat": NEAR[0], "lon": NEAR[1]},
        content_type="application/json",
    )


@pytest.mark.parametrize("way", ["page", "api"])
@pytest.mark.parametrize("step", ["check_in", "check_out"])
def test_check_in_and_out_stay_within_eight_statements(
    client, order, way, step, django_assert_max_num_queries
):
    user = order.caregiver.user
    if step == "check_out":  # an hour ago: a full visit (a short one also writes its anomaly)
        visits.visit_check_in(order_id=order.pk, user=user, lat=NEAR[0], lon=NEAR[1],
                              at=timezone.now() - timedelta(minutes=61))
    client.force_login(user)
    cache.clear()
    with django_assert_max_num_queries(BUDGET), CaptureQueriesContext(connection) as ctx:
        response = _post(client, way, order.pk, step)
    assert response.status_code == (302 if way == "page" else 200)
    kinds = [_kind(q["sql"]) for q in ctx.captured_queries]
    assert [k for k in kinds if k not in PLATFORM] == SERVICE, kinds
    expected_platform = PLATFORM if way == "page" else PLATFORM[:2]
    assert [k for k in kinds if k in PLATFORM] == expected_platform, kinds
    lock = next(q["sql"] for q in ctx.captured_queries if "elderly_care_workorder" in q["sql"])
    assert ("FOR UPDATE" in lock) == connection.features.has_select_for_update
    order.refresh_from_db()
    want = OrderStatus.IN_PROGRESS if step == "check_in" else OrderStatus.AWAITING
    assert order.status == want


@pytest.mark.parametrize("way", ["page", "api"])
def test_check_in_of_another_caregivers_visit_is_not_found_within_the_budget(
    client, order, way, django_assert_max_num_queries
):
    other = f.caregiver(order.provider, name="王护理")
    client.force_login(other.user)
    cache.clear()
    with django_assert_max_num_queries(BUDGET):
        response = _post(client, way, order.pk, "check_in")
    assert response.status_code == 404
    assert WorkOrder.objects.get(pk=order.pk).checked_in_at is None
