"""Set-up services: providers, contracts and prices, caregivers invited by phone, devices —
what they change, what they refuse (with a sentence that says what to do), what they audit."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from minsheng.access import principal
from minsheng.access.models import RoleAssignment
from minsheng.audit.models import AuditEvent
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.models import User

from ..models import AlarmEvent, ContractStatus, OrderStatus, WorkOrder
from ..services import caregivers, device_registry, orders, providers
from . import factories as f
from . import setup_factories as sf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English here; the Chinese wording is checked where it matters."""
    with translation.override("en"):
        yield


def _prices(**by_code):
    items = f.services()
    return {items[code]: Decimal(p) if p is not None else None for code, p in by_code.items()}


def _events(kind):
    return AuditEvent.objects.filter(event_type=f"elderly_care.{kind}")


# --- providers ------------------------------------------------------------------------------
def test_an_officer_registers_edits_suspends_and_reinstates_a_provider_of_its_district():
    hz = sf.district()
    p = providers.provider_create(actor=hz.officer, name=" 新海护理站 ", region=hz.region,
                                  credit_code="91320706MA1XY81234", address="新海路1号")
    assert (p.kind, p.name, p.region_id, p.is_active) == ("provider", "新海护理站", "320706", True)
    providers.provider_update(actor=hz.officer, provider=p, name="新海护理服务站", region=hz.region,
                              credit_code="", address="新海路2号")
    p.refresh_from_db()
    assert (p.name, p.address) == ("新海护理服务站", "新海路2号")
    providers.provider_suspend(actor=hz.officer, provider=p, reason="投诉核查")
    p.refresh_from_db()
    assert p.is_active is False
    providers.provider_reinstate(actor=hz.officer, provider=p)
    p.refresh_from_db()
    assert p.is_active is True
    assert [e.event_type for e in AuditEvent.objects.filter(target_id=str(p.pk), event_type__startswith="elderly_care.provider")
            .order_by("pk")] == ["elderly_care.provider_create", "elderly_care.provider_update",
                                 "elderly_care.provider_suspend", "elderly_care.provider_reinstate"]
    assert _events("provider_suspend").get().new_values["reason"] == "投诉核查"


def test_provider_refusals_say_what_to_do():
    hz = sf.district()
    lianyun, _ = sf.other_district()
    with pytest.raises(NotAllowed):
        providers.provider_create(actor=hz.officer, name="越界护理站", region=lianyun)
    with pytest.raises(ValidationFailed) as bad:
        providers.provider_create(actor=hz.officer, name="", region=hz.region, credit_code="123")
    assert set(bad.value.fields) == {"name", "credit_code"}
    providers.provider_create(actor=hz.officer, name="甲", region=hz.region, credit_code="91320706MA1XY81234")
    with pytest.raises(Conflict):
        providers.provider_create(actor=hz.officer, name="乙", region=hz.region, credit_code="91320706MA1XY81234")
    with pytest.raises(ValidationFailed):
        providers.provider_suspend(actor=hz.officer, provider=hz.provider, reason=" ")
    with translation.override("zh-hans"), pytest.raises(NotAllowed) as zh:
        providers.provider_create(actor=hz.officer, name="越界护理站", region=lianyun)
    assert "区域" in str(zh.value.message)


def test_a_suspended_provider_takes_no_new_visit():
    hz = sf.district()
    items = f.services()
    providers.provider_suspend(actor=hz.officer, provider=hz.provider, reason="停业整顿")
    with pytest.raises(ValidationFailed):
        orders.order_create(elder=f.elder(), provider=hz.provider, service=items["cleaning"],
                            planned_start=f.at(2026, 3, 10, 9))


# --- contracts ------------------------------------------------------------------------------
def test_an_officer_signs_a_contract_with_prices_and_the_bureau_as_signatory():
    hz = sf.district()
    p = providers.provider_create(actor=hz.officer, name="新海护理站", region=hz.region)
    c = providers.contract_create(
        actor=hz.officer, provider=p, region=hz.region, number="HZ-2026-01", valid_from=date(2026, 1, 1),
        valid_to=date(2026, 12, 31), prices=_prices(cleaning="45.00", bathing=None, meal="12"),
    )
    assert c.bureau == hz.bureau and c.status == ContractStatus.ACTIVE
    assert dict(c.prices.values_list("service__code", "price")) == {"cleaning": Decimal("45.00"), "meal": Decimal("12.00")}
    # the new contract prices a visit of that provider where it applies
    order = orders.order_create(elder=f.elder(), provider=p, service=f.services()["cleaning"],
                                planned_start=f.at(2026, 3, 10, 9))
    assert order.pk
    providers.contract_update(actor=hz.officer, contract=c, valid_from=date(2026, 1, 1), valid_to=date(2026, 6, 30),
                              prices=_prices(cleaning="50", meal=None))
    c.refresh_from_db()
    assert c.valid_to == date(2026, 6, 30)
    assert dict(c.prices.values_list("service__code", "price")) == {"cleaning": Decimal("50.00")}
    update = _events("contract_update").get()
    assert update.old_values["prices"] == {"cleaning": "45.00", "meal": "12.00"}
    assert update.new_values["prices"] == {"cleaning": "50"}


