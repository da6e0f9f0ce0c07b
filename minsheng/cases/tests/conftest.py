"""A small world for the case engine: a city, a district, three offices and their staff."""

from dataclasses import dataclass

import pytest

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.access.roles import CORE_ROLES
from minsheng.cases.examples import register_examples
from minsheng.identity.models import Person, PersonRelation, User
from minsheng.regions.models import Region

register_examples()


@dataclass
class World:
    city: Region
    district: Region
    other_district: Region
    bureau: Organisation
    market: Organisation
    tax: Organisation
    officer: User
    head: User
    market_officer: User
    market_head: User
    tax_officer: User
    other_officer: User
    citizen: User
    parent: User
    child: Person
    stranger: User


def make_staff(username, role, org, region):
    user = User.objects.create_user(username=username, password="x-pass-123", name=username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    RoleAssignment.objects.create(user=user, role_id=role, organisation=org, region=region)
    return user


def make_citizen(username, name):
    user = User.objects.create_user(username=username, password="x-pass-123", name=name)
    Person.objects.create(user=user, name=name)
    return user


@pytest.fixture
def world(db) -> World:
    for code, spec in CORE_ROLES.items():
        Role.objects.get_or_create(code=code, defaults={"title": str(spec["title"])})
    province = Region.objects.create(code="320000", prefix="32", name="江苏省", level="province")
    city = Region.objects.create(
        code="320700", prefix="3207", name="连云港市", level="city", parent=province
    )
    district = Region.objects.create(
        code="320706", prefix="320706", name="海州区", level="county", parent=city
    )
    other = Region.objects.create(
        code="320707", prefix="320707", name="赣榆区", level="county", parent=city
    )
    bureau = Organisation.objects.create(
        name="市行政审批局", kind="department", department_code="approval_bureau", region=city
    )
    market = Organisation.objects.create(
        name="海州区市场监管局", kind="department", department_code="market_regulation", region=district
    )
    Organisation.objects.create(
        name="市市场监管局", kind="department", department_code="market_regulation", region=city
    )
    tax = Organisation.objects.create(
        name="市税务局", kind="department", department_code="tax", region=city
    )
    other_org = Organisation.objects.create(
        name="赣榆区市场监管局", kind="department", department_code="market_regulation", region=other
    )
    parent = make_citizen("parent", "王芳")
    child = Person.objects.create(name="王小明")
    PersonRelation.objects.create(person=parent.person, relative=child, kind="guardian")
    return World(
        city=city,
        district=district,
        other_district=other,
        bureau=bureau,
        market=market,
        tax=tax,
        officer=make_staff("officer", "case_officer", bureau, city),
        head=make_staff("head", "department_head", bureau, city),
        market_officer=make_staff("market_officer", "case_officer", market, district),
        market_head=make_staff("market_head", "department_head", market, district),
        tax_officer=make_staff("tax_officer", "case_officer", tax, city),
        other_officer=make_staff("other_officer", "case_officer", other_org, other),
        citizen=make_citizen("citizen", "李明"),
        parent=parent,
        child=child,
        stranger=make_citizen("stranger", "赵强"),
    )
