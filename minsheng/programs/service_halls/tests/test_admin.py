"""The city-wide reference data in /admin/: a change writes the audit trail."""

import pytest

from minsheng.audit.models import AuditEvent
from minsheng.identity.models import User

from ..models import BusinessType
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    root = User.objects.create_superuser("root-halls", "x-secret-123", name="管理员")
    client.force_login(root)
    return client, root


def test_a_business_type_changed_in_the_admin_writes_an_audit_entry(admin_client):
    client, root = admin_client
    biz = f.business("Q")
    url = f"/admin/service_halls/businesstype/{biz.pk}/change/"
    assert client.get(url).status_code == 200
    r = client.post(url, {"code": biz.code, "name": "异地就医备案", "prefix": "Q", "typical_minutes": 12,
                          "order": biz.order, "is_active": "on"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert BusinessType.objects.get(pk=biz.pk).typical_minutes == 12
    entry = AuditEvent.objects.get(event_type="admin.service_halls.businesstype.change")
    assert entry.actor_id == root.pk and entry.target_id == str(biz.pk)
    assert entry.new_values["typical_minutes"] == 12 and entry.new_values["name"] == "异地就医备案"


def test_the_admin_refuses_a_ticket_letter_that_is_not_one_capital(admin_client):
    client, _root = admin_client
    biz = f.business("R")
    r = client.post(f"/admin/service_halls/businesstype/{biz.pk}/change/", {
        "code": biz.code, "name": biz.name, "prefix": "7", "typical_minutes": 10, "order": 1, "is_active": "on"})
    assert r.status_code == 200  # the form again, with the reason
    assert BusinessType.objects.get(pk=biz.pk).prefix == "R"
    assert not AuditEvent.objects.filter(event_type__startswith="admin.service_halls").exists()
