"""Set-up pages through HTTP: list, create and edit for the people who run the program, and a
manager of another district or provider neither sees nor changes them."""

import pytest

from minsheng.access.models import Organisation, Role
from minsheng.core.registry import registry

from ..models import AlarmDevice, Caregiver, ProviderContract
from . import factories as f
from . import setup_factories as sf

pytestmark = pytest.mark.django_db
P = "/p/elderly_care/setup"


def _prices(**by_code):
    return {f"price_{code}": price for code, price in by_code.items()}


def test_the_workbench_menu_links_the_set_up_pages_for_their_managers():
    entries = {e.url_name: set(e.roles) for e in registry.get("elderly_care").workbench_entries}
    for name in ("providers", "contracts", "catalogue", "caregivers", "devices", "rules"):
        assert "civil_affairs_officer" in entries[f"elderly_care:{name}"]
    assert "provider_admin" in entries["elderly_care:caregivers"]
    assert "community_worker" in entries["elderly_care:devices"]


def test_an_officer_registers_a_provider_then_signs_a_contract_from_the_pages(client):
    hz = sf.district()
    f.services()
    client.force_login(hz.officer)
    page = client.get(f"{P}/providers/")
    assert page.status_code == 200 and hz.provider.name in page.content.decode()
    assert 'data-test="setup-tabs"' in page.content.decode()
    assert client.get(f"{P}/providers/new/").status_code == 200
    refused = client.post(f"{P}/providers/new/", {"name": "", "region": hz.region.code})
    assert refused.status_code == 422
    done = client.post(f"{P}/providers/new/", {"name": "新海护理站", "region": hz.region.code, "address": "新海路1号"})
    provider = Organisation.objects.get(name="新海护理站")
    assert done.status_code == 302 and done["Location"].endswith(f"?provider={provider.pk}")
    form = client.get(done["Location"])
    assert form.status_code == 200 and 'name="price_cleaning"' in form.content.decode()
    signed = client.post(f"{P}/contracts/new/", {
        "provider": provider.pk, "region": hz.region.code, "number": "HZ-26-9", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", **_prices(cleaning="42.5", meal="")})
    assert signed.status_code == 302
    contract = ProviderContract.objects.get(number="HZ-26-9")
    assert dict(contract.prices.values_list("service__code", "price")) == {"cleaning": 42.5}
    assert contract.bureau == hz.bureau
    # edit: new prices and the status
    edit = f"{P}/contracts/{contract.pk}/"
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"action": "save", "valid_from": "2026-01-01", "valid_to": "2026-06-30",
                              **_prices(cleaning="44", meal="12")}).status_code == 302
    assert client.post(edit, {"action": "status", "status": "suspended", "reason": "核查"}).status_code == 302
    contract.refresh_from_db()
    assert contract.status == "suspended" and contract.prices.count() == 2
    page = client.get(f"{P}/contracts/", {"status": "suspended"}).content.decode()
    assert "HZ-26-9" in page
    # suspend the provider from its page
    here = f"{P}/providers/{provider.pk}/"
    assert client.get(here).status_code == 200
    assert client.post(here, {"action": "suspend", "reason": "停业整顿"}).status_code == 302
    provider.refresh_from_db()
    assert provider.is_active is False
    assert client.post(here, {"action": "reinstate"}).status_code == 302
    provider.refresh_from_db()
    assert provider.is_active is True


