"""The supervisor's dashboard through HTTP: sums by district and provider from the rollup."""

from datetime import date
from decimal import Decimal
from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.access.models import Organisation
from minsheng.regions.models import Region

from ..models import DailyRollup, OrderStatus, WorkOrder
from ..services.settlement import rollup_refresh
from . import factories as f

pytestmark = pytest.mark.django_db
URL = "/p/elderly_care/dashboard/?start=2026-03-01&end=2026-03-31"


@pytest.fixture
def supervisor():
    city, county, *_ = f.regions()
    bureau = Organisation.objects.create(name="连云港市民政局", kind="department", region=city)
    return f.grant(f.user("督查"), "supervisor", bureau, city)


def roll(day, district, provider, *, visits, spend, minutes=60, anomalies=0):
    return DailyRollup.objects.create(
        day=day,
        district_id=district,
        provider=provider,
        visits=visits,
        verified=visits,
        minutes=minutes,
        spend=Decimal(spend),
        anomalies=anomalies,
    )


def test_dashboard_sums_by_district_and_provider_within_scope_and_range(client, supervisor):
    city, haizhou, *_ = f.regions()
    lianyun = Region.objects.create(
        code="320703", prefix="320703", name="连云区", level="county", parent=city
    )
    nanjing = Region.objects.create(code="320102", prefix="320102", name="玄武区", level="county")
    a, b, c = f.provider("颐养甲"), f.provider("颐养乙"), f.provider("颐养丙")
    roll(date(2026, 3, 2), haizhou.code, a, visits=3, spend="100.00", anomalies=1)
    roll(date(2026, 3, 3), haizhou.code, a, visits=2, spend="50.00")
    roll(date(2026, 3, 3), haizhou.code, b, visits=1, spend="30.00", minutes=120)
    roll(date(2026, 3, 9), lianyun.code, b, visits=4, spend="200.00", anomalies=2)
    roll(date(2026, 3, 9), nanjing.code, c, visits=9, spend="900.00")  # outside the city
    roll(date(2026, 4, 1), haizhou.code, c, visits=9, spend="900.00")  # outside the range
    client.force_login(supervisor)
    client.get(URL)  # the account and its roles are read once, then cached
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(URL)
    assert page.status_code == 200
    d = page.context["d"]
    assert d["total"] == {
        "visits": 10,
        "verified": 10,
        "minutes": 300,
        "spend": Decimal("380.00"),
        "anomalies": 3,
    }
    assert [(r["district__name"], r["visits"], r["spend"]) for r in d["by_district"]] == [
        ("连云区", 4, Decimal("200.00")),
        ("海州区", 6, Decimal("180.00")),
    ]
    assert [(r["provider__name"], r["visits"], r["spend"]) for r in d["by_provider"]] == [
        (b.name, 5, Decimal("230.00")),
        (a.name, 5, Decimal("150.00")),
    ]
    # The rows as the template's loop printed them (hours: widthratio minutes 60 1).
    html = page.content.decode()
    # spend through the money filter (never the raw Decimal), the name as the row's header
    assert '<tr><th scope="row">海州区</th><td>6</td><td>4</td><td>¥180.00</td><td>1</td></tr>' in html
    assert '<tr><th scope="row">连云区</th><td>4</td><td>1</td><td>¥200.00</td><td>2</td></tr>' in html
    assert f'<tr><th scope="row">{b.name}</th><td>5</td><td>3</td><td>¥230.00</td><td>2</td></tr>' in html
    # Query budget: the signed-in request's account, roles and unread count, then one
    # statement of the page's own — the pass over the rollup, names by subquery.
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert len(sqls) == 4
    own = [s for s in sqls if "elderly_care_" in s]
    assert len(own) == 1 and "elderly_care_dailyrollup" in own[0]


def test_dashboard_scope_is_the_supervisors_district_and_everything_for_a_superuser(client):
    city, haizhou, *_ = f.regions()
    nanjing = Region.objects.create(code="320102", prefix="320102", name="玄武区", level="county")
    a = f.provider("颐养<b>甲</b>")
    roll(date(2026, 3, 2), haizhou.code, a, visits=3, spend="100.50")
    roll(date(2026, 3, 2), nanjing.code, a, visits=1, spend="0.25")
    bureau = Organisation.objects.create(name="海州区民政局", kind="department", region=haizhou)
    worker = f.grant(f.user("社工"), "community_worker", bureau, haizhou)
    client.force_login(worker)
    assert client.get(URL).status_code == 403  # community workers do not see spend
    district = f.grant(f.user("区督查"), "supervisor", bureau, haizhou)
    client.force_login(district)
    d = client.get(URL).context["d"]
    assert [(r["district__name"], r["spend"]) for r in d["by_district"]] == [
        ("海州区", Decimal("100.50"))
    ]
    root = f.user("管理员", staff=True)
    root.is_superuser = True
    root.save(update_fields=["is_superuser"])
    client.force_login(root)
    page = client.get(URL)
    d = page.context["d"]
    assert [(r["district__name"], r["spend"]) for r in d["by_district"]] == [
        ("玄武区", Decimal("0.25")),
        ("海州区", Decimal("100.50")),
    ]
    assert d["total"]["spend"] == Decimal("100.75")
    assert d["by_provider"][0]["provider__name"] == a.name
    assert a.name.startswith("颐养<b>")
    assert f'<th scope="row">{escape(a.name)}</th>' in page.content.decode()


def test_dashboard_for_an_empty_range_shows_nothing(client, supervisor):
    client.force_login(supervisor)
    page = client.get("/p/elderly_care/dashboard/?start=2030-01-01&end=2030-01-31")
    assert page.status_code == 200
    d = page.context["d"]
    assert (d["by_district"], d["by_provider"], d["total"]["visits"]) == ([], [], None)


def test_dashboard_reads_the_rollup(client, order):
    WorkOrder.objects.filter(pk=order.pk).update(
        status=OrderStatus.VERIFIED, amount=Decimal("35"), minutes_served=60
    )
    rollup_refresh(start=date(2026, 3, 1), end=date(2026, 3, 31))
    bureau = Organisation.objects.create(
        name="连云港市民政局", kind="department", region=f.regions()[0]
    )
    officer = f.grant(f.user("民政"), "civil_affairs_officer", bureau, f.regions()[0])
    client.force_login(officer)
    page = client.get("/p/elderly_care/dashboard/?start=2026-03-01&end=2026-03-31")
    assert page.status_code == 200
    assert page.context["d"]["total"]["spend"] == Decimal("35")
    assert page.context["d"]["by_district"][0]["district_id"] == "320706"


def test_dashboard_draws_charts_with_their_tables_and_each_downloads_as_csv_with_scope_and_dates(
    client, supervisor
):
    _city, haizhou, *_ = f.regions()
    a = f.provider("颐养甲")
    roll(date(2026, 3, 2), haizhou.code, a, visits=3, spend="100.00", anomalies=1)
    client.force_login(supervisor)
    html = client.get(URL).content.decode()
    for key in ("district-visits", "provider-spend", "district-anomalies"):
        assert f'id="chart-{key}-data"' in html  # the figures, for charts.js (json_script)
        assert f"format=csv&amp;chart={key}" in html
    assert 'data-test="chart-table"' in html and "<script>" not in html  # no inline script
    csv = client.get(URL + "&format=csv&chart=district-visits")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert "连云港市民政局" in lines[1]  # the scope: the supervisor's assignment
    assert lines[2].endswith("2026-03-01") and lines[3].endswith("2026-03-31")
    assert lines[-1] == "海州区,3,3"
