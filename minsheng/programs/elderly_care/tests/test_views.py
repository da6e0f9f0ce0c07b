"""Pages through HTTP: the caregiver's visit page, scoping, statements, dashboard."""

from datetime import date
from decimal import Decimal

import pytest

from minsheng.access.models import Organisation

from ..models import OrderStatus, SettlementStatement, WorkOrder
from ..services import orders
from ..services.settlement import rollup_refresh
from . import factories as f

pytestmark = pytest.mark.django_db
NEAR = (f.HOME[0] + 0.0003, f.HOME[1])


@pytest.fixture
def order():
    org = f.provider()
    cg = f.caregiver(org)
    return orders.order_create(
        elder=f.elder(),
        provider=org,
        service=f.services()["cleaning"],
        planned_start=f.at(2026, 3, 10, 9),
        caregiver=cg,
    )


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


def test_check_in_by_api_and_second_attempt_is_409(client, order):
    client.force_login(order.caregiver.user)
    url = f"/api/v1/elderly_care/orders/{order.pk}/check-in"
    ok = client.post(url, {"lat": NEAR[0], "lon": NEAR[1]}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    again = client.post(url, {"lat": NEAR[0], "lon": NEAR[1]}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "state_changed"


def test_statement_pages_are_scoped_to_the_provider_and_export(client, order):
    order.status, order.amount = OrderStatus.VERIFIED, Decimal("35")
    order.save()
    import time_machine

    from ..services.settlement import settlement_run

    with time_machine.travel(f.at(2026, 4, 2, 9), tick=False):
        settlement_run(month=date(2026, 3, 1))
    st = SettlementStatement.objects.get()
    county = f.regions()[1]
    admin = f.grant(f.user("机构管理员"), "provider_admin", order.provider, county)
    stranger_org = Organisation.objects.create(name="别家", kind="provider", region=county)
    stranger = f.grant(f.user("别家管理员"), "provider_admin", stranger_org, county)
    client.force_login(stranger)
    assert client.get(f"/p/elderly_care/statements/{st.pk}/").status_code == 404
    client.force_login(admin)
    assert client.get(f"/p/elderly_care/statements/{st.pk}/").status_code == 200
    xlsx = client.get(f"/p/elderly_care/statements/{st.pk}/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    client.post(f"/p/elderly_care/statements/{st.pk}/act/", {"action": "confirm"})
    st.refresh_from_db()
    assert st.status == "confirmed"
    client.post(
        f"/p/elderly_care/statements/{st.pk}/act/", {"action": "approve"}
    )  # not the provider's step
    st.refresh_from_db()
    assert st.status == "confirmed"


def test_dashboard_reads_the_rollup(client, order):
    WorkOrder.objects.filter(pk=order.pk).update(
        status=OrderStatus.VERIFIED, amount=Decimal("35"), minutes_served=60
    )
    rollup_refresh(start=date(2026, 3, 1), end=date(2026, 3, 31))
    bureau = Organisation.objects.create(
        name="连云港市民政局", kind="department", region=f.regions()[0]
    )
    officer = f.grant(f.user("民政"), "civil_affairs_officer", bureau, f.regions()[0])
    client.force_login(officer)
    page = client.get("/p/elderly_care/dashboard/?start=2026-03-01&end=2026-03-31")
    assert page.status_code == 200
    assert page.context["d"]["total"]["spend"] == Decimal("35")
    assert page.context["d"]["by_district"][0]["district_id"] == "320706"
