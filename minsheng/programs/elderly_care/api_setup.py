"""/api/v1/elderly_care/setup/ — the set-up pages' actions for scripts and other systems:
providers, contracts with their prices, caregivers invited by phone, alarm devices.

Each operation calls the same service as the page (services/providers, caregivers,
device_registry), which checks the caller's role and region or provider; a record outside
the caller's scope is 404, as on the pages.
"""

from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from minsheng.core.errors import ValidationFailed
from minsheng.regions.models import Region

from . import selectors
from . import selectors_setup as sel
from .models import DeviceVendor, ServiceItem
from .services import caregivers, device_registry, providers

router = Router(tags=["elderly_care setup"])


def _region(code: str) -> Region:
    region = Region.objects.filter(code=code, valid_to__isnull=True).first()
    if region is None:
        raise ValidationFailed.for_field("region", _("No region has this code. Use a division code such as 320706."))
    return region


class ProviderIn(Schema):
    name: str
    region: str  # division code
    credit_code: str = ""
    address: str = ""


class ProviderOut(Schema):
    id: int
    name: str
    region: str
    credit_code: str
    address: str
    is_active: bool


def _provider(p) -> dict:
    return {"id": p.pk, "name": p.name, "region": p.region_id, "credit_code": p.credit_code,
            "address": p.address, "is_active": p.is_active}


@router.get("/providers", response=list[ProviderOut])
def provider_list(request):
    """The providers of your civil-affairs region (or your own provider)."""
    return [_provider(p) for p in sel.providers_for(user=request.auth).order_by("name", "pk")[:500]]


@router.post("/providers", response={201: ProviderOut})
def provider_create(request, payload: ProviderIn):
    """Register a provider in your region (civil-affairs officers)."""
    p = providers.provider_create(actor=request.auth, name=payload.name, region=_region(payload.region),
                                  credit_code=payload.credit_code, address=payload.address)
    return Status(201, _provider(p))


class ReasonIn(Schema):
    reason: str


@router.post("/providers/{provider_id}/suspend", response=ProviderOut)
def provider_suspend(request, provider_id: int, payload: ReasonIn):
    """Suspend a provider of your region: it takes no new visits (409 when already suspended)."""
    p = sel.provider_get_managed(user=request.auth, provider_id=provider_id)
    return _provider(providers.provider_suspend(actor=request.auth, provider=p, reason=payload.reason))


@router.post("/providers/{provider_id}/reinstate", response=ProviderOut)
def provider_reinstate(request, provider_id: int):
    p = sel.provider_get_managed(user=request.auth, provider_id=provider_id)
    return _provider(providers.provider_reinstate(actor=request.auth, provider=p))


class ContractIn(Schema):
    provider: int
    region: str
    number: str
    valid_from: date
    valid_to: date
    prices: dict[str, Decimal]  # service code → unit price in yuan


class ContractOut(Schema):
    id: int
    number: str
    provider: int
    region: str
    valid_from: date
    valid_to: date
    status: str
    prices: dict[str, Decimal]


def _contract(c) -> dict:
    return {"id": c.pk, "number": c.number, "provider": c.provider_id, "region": c.region_id,
            "valid_from": c.valid_from, "valid_to": c.valid_to, "status": c.status,
            "prices": dict(c.prices.values_list("service__code", "price"))}


def _prices(by_code: dict[str, Decimal]) -> dict:
    items = {i.code: i for i in ServiceItem.objects.filter(code__in=list(by_code))}
    unknown = sorted(set(by_code) - set(items))
    if unknown:
        raise ValidationFailed.for_field("prices", _("These service codes are not in the catalogue: %(codes)s. Use the codes of the service catalogue.") % {"codes": ", ".join(unknown)})
    return {items[code]: price for code, price in by_code.items()}