def test_contract_refusals():
    hz = sf.district()
    lianyun, _ = sf.other_district()
    p = providers.provider_create(actor=hz.officer, name="新海护理站", region=hz.region)
    ok = dict(actor=hz.officer, provider=p, region=hz.region, valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
    with pytest.raises(ValidationFailed) as dates:
        providers.contract_create(**{**ok, "valid_to": date(2025, 1, 1)}, number="A", prices=_prices(cleaning="40"))
    assert "valid_to" in dates.value.fields
    with pytest.raises(ValidationFailed) as none:
        providers.contract_create(**ok, number="A", prices=_prices(cleaning=None))
    assert "at least one service" in str(none.value.message)
    with pytest.raises(ValidationFailed) as zero:
        providers.contract_create(**ok, number="A", prices=_prices(cleaning="0"))
    assert "price_cleaning" in zero.value.fields
    with pytest.raises(NotAllowed):
        providers.contract_create(**{**ok, "region": lianyun}, number="A", prices=_prices(cleaning="40"))
    providers.contract_create(**ok, number="A", prices=_prices(cleaning="40"))
    with pytest.raises(Conflict) as taken:
        providers.contract_create(**{**ok, "valid_from": date(2027, 1, 1), "valid_to": date(2027, 12, 31)},
                                  number="A", prices=_prices(cleaning="40"))
    assert "number" in taken.value.fields
    with pytest.raises(Conflict) as overlap:
        providers.contract_create(**{**ok, "valid_from": date(2026, 6, 1)}, number="B", prices=_prices(cleaning="40"))
    assert "A" in str(overlap.value.message)


def test_contract_status_moves_and_terminated_is_final():
    hz = sf.district()
    contract = hz.provider.care_contracts.get()
    elder, cleaning = f.elder(), f.services()["cleaning"]
    providers.contract_set_status(actor=hz.officer, contract=contract, status="suspended", reason="核查")
    with pytest.raises(ValidationFailed):  # a suspended contract prices no visit
        orders.order_create(elder=elder, provider=hz.provider, service=cleaning, planned_start=f.at(2026, 3, 10, 9))
    providers.contract_set_status(actor=hz.officer, contract=contract, status="active")
    providers.contract_set_status(actor=hz.officer, contract=contract, status="terminated")
    with pytest.raises(Conflict):
        providers.contract_set_status(actor=hz.officer, contract=contract, status="active")
    with pytest.raises(Conflict):
        providers.contract_update(actor=hz.officer, contract=contract, valid_from=date(2026, 1, 1),
                                  valid_to=date(2026, 2, 1), prices=_prices(cleaning="40"))
    assert [e.new_values["status"] for e in _events("contract_status").order_by("pk")] == [
        "suspended", "active", "terminated"]


def test_another_districts_officer_cannot_change_a_contract_or_provider():
    hz, ly = sf.district(), sf.district("lianyun")
    with pytest.raises(NotAllowed):
        providers.contract_set_status(actor=ly.officer, contract=hz.provider.care_contracts.get(), status="suspended")
    with pytest.raises(NotAllowed):
        providers.provider_suspend(actor=ly.officer, provider=hz.provider, reason="x")


# --- caregivers -----------------------------------------------------------------------------
def test_a_provider_admin_invites_a_caregiver_by_phone_through_staff_administration():
    hz = sf.district()
    cg = caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000",
                                     name="刘护理", qualification="carer_4", certificate_number="NO-1")
    user = User.objects.get(pk=cg.user_id)
    assert user.name == "刘护理" and user.is_staff and not user.has_usable_password()
    assert RoleAssignment.objects.filter(user=user, role_id="caregiver", organisation=hz.provider).exists()
    assert AuditEvent.objects.filter(event_type="identity.staff_invited", target_id=str(user.pk)).exists()
    assert _events("caregiver_invite").get().target_id == str(cg.pk)
    with pytest.raises(Conflict):
        caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000", name="刘护理")