def test_a_refused_contract_keeps_what_was_typed_and_says_why(client):
    hz = sf.district()
    f.services()
    client.force_login(hz.officer)
    page = client.post(f"{P}/contracts/new/", {
        "provider": hz.provider.pk, "region": hz.region.code, "number": "X-1", "valid_from": "2026-01-01",
        "valid_to": "2026-12-31", **_prices(cleaning="40")}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 422  # overlaps the provider's contract in force
    body = page.content.decode()
    assert "X-1" in body and "overlaps" in body


def test_the_catalogue_shows_the_prices_of_the_regions_contracts(client):
    hz, ly = sf.district(), sf.district("lianyun")
    ly.provider.care_contracts.get().prices.filter(service__code="cleaning").update(price=999)
    client.force_login(hz.officer)
    page = client.get(f"{P}/catalogue/")
    body = page.content.decode()
    assert page.status_code == 200 and 'data-test="catalogue"' in body
    assert "999" not in body  # the other district's contract price


def test_a_provider_admin_invites_lists_edits_and_deactivates_caregivers(client, django_capture_on_commit_callbacks):
    from minsheng.core import sms

    hz = sf.district()
    client.force_login(hz.provider_admin)
    page = client.get(f"{P}/caregivers/")
    assert page.status_code == 200 and 'data-test="caregiver-invite"' in page.content.decode()
    bad = client.post(f"{P}/caregivers/", {"provider": hz.provider.pk, "phone": "12", "name": "刘洋",
                                          "qualification": "none"})
    assert bad.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(f"{P}/caregivers/", {"provider": hz.provider.pk, "phone": "13800138000", "name": "刘洋",
                                               "qualification": "carer_4", "certificate_number": "C-1"})
    assert done.status_code == 302
    # The invitation's link starts with the address the administrator is using, not a setting's.
    assert "http://testserver/accounts/staff/link/" in sms.outbox[-1].text
    cg = Caregiver.objects.get(user__name="刘洋")
    assert "刘洋" in client.get(f"{P}/caregivers/").content.decode()
    edit = f"{P}/caregivers/{cg.pk}/"
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"action": "save", "qualification": "carer_3", "certificate_number": "C-2"}).status_code == 302
    assert client.post(edit, {"action": "deactivate", "reason": "离职"}).status_code == 302
    cg.refresh_from_db()
    assert (cg.qualification, cg.certificate_number, cg.is_active) == ("carer_3", "C-2", False)


def test_a_provider_admin_whose_role_may_not_give_caregiver_is_told_whom_to_ask(client):
    hz = sf.district()
    Role.objects.filter(code="provider_admin").update(permissions=[])
    client.force_login(hz.provider_admin)
    body = client.get(f"{P}/caregivers/").content.decode()
    assert 'data-test="invite-needs-staff-admin"' in body and 'data-test="caregiver-invite"' not in body


def test_a_community_worker_finds_an_elder_registers_and_retires_a_device(client):
    hz = sf.district()
    sf.vendor()
    elder = f.elder()
    client.force_login(hz.community_worker)
    found = client.get(f"{P}/devices/", {"q": elder.person.name[:2]}).content.decode()
    assert f"/p/elderly_care/elders/{elder.pk}/devices/new/" in found
    new = f"/p/elderly_care/elders/{elder.pk}/devices/new/"
    assert client.get(new).status_code == 200
    assert client.post(new, {"kind": "gas", "imei": "", "vendor": sf.vendor().pk,
                             "installed_on": "2026-01-02"}).status_code == 422
    assert client.post(new, {"kind": "gas", "imei": "86X1", "vendor": sf.vendor().pk,
                             "installed_on": "2026-01-02"}).status_code == 302
    device = AlarmDevice.objects.get(imei="86X1")
    assert "86X1" in client.get(f"{P}/devices/", {"state": "in_use"}).content.decode()
    retire = f"{P}/devices/{device.pk}/retire/"
    assert client.get(retire).status_code == 200
    assert client.post(retire, {"reason": "更换"}).status_code == 302
    device.refresh_from_db()
    assert device.retired_on is not None
    assert "86X1" in client.get(f"{P}/devices/", {"state": "retired"}).content.decode()


