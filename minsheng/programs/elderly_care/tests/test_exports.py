"""The staff lists download with the page's scope and filters (minsheng.imports.exports)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from minsheng.audit.models import AuditEvent

from ..models import OrderStatus, WorkOrder
from ..services import orders
from . import factories as f

pytestmark = pytest.mark.django_db
P = "/p/elderly_care"


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_a_provider_downloads_its_own_orders_filtered_as_on_the_page(client, order):
    other = f.provider(name="东海颐养服务中心")
    orders.order_create(elder=f.elder(name="王秀兰", family_phone="13912340000"), provider=other,
                        service=f.services()["cleaning"], planned_start=f.at(2026, 3, 11, 9))
    city, county, *_ = f.regions()
    admin = f.grant(f.user("机构管理员"), "provider_admin", order.provider, county)
    client.force_login(admin)
    rows = _rows(client.get(f"{P}/orders/", {"export": "csv"}))
    assert [r[0] for r in rows[1:]] == [str(order.pk)]  # not the other provider's order
    assert rows[1][2] == order.elder.person.name
    WorkOrder.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    assert len(_rows(client.get(f"{P}/orders/", {"status": "planned", "export": "csv"}))) == 1
    book = load_workbook(io.BytesIO(client.get(f"{P}/orders/", {"export": "xlsx"}).content))
    assert book.active.max_row == 2
    audit = AuditEvent.objects.filter(event_type="exports.download", actor=admin).order_by("pk")
    assert [e.target_id.rsplit(":", 1)[1] for e in audit] == ["ORDERS"] * 3
    assert audit[1].new_values["filters"] == {"status": "planned"}


def test_the_civil_affairs_supervisor_downloads_elders_and_statements(client, order):
    city, county, *_ = f.regions()
    supervisor = f.grant(f.user("科长"), "supervisor", f.civil_affairs(), county)
    client.force_login(supervisor)
    page = client.get(f"{P}/elders/")
    assert page.status_code == 200 and 'data-test="export-csv"' in page.content.decode()
    rows = _rows(client.get(f"{P}/elders/", {"export": "csv"}))
    assert [r[0] for r in rows[1:]] == [order.elder.person.name]
    assert client.get(f"{P}/statements/", {"export": "xlsx"}).status_code == 200


@pytest.mark.parametrize("path", ["alarms/", "applications/", "applications/?state=all", "followups/",
                                  "rectifications/", "retrofits/", "anomalies/", "rules/"])
def test_every_officers_list_downloads_as_csv_and_excel_with_an_audit_entry(client, path):
    city, county, *_ = f.regions()
    officer = f.grant(f.user("民政专干"), "civil_affairs_officer", f.civil_affairs(), county)
    client.force_login(officer)
    page = client.get(f"{P}/{path}")
    assert page.status_code == 200 and 'data-test="export-xlsx"' in page.content.decode()
    joiner = "&" if "?" in path else "?"
    rows = _rows(client.get(f"{P}/{path}{joiner}export=csv"))
    assert len(rows) >= 1 and all(rows[0])  # a header of named columns
    book = load_workbook(io.BytesIO(client.get(f"{P}/{path}{joiner}export=xlsx").content))
    assert book.active.max_row >= 1
    assert AuditEvent.objects.filter(event_type="exports.download", actor=officer).count() == 2


def test_the_alarm_download_holds_the_officers_open_alarms_only(client):
    from ..models import AlarmEvent
    from . import setup_factories as sf

    hz, ly = sf.district(), sf.district("lianyun")
    device = sf.device(f.elder())
    AlarmEvent.objects.create(device=device, elder=device.elder, region_id=device.region_id,
                              raised_at=f.at(2026, 3, 1, 8))
    client.force_login(hz.officer)
    assert len(_rows(client.get(f"{P}/alarms/", {"export": "csv"}))) == 2
    client.force_login(ly.officer)
    assert len(_rows(client.get(f"{P}/alarms/", {"export": "csv"}))) == 1  # the header only


def test_a_caregiver_downloads_the_visits_of_the_day(client):
    from django.utils import timezone

    from ..services import orders as order_services

    org = f.provider()
    cg = f.caregiver(org)
    order_services.order_create(elder=f.elder(), provider=org, service=f.services()["cleaning"],
                                planned_start=timezone.now(), caregiver=cg)
    client.force_login(cg.user)
    assert 'data-test="export-csv"' in client.get(f"{P}/caregiver/").content.decode()
    rows = _rows(client.get(f"{P}/caregiver/", {"export": "csv"}))
    assert len(rows) == 2 and rows[1][1] == "张桂英"
