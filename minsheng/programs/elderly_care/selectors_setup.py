"""Reads and access gates of the program's set-up pages: providers, contracts and their
prices, caregivers, the service catalogue, alarm devices.

Who sees what:
- a civil-affairs officer manages the providers, contracts and devices of its region
  subtree; a supervisor of civil affairs sees the same, read only;
- a provider's administrator sees its own provider's contracts and manages its caregivers;
- a community worker registers and retires the alarm devices of its community.
A record outside the user's scope is "not found" (the gates audit the refusal).
"""

from django.db.models import Count, Max, Min, Q, QuerySet

from minsheng.access.models import Organisation, OrganisationKind
from minsheng.access.principal import held_assignments
from minsheng.access.refusals import scoped_gate
from minsheng.access.selectors import scope_q
from minsheng.core.errors import NotFound
from minsheng.regions.models import Region

from .models import AlarmDevice, Caregiver, ContractStatus, ProviderContract, ServiceItem

OFFICER = ("civil_affairs_officer",)
OVERSIGHT = ("civil_affairs_officer", "supervisor")
PROVIDER_ADMIN = ("provider_admin",)
DEVICE_KEEPERS = ("civil_affairs_officer", "community_worker")
DEVICE_VIEWERS = (*DEVICE_KEEPERS, "supervisor")


def covers(*, user, roles, region: Region) -> bool:
    """Does one of the user's assignments of ``roles`` reach ``region`` (its subtree)?"""
    if user.is_superuser:
        return True
    return any(region.prefix.startswith(a.region.prefix) for a in held_assignments(user=user, roles=roles))


def officer_bureau(*, user, region: Region) -> Organisation | None:
    """The organisation of the user's civil-affairs assignment that covers ``region`` (the most
    local one): the bureau that signs a contract there."""
    found = [
        a for a in held_assignments(user=user, roles=OFFICER) if region.prefix.startswith(a.region.prefix)
    ]
    return max(found, key=lambda a: len(a.region.prefix)).organisation if found else None


def regions_managed(*, user) -> QuerySet[Region]:
    """Counties and towns within the user's civil-affairs assignments (where a provider may sit
    and a contract may apply), in code order: a city has a few hundred at most."""
    q = Q(level__in=["county", "town"], valid_to__isnull=True)
    if not user.is_superuser:
        within = Q(pk__in=[])
        for a in held_assignments(user=user, roles=OFFICER):
            within |= Q(prefix__startswith=a.region.prefix)
        q &= within
    return Region.objects.filter(q).order_by("code")


def provider_admin_ids(*, user) -> list[int]:
    return [a.organisation_id for a in held_assignments(user=user, roles=PROVIDER_ADMIN)]


# --- providers ------------------------------------------------------------------------------
def providers_for(*, user) -> QuerySet[Organisation]:
    """Providers in the user's civil-affairs region subtree, or the user's own provider."""
    q = scope_q(user=user, roles=OVERSIGHT, region_field="region") | Q(pk__in=provider_admin_ids(user=user))
    return (
        Organisation.objects.filter(q, kind=OrganisationKind.PROVIDER)
        .select_related("region")
        .annotate(
            n_contracts=Count("care_contracts", filter=Q(care_contracts__status=ContractStatus.ACTIVE), distinct=True),
            n_caregivers=Count("caregivers", filter=Q(caregivers__is_active=True), distinct=True),
        )
    )


