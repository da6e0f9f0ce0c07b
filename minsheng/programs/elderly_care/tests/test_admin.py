"""The city-wide reference data in /admin/: a change made there writes the audit trail."""

import json

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.identity.models import User

from ..models import DeviceVendor, ServiceItem
from . import factories as f

pytestmark = pytest.mark.django_db


def test_changing_a_service_item_in_the_admin_writes_an_audit_entry_with_old_and_new(client):
    item = ServiceItem.objects.get(pk=f.services()["cleaning"].pk)
    root = User.objects.create_superuser("root", "pw", name="管理员")
    client.force_login(root)
    url = f"/admin/elderly_care/serviceitem/{item.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "code": item.code,
            "title": item.title,
            "unit": item.unit,
            "default_price": "38.00",
            "default_minutes": item.default_minutes,
            "checklist": json.dumps(item.checklist, ensure_ascii=False),
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert str(ServiceItem.objects.get(pk=item.pk).default_price) == "38.00"
    entry = AuditEvent.objects.get(event_type="admin.elderly_care.serviceitem.change")
    assert entry.actor == root and entry.target_id == str(item.pk)
    assert entry.old_values["default_price"] == str(item.default_price)
    assert entry.new_values["default_price"] == "38.00"


def test_the_vendor_form_leaves_the_signing_secret_out_of_the_form_and_the_trail(client):
    vendor = DeviceVendor.objects.create(code="acme", name="Acme", secret="vendor-secret")
    root = User.objects.create_superuser("root", "pw", name="管理员")
    client.force_login(root)
    url = f"/admin/elderly_care/devicevendor/{vendor.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and b"vendor-secret" not in page.content
    response = client.post(url, {"code": "acme", "name": "Acme 燃气"})
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.name == "Acme 燃气" and vendor.secret == "vendor-secret"
    entry = AuditEvent.objects.get(event_type="admin.elderly_care.devicevendor.change")
    assert "secret" not in json.dumps([entry.old_values, entry.new_values])
