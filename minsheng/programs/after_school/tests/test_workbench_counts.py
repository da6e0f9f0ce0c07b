"""The workbench shows a school's manager what waits behind the after-school entries (issue 19):
the lotteries to run or publish, the windows open now, the students with a fee waiver — each
counted in the manager's own scope, one statement per entry whatever the rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.access.models import Role, RoleAssignment
from minsheng.core.registry import registry

from . import factories as f

pytestmark = pytest.mark.django_db
ENTRIES = {
    "After-school offerings": "after_school:manage",
    "After-school terms and windows": "after_school:terms",
    "After-school fees and waivers": "after_school:waivers",
}


def _school_admin(school):
    user = f.user("学校管理员", is_staff=True)
    Role.objects.get_or_create(code="school_admin", defaults={"title": "学校管理员"})
    RoleAssignment.objects.create(user=user, role_id="school_admin", organisation=school, region=school.region)
    return user


def _counts(client) -> dict[str, str]:
    page = client.get("/workbench/").content.decode()
    out = {}
    for title in ENTRIES:
        tile = page.split(f"<strong>{title}</strong>", 1)[1].split("</a>", 1)[0]
        out[title] = tile.split('data-test="entry-count">', 1)[1].split("<", 1)[0]
    return out


def _school_with_work(school, *, closed: int, open_now: int, waived: int) -> None:
    now = timezone.now()
    for _k in range(closed):  # closed, the seed committed: "Run the lottery" waits
        f.window(school, opens=now - timedelta(days=5), closes=now - timedelta(days=1))
    for _k in range(open_now):
        f.window(school, opens=now - timedelta(days=1), closes=now + timedelta(days=3))
    f.window(school, opens=now + timedelta(days=3), closes=now + timedelta(days=6))  # not open yet
    for _k in range(waived):
        f.guardian_with_child(school, category="dibao")
    f.guardian_with_child(school)  # no family category: no waiver


def test_a_school_manager_sees_what_waits_in_their_own_school_only(client):
    mine, other = f.school(), f.school("新浦小学")
    _school_with_work(mine, closed=1, open_now=2, waived=3)
    _school_with_work(other, closed=2, open_now=1, waived=1)
    client.cookies["django_language"] = "en"
    client.force_login(_school_admin(mine))
    assert _counts(client) == {
        "After-school offerings": "1 waiting",
        "After-school terms and windows": "2 windows open now",
        "After-school fees and waivers": "3 students with a waiver",
    }
    client.force_login(_school_admin(other))
    assert _counts(client) == {
        "After-school offerings": "2 waiting",
        "After-school terms and windows": "1 window open now",
        "After-school fees and waivers": "1 student with a waiver",
    }
    client.cookies["django_language"] = "zh-hans"
    assert "1 个报名时段正在报名" in client.get("/workbench/").content.decode()


def test_each_count_is_one_statement_whatever_the_rows():
    school = f.school()
    manager = _school_admin(school)
    entries = [e for e in registry.workbench_entries() if e.url_name in ENTRIES.values()]
    assert len(entries) == 3 and all(e.count for e in entries)

    def statements() -> list[int]:
        manager.__dict__.pop("_minsheng_assignments", None)
        out = []
        for entry in entries:
            entry.waiting_for(manager)  # the roles are read once per request (the page read them)
            with CaptureQueriesContext(connection) as captured:
                entry.waiting_for(manager)
            out.append(len(captured))
        return out

    few = statements()
    _school_with_work(school, closed=3, open_now=3, waived=4)
    assert statements() == few == [1, 1, 1]
