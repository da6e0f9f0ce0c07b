"""The hall statistics draw their figures (tickets by state, waits by hour and business), each
with its table and a CSV of what the page covers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ..services.calling import ticket_finish, ticket_start, window_call_next
from ..services.tickets import ticket_issue
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_stats_page_draws_charts_and_downloads_each_as_csv_with_scope_and_dates(client):
    with time_machine.travel(MONDAY_10, tick=True):
        p = f.point(name="朐阳服务中心")
        manager = f.clerk(point=p, role="hall_manager")
        w = f.window(point=p, clerk=manager)
        done = ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
        ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
        window_call_next(window_id=w.pk, clerk=manager)
        f.act(ticket_start, done, manager)
        f.act(ticket_finish, done, manager)
        client.force_login(manager)
        url = "/p/service_halls/stats/?from=2026-03-01&to=2026-03-02"
        page = client.get(url)
        html = page.content.decode()
        for key in ("states", "wait-by-hour", "by-business"):
            assert f'id="chart-{key}-data"' in html
        states = {c.key: c for c in page.context["charts"]}["states"]
        assert sorted(states.series[0].values) == [1, 1]
        names = [str(c) for c in states.categories]
        assert "waiting" not in names and "done" not in names  # the states' labels, not their codes
        csv = client.get(url + "&format=csv&chart=states").content.decode("utf-8-sig").splitlines()
    assert "朐阳服务中心" in csv[1]
    assert csv[2].endswith("2026-03-01") and csv[3].endswith("2026-03-02")
    assert len(csv) == 5 + 1 + 2  # chart, scope, two dates, blank; header; two states