@router.post("/contracts", response={201: ContractOut})
def contract_create(request, payload: ContractIn):
    """Sign a contract with a provider of your region, with a unit price per service code."""
    provider = sel.providers_managed(user=request.auth).filter(pk=payload.provider).first()
    if provider is None:
        raise ValidationFailed.for_field("provider", _("Choose a provider in service in your region."))
    c = providers.contract_create(actor=request.auth, provider=provider, region=_region(payload.region),
                                  number=payload.number, valid_from=payload.valid_from,
                                  valid_to=payload.valid_to, prices=_prices(payload.prices))
    return Status(201, _contract(c))


class ContractStatusIn(Schema):
    status: str  # active | suspended | terminated
    reason: str = ""


@router.post("/contracts/{contract_id}/status", response=ContractOut)
def contract_status(request, contract_id: int, payload: ContractStatusIn):
    c = sel.contract_get_managed(user=request.auth, contract_id=contract_id)
    return _contract(providers.contract_set_status(actor=request.auth, contract=c, status=payload.status,
                                                   reason=payload.reason))


class CaregiverIn(Schema):
    provider: int
    phone: str
    name: str
    qualification: str = "none"
    certificate_number: str = ""
    certificate_valid_to: date | None = None


class CaregiverOut(Schema):
    id: int
    name: str
    provider: int
    qualification: str
    is_active: bool


def _caregiver(c) -> dict:
    return {"id": c.pk, "name": c.user.name, "provider": c.provider_id, "qualification": c.qualification,
            "is_active": c.is_active}


@router.post("/caregivers", response={201: CaregiverOut})
def caregiver_invite(request, payload: CaregiverIn):
    """Invite a caregiver of your provider by mobile number (provider administrators)."""
    provider = sel.providers_administered(user=request.auth).filter(pk=payload.provider).first()
    if provider is None:
        raise ValidationFailed.for_field("provider", _("Choose the provider you administer."))
    c = caregivers.caregiver_invite(actor=request.auth, provider=provider, phone=payload.phone, name=payload.name,
                                    qualification=payload.qualification,
                                    certificate_number=payload.certificate_number,
                                    certificate_valid_to=payload.certificate_valid_to,
                                    site_url=request.build_absolute_uri("/"))
    return Status(201, _caregiver(c))


@router.post("/caregivers/{caregiver_id}/deactivate", response=CaregiverOut)
def caregiver_deactivate(request, caregiver_id: int, payload: ReasonIn):
    c = sel.caregiver_get_managed(user=request.auth, caregiver_id=caregiver_id)
    return _caregiver(caregivers.caregiver_deactivate(actor=request.auth, caregiver=c, reason=payload.reason))


class DeviceIn(Schema):
    elder: int
    kind: str  # gas | smoke | sos
    imei: str
    vendor: str  # vendor code
    installed_on: date
    secret: str = ""


class DeviceOut(Schema):
    id: int
    kind: str
    imei: str
    elder: int
    installed_on: date
    retired_on: date | None


def _device(d) -> dict:
    return {"id": d.pk, "kind": d.kind, "imei": d.imei, "elder": d.elder_id, "installed_on": d.installed_on,
            "retired_on": d.retired_on}


@router.post("/devices", response={201: DeviceOut})
def device_register(request, payload: DeviceIn):
    """Register a device in the home of an elder of your area (officers, community workers)."""
    elder = selectors.elder_get_for_officer(user=request.auth, elder_id=payload.elder)
    if elder is None:
        raise ValidationFailed.for_field("elder", _("Choose an elder of your area."))
    vendor = DeviceVendor.objects.filter(code=payload.vendor).first()
    if vendor is None:
        raise ValidationFailed.for_field("vendor", _("No device vendor has this code. Ask the platform administrator to add the vendor."))
    d = device_registry.device_register(actor=request.auth, elder=elder, kind=payload.kind, imei=payload.imei,
                                        vendor=vendor, installed_on=payload.installed_on, secret=payload.secret)
    return Status(201, _device(d))


@router.post("/devices/{device_id}/retire", response=DeviceOut)
def device_retire(request, device_id: int, payload: ReasonIn):
    d = sel.device_get_managed(user=request.auth, device_id=device_id)
    return _device(device_registry.device_retire(actor=request.auth, device=d, reason=payload.reason))
