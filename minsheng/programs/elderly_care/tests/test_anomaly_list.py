"""The anomaly review list through HTTP: scope, order, keyset pages, review, query budget,
the rows as the reviewer reads them (each language, escaped) and the formatting budget."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.access.models import Organisation
from minsheng.identity.models import Person, User
from minsheng.regions.models import Region

from .. import selectors
from ..models import Anomaly, AnomalyStatus, OrderStatus, WorkOrder
from ..views import oversight
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

    def anomaly(
        *, region=None, kind="short", status=AnomalyStatus.OPEN, at=None, start=None, detail=None
    ):
        start = start or f.at(2026, 3, 1, 8) + timedelta(hours=next(seq))
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
            work_order=order,
            kind=kind,
            status=status,
            detail={"served": 30, "planned": 60} if detail is None else detail,
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


def test_rows_carry_the_stored_timestamps_and_detail(world):
    """The rows give back what was stored: aware timestamps, the detail as JSON."""
    a = world(detail={"distance_m": 812.5, "radius_m": 300})
    (row,) = selectors.open_anomalies_for(user=world.officer)
    a.refresh_from_db()
    assert (row.pk, row.work_order_id, row.kind) == (a.pk, a.work_order_id, "short")
    assert row.created_at == a.created_at and row.created_at.utcoffset() == timedelta(0)
    assert row.planned_start == a.work_order.planned_start == f.at(2026, 3, 1, 9)
    assert row.detail == {"distance_m": 812.5, "radius_m": 300}
    assert (row.elder, row.caregiver) == ("张桂英", "李护理")


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
    # One list query; the role check's assignments are read once (minsheng.access.principal)
    # and reused for the scope, not read again.
    assert thirty[1:] == (1, 1)


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def rows_of(html: str) -> list[str]:
    """The table's anomaly rows, each CSRF token (masked afresh per page) as TOKEN."""
    rows = [line for line in html.splitlines() if 'name="anomaly"' in line]
    return [CSRF.sub('name="csrfmiddlewaretoken" value="TOKEN"', row) for row in rows]


def expected_row(a, *, kind, detail, note, clear, uphold) -> str:
    order = a.work_order
    return (
        f"<tr><td>#{order.pk}</td><td>2026-03-01 09:00</td><td>张桂英</td>"
        f"<td>{order.provider.name}</td><td>李护理</td><td>{kind}</td><td>{detail}</td>"
        '<td><form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="TOKEN">'
        f'<input type="hidden" name="anomaly" value="{a.pk}">'
        f'<label class="d-block"><span class="visually-hidden">{note}</span><input name="note" class="form-control form-control-sm mb-1"></label>'
        f'<span class="d-flex flex-wrap gap-1"><button name="decision" value="clear" class="btn btn-outline-success btn-sm">{clear}</button> '
        f'<button name="decision" value="uphold" class="btn btn-outline-danger btn-sm">{uphold}</button></span></form></td></tr>'
    )


def test_each_row_shows_the_visit_and_the_review_form_in_the_readers_language(client, world):
    """Everything the reviewer decides on, in each request's language (Chinese by default),
    the visit time in local time; the labels are kept per language, so alternate."""
    a = world()  # visit planned 2026-03-01 09:00 Beijing time (01:00 UTC)
    client.force_login(world.officer)
    chinese = expected_row(
        a,
        kind="服务时长不足",
        detail="实际服务分钟 30 · 计划服务分钟 60",
        note="备注",
        clear="核销（照付）",
        uphold="成立（扣减）",
    )
    english = expected_row(
        a,
        kind="visit shorter than planned",
        detail="minutes served 30 · minutes planned 60",
        note="Note",
        clear="Clear (pay)",
        uphold="Uphold (deduct)",
    )
    for language, row in (("en", english), ("zh-hans", chinese), ("en", english)):
        html = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert rows_of(html) == [row], language


def test_the_rows_review_form_carries_a_working_csrf_token(world):
    a = world()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.officer)
    html = strict.get(URL).content.decode()
    (row,) = [line for line in html.splitlines() if f'name="anomaly" value="{a.pk}"' in line]
    token = CSRF.search(row).group(1)
    assert strict.post(URL, {"anomaly": a.pk, "decision": "clear"}).status_code == 403
    page = strict.post(URL, {"csrfmiddlewaretoken": token, "anomaly": a.pk, "decision": "clear"})
    assert page.status_code == 302
    a.refresh_from_db()
    assert a.status == AnomalyStatus.CLEARED


def test_names_and_details_are_escaped(client, world):
    a = world(detail={"served": 30, "note": '<img src=x onerror="alert(1)">'})
    Person.objects.filter(pk=a.work_order.elder.person_id).update(name="Ann <b>")
    Organisation.objects.filter(pk=a.work_order.provider_id).update(name="O'Neil & Co")
    User.objects.filter(pk=world.caregiver.user_id).update(name='"Li" <script>')
    client.force_login(world.officer)
    (row,) = rows_of(client.get(URL).content.decode())
    assert "<b>" not in row and "<script>" not in row and "<img" not in row
    assert "<td>Ann &lt;b&gt;</td>" in row
    assert "<td>O&#x27;Neil &amp; Co</td>" in row
    assert "<td>&quot;Li&quot; &lt;script&gt;</td>" in row
    assert "note &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in row


def test_list_formats_each_distinct_detail_and_visit_time_once(client, world, monkeypatch):
    """Formatting budget: a page repeats its visit slots and details; each distinct one
    is formatted once (strftime and json.loads on every row cost more than the rest)."""
    slots = [f.at(2026, 3, 2, 8), f.at(2026, 3, 2, 10), f.at(2026, 3, 3, 8)]
    details = [{"served": 30, "planned": 60}, {"served": 20, "planned": 60}]
    for i in range(30):
        world(start=slots[i % 3], detail=details[i % 2])
    calls = {"detail": 0, "time": 0}

    def counted(name, fn):
        def call(*args):
            calls[name] += 1
            return fn(*args)

        return call

    monkeypatch.setattr(oversight, "_detail", counted("detail", oversight._detail))
    monkeypatch.setattr(oversight, "_local_minute", counted("time", oversight._local_minute))
    client.force_login(world.officer)
    html = client.get(URL).content.decode()
    assert len(rows_of(html)) == 30
    assert html.count("<td>2026-03-02 10:00</td>") == 10
    assert html.count("实际服务分钟 20 · 计划服务分钟 60") == 15
    assert calls == {"detail": 2, "time": 3}