# --- another district, another provider -------------------------------------------------------
def test_another_districts_officer_neither_sees_nor_changes(client):
    hz, ly = sf.district(), sf.district("lianyun")
    contract = hz.provider.care_contracts.get()
    device = sf.device(f.elder())
    client.force_login(ly.officer)
    assert hz.provider.name not in client.get(f"{P}/providers/").content.decode()
    assert contract.number not in client.get(f"{P}/contracts/").content.decode()
    assert client.get(f"{P}/providers/{hz.provider.pk}/").status_code == 404
    assert client.post(f"{P}/providers/{hz.provider.pk}/", {"action": "suspend", "reason": "x"}).status_code == 404
    assert client.get(f"{P}/contracts/{contract.pk}/").status_code == 404
    assert client.post(f"{P}/contracts/{contract.pk}/", {"action": "status", "status": "terminated",
                                                          "reason": "x"}).status_code == 404
    assert client.get(f"{P}/devices/{device.pk}/retire/").status_code == 404
    assert device.imei not in client.get(f"{P}/devices/").content.decode()
    # a provider of the other district cannot be chosen for a contract, nor its region
    page = client.post(f"{P}/contracts/new/", {"provider": hz.provider.pk, "region": hz.region.code,
                                               "number": "Z-1", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
                                               **_prices(cleaning="40")})
    assert page.status_code == 422 and not ProviderContract.objects.filter(number="Z-1").exists()
    hz.provider.refresh_from_db()
    contract.refresh_from_db()
    assert hz.provider.is_active and contract.status == "active"


def test_another_providers_admin_neither_sees_nor_changes_its_caregivers(client):
    hz, ly = sf.district(), sf.district("lianyun")
    cg = f.caregiver(hz.provider, name="李护理")
    client.force_login(ly.provider_admin)
    assert "李护理" not in client.get(f"{P}/caregivers/").content.decode()
    assert client.get(f"{P}/caregivers/{cg.pk}/").status_code == 404
    assert client.post(f"{P}/caregivers/{cg.pk}/", {"action": "deactivate", "reason": "x"}).status_code == 404
    # the provider field only offers the administrator's own provider
    page = client.post(f"{P}/caregivers/", {"provider": hz.provider.pk, "phone": "13800138000", "name": "刘洋",
                                           "qualification": "none"})
    assert page.status_code == 422 and not Caregiver.objects.filter(user__name="刘洋").exists()
    cg.refresh_from_db()
    assert cg.is_active


def test_read_only_roles_and_other_roles(client):
    hz = sf.district()
    contract = hz.provider.care_contracts.get()
    client.force_login(hz.supervisor)
    assert client.get(f"{P}/providers/").status_code == 200
    assert 'data-test="provider-new"' not in client.get(f"{P}/providers/").content.decode()
    assert client.get(f"{P}/providers/new/").status_code == 403
    assert client.get(f"{P}/contracts/{contract.pk}/").status_code == 403
    client.force_login(hz.provider_admin)
    assert contract.number in client.get(f"{P}/contracts/").content.decode()  # its own contract, read only
    assert client.get(f"{P}/contracts/{contract.pk}/").status_code == 403
    assert client.get(f"{P}/providers/").status_code == 403
    client.force_login(hz.officer)  # reads the region's caregivers, invites none
    assert 'data-test="caregiver-invite"' not in client.get(f"{P}/caregivers/").content.decode()
    assert client.post(f"{P}/caregivers/", {"phone": "13800138000", "name": "刘洋"}).status_code == 404
    client.force_login(hz.community_worker)
    assert client.get(f"{P}/caregivers/").status_code == 403
    assert client.get(f"{P}/contracts/").status_code == 403


def test_a_provider_admin_sends_a_caregiver_the_sign_in_link_again_and_another_provider_cannot(
    client, django_capture_on_commit_callbacks
):
    from minsheng.core import sms
    from minsheng.identity.models import SignInLink

    from ..services import caregivers

    hz, ly = sf.district(), sf.district("lianyun")
    with django_capture_on_commit_callbacks(execute=True):
        cg = caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000",
                                         name="刘护理")
    assert "/accounts/staff/link/" in sms.outbox[-1].text  # the invitation's first sign-in link
    client.force_login(hz.provider_admin)
    page = f"{P}/caregivers/{cg.pk}/"
    assert "data-test=\"caregiver-link\"" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(page, {"action": "send_link"})
    assert sent.status_code == 302
    links = SignInLink.objects.filter(user=cg.user).order_by("pk")
    assert links.count() == 2 and links[0].revoked_at is not None and links[1].issued_by == hz.provider_admin
    client.force_login(ly.provider_admin)
    assert client.post(page, {"action": "send_link"}).status_code == 404
    assert SignInLink.objects.filter(user=cg.user).count() == 2
