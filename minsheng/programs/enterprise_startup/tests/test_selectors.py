"""Reads (selectors): the zero-visit dashboard's figures and who may see it."""

import pytest

from minsheng.programs.enterprise_startup import selectors
from minsheng.programs.enterprise_startup.services import visits

from .conftest import finish_all


def test_zero_visit_dashboard_figures(world, make_application, client):
    a = finish_all(world, make_application("云帆"))
    b = finish_all(world, make_application("星河"))
    visits.visit_record(application=b, actor=world.officers["market_regulation"], reason="原件核验")
    d = selectors.zero_visit_dashboard(user=world.supervisor)
    assert d["overall"]["count"] == 2
    assert d["zero_visit_percent"] == 50.0
    assert d["districts"][0]["code"] == "320706"
    assert {s["code"] for s in d["steps"]} == {"market_regulation", "public_security", "tax", "human_resources", "medical_insurance", "housing_fund", "bank"}
    assert sum(s["slowest"] for s in d["steps"]) == 1
    expected = sorted([a.elapsed_working_hours, b.elapsed_working_hours])
    assert d["overall"]["median"] == pytest.approx(sum(expected) / 2)
    client.force_login(world.supervisor)
    page = client.get("/p/enterprise_startup/dashboard/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="chart-districts-data"' in html and 'id="chart-steps-data"' in html
    lines = client.get("/p/enterprise_startup/dashboard/?format=csv&chart=steps").content.decode("utf-8-sig").splitlines()
    assert len(lines) == 4 + 1 + 7  # chart, scope, target, blank; header; the seven steps
    assert lines[2].endswith(str(d["target_hours"]))
    client.force_login(world.founder)
    assert client.get("/p/enterprise_startup/dashboard/").status_code == 403
