from datetime import date

import pytest
from django.db import transaction
from stdnum.cn import ric

from minsheng.access.models import Organisation, RoleAssignment
from minsheng.core.creditcode import credit_code_validate
from minsheng.demo.context import DEMO_PASSWORD, DemoContext
from minsheng.demo.geography import LAT_MAX, LAT_MIN, LON_MAX, LON_MIN
from minsheng.demo.models import DemoLogin, DemoRun
from minsheng.demo.services import demo_build
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import id_number_validate
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region, RegionLevel
from minsheng.regions.services import regions_load

pytestmark = pytest.mark.django_db
SCALE = 0.0002  # 40 residents, but every school, town and department all the same
CURRENT_COUNTIES = {"320703", "320706", "320707", "320722", "320723", "320724"}


class _Rollback(Exception):
    pass


@pytest.fixture
def jiangsu():
    regions_load(province="32", history=False)


@pytest.fixture
def city(jiangsu):
    demo_build(scale=SCALE, seed=11, show_progress=False)


@pytest.fixture
def foundation_city(jiangsu):
    """The foundation's part alone: what this app promises, without the programs' data."""
    demo_build(scale=SCALE, seed=11, only=["foundation"], show_progress=False)


def _counts():
    return {
        "communities": Region.objects.filter(level=RegionLevel.COMMUNITY).count(),
        "organisations": Organisation.objects.count(),
        "people": Person.objects.count(),
        "users": User.objects.count(),
        "assignments": RoleAssignment.objects.count(),
    }


def test_building_twice_changes_nothing_the_second_time(city):
    before = _counts()
    assert demo_build(scale=SCALE, seed=11, show_progress=False) == {}
    assert _counts() == before
    assert DemoRun.objects.get(part="foundation").counts["residents"] == 40


def test_same_seed_builds_the_same_city(jiangsu):
    def snapshot(seed):
        try:
            with transaction.atomic():
                demo_build(scale=SCALE, seed=seed, only=["foundation"], show_progress=False)
                result = (
                    list(
                        Person.objects.order_by("id").values_list(
                            "name", "id_number_hash", "residence_region_id"
                        )[:20]
                    ),
                    list(Organisation.objects.order_by("id").values_list("name", "credit_code")),
                    list(
                        Region.objects.filter(level="community").values_list(
                            "code", "name", "latitude"
                        )
                    ),
                )
                raise _Rollback
        except _Rollback:
            return result

    first, second, other = snapshot(5), snapshot(5), snapshot(6)
    assert first == second
    assert first[0] != other[0]


def test_every_town_has_communities_placed_in_the_city(city):
    towns = Region.objects.filter(level=RegionLevel.TOWN, prefix__startswith="3207")
    with_communities = set(
        Region.objects.filter(level=RegionLevel.COMMUNITY).values_list("parent_id", flat=True)
    )
    assert set(towns.values_list("code", flat=True)) <= with_communities
    communities = Region.objects.filter(level=RegionLevel.COMMUNITY)
    assert 1400 <= communities.count() <= 1900
    for c in communities:
        assert c.code.startswith(c.parent_id) and len(c.code) == 12
        assert LAT_MIN <= c.latitude <= LAT_MAX and LON_MIN <= c.longitude <= LON_MAX
        assert c.name.endswith(("社区", "村"))
    total = sum(communities.values_list("population", flat=True))
    assert 4_400_000 <= total <= 4_800_000
    assert all(c.is_urban for c in communities.filter(parent__name__endswith="街道"))


def test_organisations_include_364_schools_and_departments_with_valid_credit_codes(foundation_city):
    schools = Organisation.objects.filter(kind="school")
    assert schools.count() == 364
    assert schools.values("name").distinct().count() == 364
    assert all(
        s.name.endswith(("小学", "初级中学", "九年一贯制学校"))
        and s.parent.department_code == "education"
        for s in schools.select_related("parent")
    )
    for org in Organisation.objects.all():
        assert credit_code_validate(org.credit_code) == org.credit_code
    civil = Organisation.objects.get(department_code="civil_affairs", region_id="320706")
    assert civil.name == "连云港市海州区民政局"
    assert civil.parent.region_id == "320700"
    codes = set(
        Organisation.objects.filter(kind="department").values_list("department_code", flat=True)
    )
    assert {
        "civil_affairs",
        "education",
        "medical_insurance",
        "market_regulation",
        "housing",
        "public_security",
        "tax",
        "human_resources",
        "housing_fund",
        "people_congress",
    } <= codes
    assert Organisation.objects.filter(kind="street").count() == 109


def test_demo_sign_ins_work_with_the_printed_password(foundation_city):
    logins = {d.login: d for d in DemoLogin.objects.all()}
    assert {"admin", "civil_affairs_haizhou", "13900000001"} <= set(logins)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    officer = User.objects.get(username="civil_affairs_haizhou")
    grant = RoleAssignment.objects.get(user=officer)
    assert (grant.role_id, grant.region_id, grant.organisation.department_code) == (
        "case_officer",
        "320706",
        "civil_affairs",
    )
    citizen = User.objects.get(phone_hash=keyed_hash("13900000001"))
    assert citizen.check_password(DEMO_PASSWORD) and citizen.person.name == "张伟"
    unknown = User.objects.filter(is_staff=False).exclude(
        phone_hash__in=[keyed_hash(p) for p in ("13900000001", "13900000002", "13900000003")]
    )
    assert unknown.exists()
    assert not any(u.has_usable_password() for u in unknown)


def test_new_people_have_valid_id_numbers_from_current_county_codes(city):
    ctx = DemoContext(scale=SCALE, seed=3, part="test", show_progress=False)
    haizhou = Region.objects.get(code="320706")
    born = (date(1940, 1, 1), date(1945, 12, 31))
    people = ctx.new_people(count=300, regions=[haizhou], birth_between=born, sex="F")
    for p in Person.objects.filter(pk__in=[p.pk for p in people]):
        number = p.id_number
        # stdnum's calc_check_digit wants the 18-character number (it drops
        # the last character), so check the whole number with it.
        assert ric.calc_check_digit(number) == number[17]
        assert id_number_validate(number).birth_date == p.birth_date
        assert number[:6] in CURRENT_COUNTIES
        assert number[:6] == "320706"  # 海州区 residents (经开区 ones would also carry 320706)
        assert born[0] <= p.birth_date <= born[1]
        assert number[6:14] == p.birth_date.strftime("%Y%m%d")
        assert int(number[16]) % 2 == 0 and p.sex == "F"
        assert p.id_number_hash == keyed_hash(number) and p.id_number_tail == number[-4:]
        assert p.residence_region.prefix.startswith("320706")
        assert p.address.startswith("江苏省连云港市海州区")
        assert abs(p.latitude - p.residence_region.latitude) < 0.05


def test_new_people_with_accounts_get_citizen_accounts_without_password(city):
    ctx = DemoContext(scale=SCALE, seed=4, part="test", show_progress=False)
    people = ctx.new_people(count=5, with_accounts=True)
    for p in people:
        user = User.objects.get(pk=p.user_id)
        assert not user.is_staff and not user.has_usable_password()
        assert user.phone_hash == keyed_hash(user.phone) == p.phone_hash


def test_scaled_keeps_a_minimum(jiangsu):
    ctx = DemoContext(scale=0.01, seed=1)
    assert ctx.scaled(605_000) == 6050
    assert ctx.scaled(10, minimum=3) == 3
