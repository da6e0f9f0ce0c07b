"""The anomaly review list through HTTP: scope, order, keyset pages, review, query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.regions.models import Region

from .. import selectors
from ..models import Anomaly, AnomalyStatus, OrderStatus, WorkOrder
from . import factories as f

pytestmark = pytest.mark.django_db
URL = "/p/elderly_care/anomalies/"


@pytest.fixture
def world():
    city, county, *_ = f.regions()
    org = f.provider()
    cg = f.caregiver(org)
    elder = f.elder()
    officer = f.grant(
        f.user("民政", staff=True), "civil_affairs_officer", f.civil_affairs(), county
    )
    other_county = Region.objects.create(
        code="320703", prefix="320703", name="连云区", level="county", parent=city
    )
    elsewhere = Region.objects.create(
        code="320703001001",
        prefix="320703001001",
        name="墟沟社区",
        level="community",
        parent=other_county,
    )
    items = f.services()
    seq = iter(range(1, 10_000))

    def anomaly(*, region=None, kind="short", status=AnomalyStatus.OPEN, at=None):
        start = f.at(2026, 3, 1, 8) + timedelta(hours=next(seq))
        order = WorkOrder.objects.create(
            elder=elder,
            region_id=region.code if region else elder.region_id,
            provider=org,
            caregiver=cg,
            service=items["cleaning"],
            planned_start=start,
            planned_minutes=60,
            status=OrderStatus.VERIFIED,
            checked_in_at=start,
            checked_out_at=start + timedelta(minutes=30),
            minutes_served=30,
            amount=Decimal("35"),
        )
        a = Anomaly.objects.create(
            work_order=order, kind=kind, status=status, detail={"served": 30, "planned": 60}
        )
        if at is not None:
            Anomaly.objects.filter(pk=a.pk).update(created_at=at)
        return a

    anomaly.officer, anomaly.elsewhere, anomaly.caregiver = officer, elsewhere, cg
    return anomaly


def ids_on(client, url=URL) -> tuple[list[int], str | None]:
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    ids = [int(x.split('"')[0]) for x in html.split('name="anomaly" value="')[1:]]
    return ids, page.context["older"]


def test_list_shows_open_anomalies_in_the_officers_district_newest_first(client, world):
    old = world(at=f.at(2026, 3, 2))
    new = world(kind="geofence", at=f.at(2026, 3, 5))
    world(status=AnomalyStatus.CLEARED, at=f.at(2026, 3, 6))
    world(region=world.elsewhere, at=f.at(2026, 3, 7))  # another district
    client.force_login(world.officer)
    ids, older = ids_on(client)
    assert ids == [new.pk, old.pk]
    assert older is None
    html = client.get(URL).content.decode()
    assert "张桂英" in html and "李护理" in html
    assert "实际服务分钟 30 · 计划服务分钟 60" in html


def test_older_pages_follow_the_keyset_through_equal_timestamps(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "ANOMALY_PAGE", 2)
    same = f.at(2026, 3, 4)
    made = [world(at=same) for _ in range(3)] + [world(at=f.at(2026, 3, 3 - i)) for i in range(2)]
    client.force_login(world.officer)
    seen, url = [], URL
    while url:
        ids, older = ids_on(client, url)
        assert len(ids) <= 2
        seen += ids
        url = f"{URL}?{older}" if older else None
    expected = sorted(made[:3], key=lambda a: -a.pk) + made[3:]
    assert seen == [a.pk for a in expected]


def test_a_broken_page_link_says_so_and_shows_the_newest(client, world):
    a = world()
    client.force_login(world.officer)
    page = client.get(URL, {"before": "yesterday", "before_id": "x"})
    assert page.status_code == 200
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert ids_on(client, f"{URL}?before=yesterday&before_id=x")[0] == [a.pk]


def test_review_from_the_list_clears_or_upholds_and_refuses_an_unexplained_deduction(client, world):
    cleared, upheld = world(), world()
    client.force_login(world.officer)
    page = client.post(URL, {"anomaly": cleared.pk, "decision": "clear"}, follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    page = client.post(URL, {"anomaly": upheld.pk, "decision": "uphold"}, follow=True)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    upheld.refresh_from_db()
    assert upheld.status == AnomalyStatus.OPEN
    client.post(URL, {"anomaly": upheld.pk, "decision": "uphold", "note": "照片重复"})
    cleared.refresh_from_db()
    upheld.refresh_from_db()
    assert (cleared.status, upheld.status) == (AnomalyStatus.CLEARED, AnomalyStatus.DEDUCTED)
    assert upheld.work_order.status == OrderStatus.REJECTED
    assert client.post(URL, {"anomaly": "abc", "decision": "clear"}).status_code == 404
    outside = world(region=world.elsewhere)
    assert client.post(URL, {"anomaly": outside.pk, "decision": "clear"}).status_code == 404


def test_list_reads_its_rows_in_one_query_however_many_there_are(client, world):
    """Query budget: one query for the list (names by subquery, no per-row lookups)."""
    client.force_login(world.officer)
    world()
    client.get(URL)  # warm the session and caches

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        sqls = [q["sql"] for q in ctx.captured_queries]
        return (
            len(sqls),
            sum("elderly_care_" in s for s in sqls),
            sum('FROM "access_roleassignment"' in s for s in sqls),
        )

    one = count()
    for _ in range(29):
        world()
    thirty = count()
    assert len(ids_on(client)[0]) == 30
    assert one == thirty
    # One list query; the role check's assignments come from the per-user cache
    # (minsheng.access.principal) and are reused for the scope, not read again.
    assert thirty[1:] == (1, 0)
