"""The set-up lists read the same number of statements for a few rows as for many (no N+1)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .. import services
from ..models import RectificationOrder
from . import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
P = "/p/evaluation_panels"


@pytest.fixture
def organiser():
    return f.staff_user("panel_organiser", organisation=f.org("市人大"), region=f.city())


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx.captured_queries)


def _add_projects(n):
    for _ in range(n):
        p = f.project(milestones=[("开工", f.NOW.date() - timedelta(days=3)), ("完工", f.NOW.date() + timedelta(days=90))])
        ev = f.evaluation(p, size=3)
        RectificationOrder.objects.create(evaluation=ev, project=p, lead_unit=p.lead_unit, reasons="道路坑洼",
                                          deadline_at=f.NOW + timedelta(days=28))


@pytest.mark.parametrize("page", ["manage/projects/", "manage/evaluations/", "manage/rectifications/",
                                  "manage/cycles/"])
def test_the_list_reads_a_fixed_number_of_statements(client, organiser, page, django_assert_max_num_queries):
    client.force_login(organiser)
    _add_projects(2)
    few = _count(client, f"{P}/{page}")
    _add_projects(6)
    assert _count(client, f"{P}/{page}") == few
    with django_assert_max_num_queries(few):
        client.get(f"{P}/{page}")


def test_the_volunteer_pool_reads_a_fixed_number_of_statements(client, organiser):
    client.force_login(organiser)
    f.pool(per_stratum=1)
    few = _count(client, f"{P}/manage/volunteers/")
    f.pool(per_stratum=4)
    services.volunteer_set_active(volunteer=f.volunteer(), active=False, reason="迁出", actor=None)
    assert _count(client, f"{P}/manage/volunteers/") == few
    assert _count(client, f"{P}/manage/volunteers/?active=no&district=320706") <= few
