"""Builders for elderly-care tests: regions, an elder with family, a provider with a contract, a caregiver."""

import io
import itertools
from datetime import date, datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.access.services import roles_sync
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.regions.models import Region

from ..catalogue import SERVICE_ITEMS
from ..models import Caregiver, ContractPrice, ProviderContract, ServiceItem
from ..services.elders import elder_register

_seq = itertools.count(1)
HOME = (34.5967, 119.2215)  # 连云港 海州


def regions():
    city, _ = Region.objects.get_or_create(
        code="320700", defaults={"prefix": "3207", "name": "连云港市", "level": "city"}
    )
    county, _ = Region.objects.get_or_create(
        code="320706",
        defaults={"prefix": "320706", "name": "海州区", "level": "county", "parent": city},
    )
    town, _ = Region.objects.get_or_create(
        code="320706001",
        defaults={"prefix": "320706001", "name": "新海街道", "level": "town", "parent": county},
    )
    community, _ = Region.objects.get_or_create(
        code="320706001001",
        defaults={
            "prefix": "320706001001",
            "name": "朐阳社区",
            "level": "community",
            "parent": town,
        },
    )
    return city, county, town, community


def civil_affairs(region=None) -> Organisation:
    """民政 — the department that reviews applications and rectifications (department_code as in the demo)."""
    _city, county, *_ = regions()
    org, _ = Organisation.objects.get_or_create(
        department_code="civil_affairs",
        region=region or county,
        defaults={"name": "海州区民政局", "kind": "department"},
    )
    return org


def user(name="用户", *, staff=False) -> User:
    return User.objects.create(username=f"u{next(_seq)}", name=name, is_staff=staff)


def grant(u: User, role: str, org: Organisation, region: Region) -> User:
    if not Role.objects.filter(code=role).exists():
        roles_sync()  # the declared roles with their permissions (provider_admin gives caregiver)
        Role.objects.get_or_create(code=role, defaults={"title": role})
    RoleAssignment.objects.create(user=u, role_id=role, organisation=org, region=region)
    if not u.is_staff:
        u.is_staff = True
        u.save(update_fields=["is_staff"])
    return u


def services():
    for code, title, unit, price, minutes, checklist in SERVICE_ITEMS:
        ServiceItem.objects.get_or_create(
            code=code,
            defaults={
                "title": str(title),
                "unit": unit,
                "default_price": Decimal(price),
                "default_minutes": minutes,
                "checklist": [str(c) for c in checklist],
            },
        )
    return {s.code: s for s in ServiceItem.objects.all()}


def elder(categories=("advanced_age",), *, name="张桂英", family_phone="13912345678"):
    *_, community = regions()
    person = Person.objects.create(
        name=name,
        birth_date=date(1938, 4, 2),
        residence_region=community,
        address="海州区朐阳社区3号楼2单元101室",
        latitude=HOME[0],
        longitude=HOME[1],
        phone="",
    )
    if family_phone:
        son = Person.objects.create(name="张建国", phone=family_phone)
        PersonRelation.objects.create(person=son, relative=person, kind="family", detail="儿子")
    return elder_register(person=person, categories=list(categories), living_arrangement="alone")


def provider(name="海州颐养服务中心", prices=None):
    _city, county, *_ = regions()
    org = Organisation.objects.create(name=f"{name}{next(_seq)}", kind="provider", region=county)
    items = services()
    contract = ProviderContract.objects.create(
        provider=org,
        region=county,
        number=f"HZ-{next(_seq)}",
        valid_from=date(2025, 1, 1),
        valid_to=date(2027, 12, 31),
    )
    for code, item in items.items():
        price = (prices or {}).get(code, item.default_price)
        ContractPrice.objects.create(contract=contract, service=item, price=price)
    return org


def caregiver(org, name="李护理"):
    _city, county, *_ = regions()
    u = grant(user(name), "caregiver", org, county)
    return Caregiver.objects.create(user=u, provider=org, qualification="carer_4")


def photo(seed: int = 1, size=(320, 240)) -> SimpleUploadedFile:
    img = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(img)
    for i in range(6):
        x = (seed * 37 + i * 53) % size[0]
        y = (seed * 91 + i * 29) % size[1]
        draw.rectangle(
            [x, y, x + 60, y + 40],
            fill=((seed * 50 + i * 40) % 255, (i * 80) % 255, (seed * 20) % 255),
        )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return SimpleUploadedFile(f"p{seed}.jpg", out.getvalue(), content_type="image/jpeg")


def at(y, m, d, hh=9, mm=0) -> datetime:
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def flip_bits(phash: str, bits) -> str:
    """``phash`` with the given bit positions flipped (a near copy of a photo's dHash)."""
    value = int(phash, 16)
    for b in bits:
        value ^= 1 << b
    return f"{value:016x}"
