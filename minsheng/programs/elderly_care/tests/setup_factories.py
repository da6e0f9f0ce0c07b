"""Builders for the set-up tests: two districts, each with its civil-affairs officer, a provider
with an administrator (who is also the provider's staff administrator) and a community worker."""

from dataclasses import dataclass
from datetime import date

from minsheng.access.models import Organisation, Role
from minsheng.identity.models import User
from minsheng.regions.models import Region

from ..models import AlarmDevice, DeviceVendor
from . import factories as f


@dataclass
class District:
    region: Region
    bureau: Organisation
    officer: User
    supervisor: User
    provider: Organisation
    provider_admin: User
    community_worker: User


def other_district() -> tuple[Region, Region]:
    city, *_ = f.regions()
    county, _ = Region.objects.get_or_create(
        code="320703", defaults={"prefix": "320703", "name": "连云区", "level": "county", "parent": city}
    )
    community, _ = Region.objects.get_or_create(
        code="320703001001",
        defaults={"prefix": "320703001001", "name": "海棠社区", "level": "community", "parent": county},
    )
    return county, community


def district(which: str = "haizhou") -> District:
    if which == "haizhou":
        _city, county, _town, community = f.regions()
    else:
        county, community = other_district()
    Role.objects.get_or_create(code="caregiver", defaults={"title": "caregiver"})
    bureau = f.civil_affairs(county)
    provider = f.provider(name=f"{county.name}颐养中心")
    if provider.region_id != county.code:
        Organisation.objects.filter(pk=provider.pk).update(region=county)
        provider.refresh_from_db()
        provider.care_contracts.update(region=county)
    admin = f.grant(f.user(f"{county.name}机构管理员"), "provider_admin", provider, county)
    f.grant(admin, "staff_admin", provider, county)
    worker_org, _ = Organisation.objects.get_or_create(
        kind="community", region=community, defaults={"name": f"{community.name}居委会"}
    )
    return District(
        region=county,
        bureau=bureau,
        officer=f.grant(f.user(f"{county.name}民政专干"), "civil_affairs_officer", bureau, county),
        supervisor=f.grant(f.user(f"{county.name}科长"), "supervisor", bureau, county),
        provider=provider,
        provider_admin=admin,
        community_worker=f.grant(f.user(f"{community.name}社工"), "community_worker", worker_org, community),
    )


def vendor() -> DeviceVendor:
    return DeviceVendor.objects.get_or_create(code="acme", defaults={"name": "安信燃气报警", "secret": "s3cret"})[0]


def device(elder, imei: str = "860000000000001") -> AlarmDevice:
    return AlarmDevice.objects.create(
        kind="gas", imei=imei, vendor=vendor(), elder=elder, region_id=elder.region_id, installed_on=date(2026, 1, 5)
    )


def elder_in(community: Region, name: str = "王秀兰", phone: str = "13900001111"):
    e = f.elder(name=name, family_phone=phone)
    type(e).objects.filter(pk=e.pk).update(region=community)
    e.refresh_from_db()
    return e
