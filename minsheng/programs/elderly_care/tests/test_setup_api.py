"""/api/v1/elderly_care/setup/ — the same services as the set-up pages, the same scope."""

import pytest

from ..models import AlarmDevice, Caregiver
from . import factories as f
from . import setup_factories as sf

pytestmark = pytest.mark.django_db
API = "/api/v1/elderly_care/setup"


def _post(client, path, body=None):
    return client.post(f"{API}/{path}", body or {}, content_type="application/json")


def test_an_officer_sets_up_a_provider_and_its_contract_by_api(client):
    hz = sf.district()
    f.services()
    client.force_login(hz.officer)
    made = _post(client, "providers", {"name": "新海护理站", "region": hz.region.code})
    assert made.status_code == 201 and made.json()["is_active"] is True
    pid = made.json()["id"]
    assert pid in [p["id"] for p in client.get(f"{API}/providers").json()]
    signed = _post(client, "contracts", {"provider": pid, "region": hz.region.code, "number": "API-1",
                                         "valid_from": "2026-01-01", "valid_to": "2026-12-31",
                                         "prices": {"cleaning": "41.00"}})
    assert signed.status_code == 201 and signed.json()["prices"] == {"cleaning": "41.00"}
    unknown = _post(client, "contracts", {"provider": pid, "region": hz.region.code, "number": "API-2",
                                          "valid_from": "2027-01-01", "valid_to": "2027-12-31",
                                          "prices": {"flying": "1"}})
    assert unknown.status_code == 422 and unknown.json()["fields"]["prices"]
    cid = signed.json()["id"]
    assert _post(client, f"contracts/{cid}/status", {"status": "terminated"}).json()["status"] == "terminated"
    again = _post(client, f"contracts/{cid}/status", {"status": "active"})
    assert again.status_code == 409 and again.json()["code"] == "state_changed"
    assert _post(client, f"providers/{pid}/suspend", {"reason": "核查"}).json()["is_active"] is False


def test_another_districts_officer_gets_404_and_changes_nothing(client):
    hz, ly = sf.district(), sf.district("lianyun")
    contract = hz.provider.care_contracts.get()
    client.force_login(ly.officer)
    assert hz.provider.pk not in [p["id"] for p in client.get(f"{API}/providers").json()]
    assert _post(client, f"providers/{hz.provider.pk}/suspend", {"reason": "x"}).status_code == 404
    assert _post(client, f"contracts/{contract.pk}/status", {"status": "terminated"}).status_code == 404
    outside = _post(client, "providers", {"name": "越界", "region": hz.region.code})
    assert outside.status_code == 403 and outside.json()["code"] == "forbidden"
    contract.refresh_from_db()
    assert contract.status == "active"


def test_a_provider_admin_invites_and_deactivates_a_caregiver_by_api(client):
    hz, ly = sf.district(), sf.district("lianyun")
    client.force_login(hz.provider_admin)
    made = _post(client, "caregivers", {"provider": hz.provider.pk, "phone": "13800138000", "name": "刘洋"})
    assert made.status_code == 201
    cid = made.json()["id"]
    assert _post(client, "caregivers", {"provider": ly.provider.pk, "phone": "13800138001",
                                        "name": "王芳"}).status_code == 422
    client.force_login(ly.provider_admin)
    assert _post(client, f"caregivers/{cid}/deactivate", {"reason": "x"}).status_code == 404
    client.force_login(hz.provider_admin)
    assert _post(client, f"caregivers/{cid}/deactivate", {"reason": "离职"}).json()["is_active"] is False
    assert Caregiver.objects.get(pk=cid).is_active is False


def test_a_community_worker_registers_and_retires_a_device_by_api(client):
    hz, ly = sf.district(), sf.district("lianyun")
    vendor = sf.vendor()
    elder = f.elder()
    client.force_login(ly.community_worker)
    assert _post(client, "devices", {"elder": elder.pk, "kind": "gas", "imei": "86API1", "vendor": vendor.code,
                                     "installed_on": "2026-01-02"}).status_code == 422
    client.force_login(hz.community_worker)
    made = _post(client, "devices", {"elder": elder.pk, "kind": "gas", "imei": "86API1", "vendor": vendor.code,
                                     "installed_on": "2026-01-02"})
    assert made.status_code == 201
    dup = _post(client, "devices", {"elder": elder.pk, "kind": "gas", "imei": "86API1", "vendor": vendor.code,
                                    "installed_on": "2026-01-02"})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate"
    did = made.json()["id"]
    client.force_login(ly.community_worker)
    assert _post(client, f"devices/{did}/retire", {"reason": "x"}).status_code == 404
    client.force_login(hz.community_worker)
    assert _post(client, f"devices/{did}/retire", {"reason": "拆除"}).json()["retired_on"]
    assert AlarmDevice.objects.get(pk=did).retired_on is not None
