"""The supervisor's dashboard through HTTP: sums by district and provider from the rollup."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.access.models import Organisation
from minsheng.regions.models import Region

from ..models import DailyRollup
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
    # Query budget: one pass over the rollup, then the names of what appears.
    rollup = [q["sql"] for q in ctx.captured_queries if "elderly_care_dailyrollup" in q["sql"]]
    assert len(rollup) == 1


def test_dashboard_for_an_empty_range_shows_nothing(client, supervisor):
    client.force_login(supervisor)
    page = client.get("/p/elderly_care/dashboard/?start=2030-01-01&end=2030-01-31")
    assert page.status_code == 200
    d = page.context["d"]
    assert (d["by_district"], d["by_provider"], d["total"]["visits"]) == ([], [], None)
