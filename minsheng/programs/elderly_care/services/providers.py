"""Providers and their contracts with civil affairs (政府购买服务合同), with the price of each
service item the contract covers.

A civil-affairs officer acts within its region subtree: a provider sits there, a contract
applies there. A suspended provider, or a contract not in force, prices no new visit
(services/orders.contract_price), so no new work order is made under it.
"""

import datetime as dt
import re
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.regions.models import Region

from ..models import ContractPrice, ContractStatus, ProviderContract, ServiceItem
from ..selectors_setup import OFFICER, covers, officer_bureau

CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
MAX_PRICE = Decimal("10000")


def _within(actor, region: Region) -> None:
    if not covers(user=actor, roles=OFFICER, region=region):
        raise NotAllowed(
            _("You manage home care only within your own region. Choose a region inside it, "
              "or ask the civil-affairs officer of that region.")
        )


def _provider_fields(*, name: str, credit_code: str, address: str) -> dict:
    name, credit_code, address = (name or "").strip(), (credit_code or "").strip().upper(), (address or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Enter the provider's registered name.")]
    if credit_code and not CREDIT_CODE.match(credit_code):
        errors["credit_code"] = [_("A unified social credit code has 18 letters and digits. Check it on the licence.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return {"name": name[:200], "credit_code": credit_code, "address": address[:200]}


def _credit_code_free(credit_code: str, *, exclude: int | None = None) -> None:
    if not credit_code:
        return
    taken = Organisation.objects.filter(kind=OrganisationKind.PROVIDER, credit_code=credit_code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise Conflict(
            _("A provider with this unified social credit code is already registered. Open it instead."),
            code="duplicate",
        )


@transaction.atomic
def provider_create(*, actor, name: str, region: Region, credit_code: str = "", address: str = "") -> Organisation:
    """Register a home-care provider (an organisation of kind provider) in the officer's region."""
    _within(actor, region)
    values = _provider_fields(name=name, credit_code=credit_code, address=address)
    _credit_code_free(values["credit_code"])
    provider = Organisation.objects.create(kind=OrganisationKind.PROVIDER, region=region, **values)
    audit_record(
        event_type="elderly_care.provider_create", actor=actor, target=provider,
        new={**values, "region": region.code},
    )
    return provider


@transaction.atomic
def provider_update(
    *, actor, provider: Organisation, name: str, region: Region, credit_code: str = "", address: str = ""
) -> Organisation:
    _within(actor, provider.region)
    _within(actor, region)
    values = _provider_fields(name=name, credit_code=credit_code, address=address)
    _credit_code_free(values["credit_code"], exclude=provider.pk)
    old = {"name": provider.name, "credit_code": provider.credit_code, "address": provider.address,
           "region": provider.region_id}
    for field, value in values.items():
        setattr(provider, field, value)
    provider.region = region
    provider.save(update_fields=[*values, "region", "updated_at"])
    audit_record(event_type="elderly_care.provider_update", actor=actor, target=provider, old=old,
                 new={**values, "region": region.code})
    return provider


@transaction.atomic
def provider_suspend(*, actor, provider: Organisation, reason: str) -> Organisation:
    """Suspend a provider: it takes no new visit until reinstated (planned ones stay to be moved)."""
    _within(actor, provider.region)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", _("Say why the provider is suspended; the provider will read it."))
    if not provider.is_active:
        raise Conflict(_("This provider is already suspended."), code="state_changed")
    Organisation.objects.filter(pk=provider.pk).update(is_active=False)
    provider.is_active = False
    audit_record(event_type="elderly_care.provider_suspend", actor=actor, target=provider,
                 old={"is_active": True}, new={"is_active": False, "reason": reason[:500]})
    return provider


@transaction.atomic
def provider_reinstate(*, actor, provider: Organisation) -> Organisation:
    _within(actor, provider.region)
    if provider.is_active:
        raise Conflict(_("This provider is already in service."), code="state_changed")
    Organisation.objects.filter(pk=provider.pk).update(is_active=True)
    provider.is_active = True
    audit_record(event_type="elderly_care.provider_reinstate", actor=actor, target=provider,
                 old={"is_active": False}, new={"is_active": True})
    return provider


# --- contracts ---------------------------------------------------------------------------------
def _period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    errors = {}
    if valid_from is None:
        errors["valid_from"] = [_("Enter the first day the contract applies.")]
    if valid_to is None:
        errors["valid_to"] = [_("Enter the last day the contract applies.")]
    if not errors and valid_to < valid_from:
        errors["valid_to"] = [_("The contract cannot end before it starts. Check the dates.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _no_overlap(*, provider, region: Region, valid_from, valid_to, exclude: int | None = None) -> None:
    """Two contracts in force of one provider for one region on the same day would each price
    the visit; the officer ends one first."""
    clash = ProviderContract.objects.filter(
        provider=provider, region=region, status=ContractStatus.ACTIVE,
        valid_from__lte=valid_to, valid_to__gte=valid_from,
    )
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    other = clash.first()
    if other is not None:
        raise Conflict(
            _("This provider already has contract %(number)s for this region in that period. "
              "End or change that contract first.") % {"number": other.number},
            fields={"valid_from": [_("The period overlaps contract %(number)s.") % {"number": other.number}]},
            code="duplicate",
        )


def _prices_clean(prices: dict[ServiceItem, Decimal | None]) -> dict[ServiceItem, Decimal]:
    kept, errors = {}, {}
    for item, price in prices.items():
        if price is None:
            continue
        if price <= 0 or price > MAX_PRICE:
            errors[f"price_{item.code}"] = [
                _("Enter a unit price above 0 and at most %(max)s yuan, or leave it empty if the contract "
                  "does not cover this service.") % {"max": MAX_PRICE}
            ]
        kept[item] = price
    if errors:
        raise ValidationFailed(fields=errors)
    if not kept:
        raise ValidationFailed(_("A contract covers at least one service: enter its unit price."))
    return kept


def _prices_write(contract: ProviderContract, prices: dict[ServiceItem, Decimal]) -> dict[str, str]:
    ContractPrice.objects.filter(contract=contract).exclude(service__in=list(prices)).delete()
    existing = {p.service_id: p for p in ContractPrice.objects.filter(contract=contract)}
    changed = []
    for item, price in prices.items():
        row = existing.get(item.pk)
        if row is None:
            ContractPrice.objects.create(contract=contract, service=item, price=price)
        elif row.price != price:
            row.price = price
            changed.append(row)
    ContractPrice.objects.bulk_update(changed, ["price"])
    return {item.code: str(price) for item, price in prices.items()}


@transaction.atomic
def contract_create(
    *, actor, provider: Organisation, region: Region, number: str, valid_from: dt.date | None,
    valid_to: dt.date | None, prices: dict[ServiceItem, Decimal | None],
) -> ProviderContract:
    """Sign a contract between the officer's civil-affairs bureau and a provider for a region,
    with the unit price of each service it covers."""
    _within(actor, region)
    _within(actor, provider.region)
    number = (number or "").strip()
    if not number:
        raise ValidationFailed.for_field("number", _("Enter the contract number as printed on the contract."))
    if not provider.is_active:
        raise ValidationFailed.for_field("provider", _("This provider is suspended. Reinstate it before signing a contract."))
    _period(valid_from, valid_to)
    kept = _prices_clean(prices)
    _no_overlap(provider=provider, region=region, valid_from=valid_from, valid_to=valid_to)
    try:
        with transaction.atomic():
            contract = ProviderContract.objects.create(
                provider=provider, region=region, number=number[:40], valid_from=valid_from, valid_to=valid_to,
                bureau=officer_bureau(user=actor, region=region),
            )
    except IntegrityError:
        raise Conflict(_("Another contract already has this number. Check the number on the contract."),
                       fields={"number": [_("This number is taken.")]}, code="duplicate") from None
    written = _prices_write(contract, kept)
    audit_record(
        event_type="elderly_care.contract_create", actor=actor, target=contract,
        new={"provider": provider.pk, "region": region.code, "number": contract.number,
             "valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat(), "prices": written},
    )
    return contract


@transaction.atomic
def contract_update(
    *, actor, contract: ProviderContract, valid_from: dt.date | None, valid_to: dt.date | None,
    prices: dict[ServiceItem, Decimal | None],
) -> ProviderContract:
    """Change a contract's period and prices (a new price applies to visits settled from now on)."""
    _within(actor, contract.region)
    contract = ProviderContract.objects.select_for_update().select_related("provider", "region").get(pk=contract.pk)
    if contract.status == ContractStatus.TERMINATED:
        raise Conflict(_("This contract is terminated and can no longer be changed. Sign a new one."),
                       code="state_changed")
    _period(valid_from, valid_to)
    kept = _prices_clean(prices)
    if contract.status == ContractStatus.ACTIVE:
        _no_overlap(provider=contract.provider, region=contract.region, valid_from=valid_from,
                    valid_to=valid_to, exclude=contract.pk)
    old = {"valid_from": contract.valid_from.isoformat(), "valid_to": contract.valid_to.isoformat(),
           "prices": {code: str(p) for code, p in contract.prices.values_list("service__code", "price")}}
    contract.valid_from, contract.valid_to = valid_from, valid_to
    contract.save(update_fields=["valid_from", "valid_to", "updated_at"])
    written = _prices_write(contract, kept)
    audit_record(event_type="elderly_care.contract_update", actor=actor, target=contract, old=old,
                 new={"valid_from": valid_from.isoformat(), "valid_to": valid_to.isoformat(), "prices": written})
    return contract


ALLOWED_STATUS = {
    ContractStatus.ACTIVE: {ContractStatus.SUSPENDED, ContractStatus.TERMINATED},
    ContractStatus.SUSPENDED: {ContractStatus.ACTIVE, ContractStatus.TERMINATED},
    ContractStatus.TERMINATED: set(),
}


@transaction.atomic
def contract_set_status(*, actor, contract: ProviderContract, status: str, reason: str = "") -> ProviderContract:
    """Suspend, resume or terminate a contract; terminated is final."""
    _within(actor, contract.region)
    contract = ProviderContract.objects.select_for_update().select_related("provider", "region").get(pk=contract.pk)
    if status not in ALLOWED_STATUS.get(contract.status, set()):
        raise Conflict(
            _("A contract that is %(now)s cannot become %(then)s.")
            % {"now": contract.get_status_display(), "then": dict(ContractStatus.choices).get(status, status)},
            code="state_changed",
        )
    if status == ContractStatus.ACTIVE:
        _no_overlap(provider=contract.provider, region=contract.region, valid_from=contract.valid_from,
                    valid_to=contract.valid_to, exclude=contract.pk)
    old = contract.status
    contract.status = status
    contract.save(update_fields=["status", "updated_at"])
    audit_record(event_type="elderly_care.contract_status", actor=actor, target=contract,
                 old={"status": old}, new={"status": status, "reason": (reason or "").strip()[:500]})
    return contract
