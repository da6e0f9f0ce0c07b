"""A small Lianyungang for start-up tests: a district, its departments and staff, a bank,
a seal shop, a founder and a second shareholder with real-name accounts."""

import datetime as dt
from dataclasses import dataclass, field

import pytest

from minsheng.access.models import Organisation, Role, RoleAssignment
from minsheng.access.roles import CORE_ROLES
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.idnumbers import id_number_make
from minsheng.identity.models import Person, User
from minsheng.programs.enterprise_startup.models import SealShop
from minsheng.programs.enterprise_startup.processes import STEPS
from minsheng.regions.models import Region

FOUNDER_ID = id_number_make(region_code="320706", birth_date=dt.date(1985, 3, 4), sequence=123)
PARTNER_ID = id_number_make(region_code="320706", birth_date=dt.date(1990, 7, 8), sequence=246)


@dataclass
class World:
    city: Region
    district: Region
    town: Region
    bank: Organisation
    shop: SealShop
    founder: User
    partner: User
    officers: dict = field(default_factory=dict)
    supervisor: User = None


def staff_user(username, role, org, region):
    user = User.objects.create_user(username=username, password="x-pass-123", name=username)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    RoleAssignment.objects.create(user=user, role_id=role, organisation=org, region=region)
    return user


def citizen(username, name, number):
    user = User.objects.create_user(username=username, password="x-pass-123", name=name)
    Person.objects.create(user=user, name=name, id_number=number, id_number_hash=keyed_hash(number), id_number_tail=number[-4:])
    return user


@pytest.fixture
def world(db) -> World:
    for code, spec in CORE_ROLES.items():
        Role.objects.get_or_create(code=code, defaults={"title": str(spec["title"])})
    province = Region.objects.create(code="320000", prefix="32", name="江苏省", level="province")
    city = Region.objects.create(code="320700", prefix="3207", name="连云港市", level="city", parent=province)
    district = Region.objects.create(code="320706", prefix="320706", name="海州区", level="county", parent=city)
    town = Region.objects.create(code="320706001", prefix="320706001", name="新海街道", level="town", parent=district)
    officers = {}
    for code in STEPS:
        if code == "bank":
            continue
        org = Organisation.objects.create(name=f"海州区{code}", kind="department", department_code=code, region=district)
        officers[code] = staff_user(f"{code}_officer", "case_officer", org, district)
    bank = Organisation.objects.create(name="中国银行连云港分行", kind="bank", region=district)
    officers["bank"] = staff_user("bank_officer", "case_officer", bank, district)
    gov = Organisation.objects.create(name="连云港市人民政府", kind="department", department_code="government", region=city)
    shop = SealShop.objects.create(name="海州区诚信刻章店", region=district, licence_number="GA-001")
    return World(
        city=city,
        district=district,
        town=town,
        bank=bank,
        shop=shop,
        founder=citizen("founder", "张伟", FOUNDER_ID),
        partner=citizen("partner", "王芳", PARTNER_ID),
        officers=officers,
        supervisor=staff_user("leader", "supervisor", gov, city),
    )


def full_steps(world, **over):
    today = dt.date.today()
    steps = {
        "type": {
            "enterprise_type": "llc",
            "registered_capital": "1000000",
            "contribution_form": "cash",
            "paid_in_deadline": (today + dt.timedelta(days=365 * 3)).isoformat(),
        },
        "people": {
            "legal_rep": {"name": "张伟", "id_number": FOUNDER_ID},
            "shareholders": [
                {"kind": "person", "name": "张伟", "id_number": FOUNDER_ID, "share_percent": "60"},
                {"kind": "person", "name": "王芳", "id_number": PARTNER_ID, "share_percent": "40"},
            ],
            "directors": ["张伟"],
            "supervisors": ["王芳"],
            "manager": "张伟",
            "liaison": {"name": "张伟", "id_number": FOUNDER_ID, "phone": "13900000001"},
            "finance": {"name": "王芳", "phone": "13900000002"},
        },
        "address": {"region_code": world.town.code, "street": "朝阳东路18号5楼501室", "pledge": True},
        "scope": {"items": ["G0001", "G0002"], "licence_ack": False},
        "services": {
            "bank": world.bank.pk,
            "seal_shop": world.shop.pk,
            "recipient": {"name": "张伟", "phone": "13900000001"},
            "delivery_address": "江苏省连云港市海州区朝阳东路18号",
        },
    }
    for k, v in over.items():
        steps[k] = v
    return steps


@pytest.fixture
def catalogue():
    """The catalogue a migration seeds; after a transactional test's flush the app's post_migrate
    hook loads it again (this fixture checks that it did, rather than loading it itself)."""
    from minsheng.programs.enterprise_startup.models import ScopeItem

    assert ScopeItem.objects.exists(), "post_migrate reloads the business-scope catalogue after a flush"


@pytest.fixture
def make_application(world):
    from minsheng.programs.enterprise_startup.services import draft, names, submission

    def make(trade="云帆", steps=None, confirm=True, submit=True):
        app = names.name_reserve(
            applicant=world.founder, region_code="320706", trade_name=trade, industry="科技",
            org_form="有限公司", enterprise_type="llc", pledge=True,
        )
        for step, data in (steps or full_steps(world)).items():
            draft.draft_save(application=app, actor=world.founder, step=step, data=data)
        if confirm:
            submission.confirmations_request(application=app, actor=world.founder)
            for c in app.confirmations.filter(confirmed_at__isnull=True):
                submission.confirmation_sign(confirmation=c, user=world.partner)
        if submit:
            submission.application_submit(application=app, actor=world.founder)
        app.refresh_from_db()
        return app

    return make


STEP_DATA = {
    "market_regulation": {},
    "public_security": {"filing_number": "GA2026-0001"},
    "tax": {"taxpayer_type": "小规模纳税人"},
    "human_resources": {"social_insurance_number": "SB-1"},
    "medical_insurance": {"medical_insurance_number": "YB-1"},
    "housing_fund": {"housing_fund_account": "GJJ-1"},
    "bank": {"appointment_at": "2026-03-03T10:00"},
}


def finish_all(world, app):
    from minsheng.cases.models import CaseTask
    from minsheng.programs.enterprise_startup.services import departments

    for task in CaseTask.objects.filter(case_id=app.case_id).order_by("id"):
        departments.step_complete(task=task, actor=world.officers[task.department_code], data=STEP_DATA[task.department_code])
    app.refresh_from_db()
    return app


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the message ids)."""
    from django.utils import translation

    with translation.override("en"):
        yield
