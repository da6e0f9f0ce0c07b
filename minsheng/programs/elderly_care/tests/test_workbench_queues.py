"""The workbench shows each staff member the queues behind their entries, with counts (issue 19):
counted through the pages' own access gates, one statement per entry whatever the rows."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.core.registry import registry
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

from ..services import orders
from ..services.applications import application_submit
from . import factories as f

pytestmark = pytest.mark.django_db
BUDGET = 45  # /workbench/ for a superuser, who sees every program's entries (and their counts)


def _visits_today(caregiver, n: int) -> None:
    start = datetime.combine(timezone.localdate(), time(20, 0), timezone.get_current_timezone())
    service = f.services()["cleaning"]
    for k in range(n):
        orders.order_create(
            elder=f.elder(name=f"老人{k}", family_phone=""), provider=caregiver.provider, service=service,
            planned_start=start + timedelta(minutes=k), caregiver=caregiver,
        )


def _application(k: int):
    *_, community = f.regions()
    f.civil_affairs()  # the district's bureau the application goes to
    person = Person.objects.create(name=f"申请人{k}", birth_date=date(1940, 1, 1), residence_region=community)
    return application_submit(person=person, submitted_by=f.user(f"家属{k}"), categories=["advanced_age"],
                              living_arrangement="alone", on_behalf=True)


def _waiting(page: str, title: str) -> str:
    """The count shown on the entry ``title`` ("3 waiting"), or "" when none shows."""
    tile = page.split(f"<strong>{title}</strong>", 1)[1].split("</a>", 1)[0]
    return tile.split('data-test="entry-count">', 1)[1].split("<", 1)[0] if "entry-count" in tile else ""


def _statements(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/workbench/").content.decode()
    return len(captured), page


def test_a_caregiver_sees_her_visits_today_and_an_officer_the_applications_of_his_district(client):
    provider = f.provider()
    mine, other = f.caregiver(provider, "王护理"), f.caregiver(f.provider("连云颐养"), "赵护理")
    _visits_today(mine, 3)
    _visits_today(other, 1)
    _application(1)
    _application(2)
    client.cookies["django_language"] = "en"
    client.force_login(mine.user)
    assert _waiting(client.get("/workbench/").content.decode(), "My visits today") == "3 waiting"
    client.force_login(other.user)
    assert _waiting(client.get("/workbench/").content.decode(), "My visits today") == "1 waiting"

    _city, county, *_ = f.regions()
    officer = f.grant(f.user("民政员"), "civil_affairs_officer", f.civil_affairs(), county)
    elsewhere = Region.objects.create(code="320707", prefix="320707", name="赣榆区", level="county",
                                      parent=county.parent)
    stranger = f.grant(f.user("外区民政员"), "civil_affairs_officer", f.civil_affairs(elsewhere), elsewhere)
    client.force_login(officer)
    assert _waiting(client.get("/workbench/").content.decode(), "Home-care applications") == "2 waiting"
    client.force_login(stranger)
    assert _waiting(client.get("/workbench/").content.decode(), "Home-care applications") == "0 waiting"


def test_the_workbench_counts_cost_one_statement_per_entry_whatever_the_rows(client, django_assert_max_num_queries):
    admin = User.objects.create(username="root", name="管理员", is_staff=True, is_superuser=True)
    counted = [e for e in registry.workbench_entries() if e.count]
    assert len({e.url_name.split(":")[0] for e in counted}) >= 4  # several programs' queues
    for entry in counted:
        with CaptureQueriesContext(connection) as captured:
            assert entry.waiting_for(admin) == 0
        assert len(captured) == 1, (entry.url_name, [q["sql"] for q in captured])
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    caregiver = f.caregiver(f.provider())
    _visits_today(caregiver, 1)
    _application(1)
    few, _page = _statements(client)
    _visits_today(caregiver, 6)
    for k in range(2, 7):
        _application(k)
    many, page = _statements(client)
    assert many == few, (few, many)
    assert _waiting(page, "Home-care applications")  # the superuser sees every queue, with its count
    with django_assert_max_num_queries(BUDGET):
        client.get("/workbench/")
