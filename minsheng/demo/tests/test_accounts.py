"""The demo city's sign-ins: one per role, each able to open its own screens."""

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.access.models import RoleAssignment
from minsheng.core.registry import registry
from minsheng.demo.accounts import accounts_build, accounts_table, accounts_write, declared_accounts
from minsheng.demo.context import DEMO_PASSWORD, DemoContext
from minsheng.demo.models import DemoLogin
from minsheng.demo.services import demo_build
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.regions.services import regions_load

pytestmark = pytest.mark.django_db
SCALE = 0.0002


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        regions_load(province="32", history=False)
        demo_build(scale=SCALE, seed=11, show_progress=False)
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _user(login: str) -> User:
    if login.isdigit():
        return User.objects.get(phone_hash=keyed_hash(login))
    return User.objects.get(username=login)


def _signed_in(login: str) -> Client:
    client = Client()
    assert client.login(username=login, password=DEMO_PASSWORD), login
    return client


def test_every_declared_role_has_an_account_that_signs_in_with_the_printed_password(city):
    declared = {a.login: a for _p, a in declared_accounts()}
    made = set(DemoLogin.objects.values_list("login", flat=True))
    assert set(declared) == made
    every_role = {code for p in registry.programs() for code in p.roles} | {
        "admin", "supervisor", "case_officer", "department_head", "pii_viewer", "staff_admin"
    }
    granted = {r for a in declared.values() for r in a.roles}
    assert every_role <= granted, every_role - granted
    for login, account in declared.items():
        user = _user(login)
        assert user.check_password(DEMO_PASSWORD), login
        held = set(RoleAssignment.objects.filter(user=user).values_list("role_id", flat=True))
        assert set(account.roles) <= held, login


def test_the_caregiver_signs_in_by_phone_and_has_visits_with_the_provider(city):
    from minsheng.programs.elderly_care.models import Caregiver

    client = _signed_in("13900000011")
    caregiver = Caregiver.objects.get(user=_user("13900000011"))
    provider_admin = RoleAssignment.objects.get(user=_user("provider_admin"), role_id="provider_admin")
    assert caregiver.provider_id == provider_admin.organisation_id
    assert client.get(reverse("elderly_care:caregiver_today")).status_code == 200


@pytest.mark.parametrize(
    "login,url_names",
    [
        ("civil_affairs_supervisor", ["elderly_care:elders", "elderly_care:orders",
                                      "elderly_care:statements", "elderly_care:alarms",
                                      "elderly_care:anomalies"]),
        ("civil_affairs_elderly", ["elderly_care:elders", "elderly_care:statements", "elderly_care:rules"]),
        ("provider_admin", ["elderly_care:orders", "elderly_care:statements"]),
        ("community_worker", ["elderly_care:elders", "elderly_care:alarms"]),
        ("canteen_operator", ["elderly_care:meals"]),
        ("bank_demo", ["workbench:inbox"]),
        ("hall_haizhou", ["service_halls:manage", "service_halls:stats"]),
        ("clerk_haizhou_1", ["service_halls:clerk_home"]),
        ("panel_organiser", ["workbench:inbox"]),
        ("school_admin_1", ["workbench:inbox"]),
    ],
)
def test_each_role_opens_its_own_screens(city, login, url_names):
    client = _signed_in(login)
    for name in url_names:
        assert client.get(reverse(name)).status_code == 200, (login, name)


def test_a_supervisor_follows_alarms_but_cannot_close_them(city):
    client = _signed_in("civil_affairs_supervisor")
    response = client.post(reverse("elderly_care:alarms"), {"alarm": "1", "action": "close"})
    assert response.status_code == 403


def test_the_bank_officer_opens_the_bank_step_of_its_bank_and_no_other(city):
    from minsheng.cases.models import CaseTask

    bank = RoleAssignment.objects.get(user=_user("bank_demo"), role_id="bank_officer").organisation
    ours = [bank.pk, *bank.children.values_list("pk", flat=True)]
    tasks = CaseTask.objects.filter(department_code="bank")
    client = _signed_in("bank_demo")
    mine = tasks.filter(organisation__in=ours).first()
    assert mine is not None
    assert client.get(reverse("workbench:task", args=[mine.pk])).status_code == 200
    other = tasks.exclude(organisation__in=ours).first()
    if other is not None:  # the demo's founders chose other banks too
        assert client.get(reverse("workbench:task", args=[other.pk])).status_code == 404


def test_building_again_keeps_the_accounts_and_the_table_lists_each_once(city, tmp_path):
    before = User.objects.count()
    ctx = DemoContext(scale=SCALE, seed=11, part="accounts", show_progress=False)
    accounts_build(ctx)
    assert User.objects.count() == before
    path = accounts_write(tmp_path / "demo-accounts.txt")
    text = path.read_text(encoding="utf-8")
    assert text == accounts_table()
    cells = [cell.strip() for line in text.splitlines() for cell in line.split("  ") if cell.strip()]
    for login in DemoLogin.objects.values_list("login", flat=True):
        assert cells.count(login) == 1, login
    assert "13900000011" in text and "bank_demo" in text and DEMO_PASSWORD in text
    assert "居家护理员" in text or "home caregiver" in text