def test_caregiver_refusals():
    hz, ly = sf.district(), sf.district("lianyun")
    with pytest.raises(NotAllowed):  # another provider's administrator
        caregivers.caregiver_invite(actor=ly.provider_admin, provider=hz.provider, phone="13800138000", name="刘洋")
    with pytest.raises(ValidationFailed) as cert:
        caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000", name="刘洋",
                                    qualification="nurse")
    assert "certificate_number" in cert.value.fields
    with pytest.raises(ValidationFailed):
        caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="123", name="刘洋")
    # a provider admin without the staff-administrator role is refused by staff administration
    RoleAssignment.objects.filter(user=hz.provider_admin, role_id="staff_admin").delete()
    principal.forget(hz.provider_admin)
    with pytest.raises(NotAllowed):
        caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138001", name="王芳")
    # someone working for another provider
    other = caregivers.caregiver_invite(actor=ly.provider_admin, provider=ly.provider, phone="13800138002", name="赵敏")
    f.grant(hz.provider_admin, "staff_admin", hz.provider, hz.region)
    principal.forget(hz.provider_admin)
    with pytest.raises(Conflict) as elsewhere:
        caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138002", name="赵敏")
    assert "another provider" in str(elsewhere.value.message)
    assert other.provider == ly.provider


def test_deactivating_a_caregiver_takes_the_role_and_returns_planned_visits():
    hz = sf.district()
    cg = caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000", name="刘洋")
    order = orders.order_create(elder=f.elder(), provider=hz.provider, service=f.services()["cleaning"],
                                planned_start=f.at(2026, 3, 10, 9), caregiver=cg)
    caregivers.caregiver_deactivate(actor=hz.provider_admin, caregiver=cg, reason="离职")
    cg.refresh_from_db()
    order.refresh_from_db()
    assert cg.is_active is False
    assert (order.caregiver_id, order.status) == (None, OrderStatus.PLANNED)
    assert not RoleAssignment.objects.filter(user=cg.user, role_id="caregiver").exists()
    assert _events("caregiver_deactivate").get().new_values["visits_returned"] == 1
    with pytest.raises(Conflict):
        caregivers.caregiver_deactivate(actor=hz.provider_admin, caregiver=cg)
    again = caregivers.caregiver_invite(actor=hz.provider_admin, provider=hz.provider, phone="13800138000", name="刘洋")
    assert again.pk == cg.pk and again.is_active


# --- devices --------------------------------------------------------------------------------
def test_a_community_worker_registers_and_retires_a_device():
    hz = sf.district()
    _c, _county, _t, community = f.regions()
    elder = f.elder()
    d = device_registry.device_register(actor=hz.community_worker, elder=elder, kind="smoke", imei="  86A1  ",
                                        vendor=sf.vendor(), installed_on=date(2026, 1, 2), secret="topsecret-42")
    assert (d.imei, d.region_id, d.retired_on) == ("86A1", community.code, None)
    assert "topsecret" not in str(_events("device_register").get().new_values)
    with pytest.raises(Conflict):
        device_registry.device_register(actor=hz.officer, elder=elder, kind="gas", imei="86A1",
                                        vendor=sf.vendor(), installed_on=date(2026, 1, 2))
    alarm = AlarmEvent.objects.create(device=d, elder=elder, region_id=elder.region_id, raised_at=f.at(2026, 1, 3))
    with pytest.raises(Conflict) as open_alarm:
        device_registry.device_retire(actor=hz.community_worker, device=d, reason="更换")
    assert "alarm" in str(open_alarm.value.message)
    AlarmEvent.objects.filter(pk=alarm.pk).update(status="closed")
    device_registry.device_retire(actor=hz.community_worker, device=d, reason="更换")
    d.refresh_from_db()
    assert d.retired_on is not None and d.retired_reason == "更换"
    with pytest.raises(Conflict):
        device_registry.device_retire(actor=hz.community_worker, device=d, reason="更换")


def test_device_refusals():
    hz, ly = sf.district(), sf.district("lianyun")
    elder = f.elder()
    with pytest.raises(NotAllowed):
        device_registry.device_register(actor=ly.community_worker, elder=elder, kind="gas", imei="1",
                                        vendor=sf.vendor(), installed_on=date(2026, 1, 2))
    with pytest.raises(ValidationFailed) as bad:
        device_registry.device_register(actor=hz.officer, elder=elder, kind="toaster", imei="", vendor=sf.vendor(),
                                        installed_on=date(2999, 1, 1))
    assert set(bad.value.fields) == {"kind", "imei", "installed_on"}


def test_a_retired_device_is_heard_no_more():
    from minsheng.core.errors import NotFound

    from ..services import devices

    hz = sf.district()
    d = sf.device(f.elder())
    device_registry.device_retire(actor=hz.officer, device=d, reason="拆除")
    with pytest.raises(NotFound):
        devices.device_message_receive(imei=d.imei, body=b"{}", signature="", via="http")
    assert WorkOrder.objects.count() == 0