@scoped_gate(model="access.organisation", id_arg="provider_id", action="manage_provider")
def provider_get_managed(*, user, provider_id: int) -> Organisation:
    """A provider the civil-affairs officer may change (its region in the officer's subtree)."""
    found = (
        Organisation.objects.filter(scope_q(user=user, roles=OFFICER, region_field="region"))
        .filter(kind=OrganisationKind.PROVIDER, pk=provider_id)
        .select_related("region")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def providers_managed(*, user) -> QuerySet[Organisation]:
    """Providers in service the officer may sign a contract with."""
    return Organisation.objects.filter(
        scope_q(user=user, roles=OFFICER, region_field="region"),
        kind=OrganisationKind.PROVIDER,
        is_active=True,
    ).order_by("name")


# --- contracts -------------------------------------------------------------------------------
def contracts_for(*, user) -> QuerySet[ProviderContract]:
    """Contracts for regions in the user's civil-affairs subtree, or of the user's own provider."""
    q = scope_q(user=user, roles=OVERSIGHT, region_field="region") | scope_q(
        user=user, roles=PROVIDER_ADMIN, region_field="provider__region", organisation_field="provider"
    )
    return (
        ProviderContract.objects.filter(q)
        .select_related("provider", "region", "bureau")
        .annotate(n_prices=Count("prices"))
    )


@scoped_gate(model="elderly_care.providercontract", id_arg="contract_id", action="manage_contract")
def contract_get_managed(*, user, contract_id: int) -> ProviderContract:
    found = (
        ProviderContract.objects.filter(scope_q(user=user, roles=OFFICER, region_field="region"))
        .filter(pk=contract_id)
        .select_related("provider", "region", "bureau")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def contract_prices(*, contract: ProviderContract) -> dict[int, object]:
    """The contract's unit price per service item id."""
    return dict(contract.prices.values_list("service_id", "price"))


# --- the service catalogue and the prices the user's contracts pay ---------------------------
def catalogue_with_prices(*, user) -> QuerySet[ServiceItem]:
    """Every service item with its guide price and, over the contracts in force the user sees,
    how many pay it and their lowest and highest price (one statement)."""
    contracts = contracts_for(user=user).filter(status=ContractStatus.ACTIVE).values("pk")
    priced = Q(contractprice__contract__in=contracts)
    return ServiceItem.objects.annotate(
        n_contracts=Count("contractprice", filter=priced),
        lowest=Min("contractprice__price", filter=priced),
        highest=Max("contractprice__price", filter=priced),
    ).order_by("-is_active", "id")


# --- caregivers ------------------------------------------------------------------------------
def caregivers_for(*, user) -> QuerySet[Caregiver]:
    """Caregivers of the user's own provider, or of the providers in its civil-affairs subtree."""
    q = scope_q(user=user, roles=OVERSIGHT, region_field="provider__region") | scope_q(
        user=user, roles=PROVIDER_ADMIN, region_field="provider__region", organisation_field="provider"
    )
    return Caregiver.objects.filter(q).select_related("user", "provider")


def providers_administered(*, user) -> QuerySet[Organisation]:
    """The providers whose caregivers the user manages (its provider_admin assignments)."""
    qs = Organisation.objects.filter(kind=OrganisationKind.PROVIDER).select_related("region")
    return qs if user.is_superuser else qs.filter(pk__in=provider_admin_ids(user=user))


@scoped_gate(model="elderly_care.caregiver", id_arg="caregiver_id", action="manage_caregiver")
def caregiver_get_managed(*, user, caregiver_id: int) -> Caregiver:
    found = (
        Caregiver.objects.filter(
            scope_q(user=user, roles=PROVIDER_ADMIN, region_field="provider__region", organisation_field="provider")
        )
        .filter(pk=caregiver_id)
        .select_related("user", "provider__region")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# --- alarm devices ---------------------------------------------------------------------------
def devices_for(*, user) -> QuerySet[AlarmDevice]:
    return AlarmDevice.objects.filter(
        scope_q(user=user, roles=DEVICE_VIEWERS, region_field="region")
    ).select_related("elder__person", "region", "vendor")


@scoped_gate(model="elderly_care.alarmdevice", id_arg="device_id", action="manage_device")
def device_get_managed(*, user, device_id: int) -> AlarmDevice:
    found = (
        AlarmDevice.objects.filter(scope_q(user=user, roles=DEVICE_KEEPERS, region_field="region"))
        .filter(pk=device_id)
        .select_related("elder__person", "region", "vendor")
        .first()
    )
    if found is None:
        raise NotFound()
    return found
