"""Calling at a window: the signed-on clerk is trusted (signing on checked the assignment;
losing it signs them off), one number at a window at a time, the priority policy per window
and per day; and the hall cache forgets a closed point at once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.core.errors import ValidationFailed

from ..models import Ticket
from ..selectors.halls import halls_forget
from ..services.calling import ticket_finish, ticket_start, window_call_next
from ..services.points import point_close
from ..services.tickets import ticket_issue
from ..services.windows import windows_release_out_of_scope
from . import factories as f

pytestmark = pytest.mark.django_db
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(MONDAY_10, tick=True):
        yield


@pytest.fixture
def cached(settings):
    settings.SERVICE_HALLS_LOOKUP_SECONDS = 60
    halls_forget()
    yield
    halls_forget()


def test_a_closed_point_is_forgotten_by_the_cache_at_once(cached, django_capture_on_commit_callbacks):
    p = f.point()
    biz = p.business_types.first()
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        point_close(point=p)
    with pytest.raises(ValidationFailed):
        ticket_issue(point=p, business_type=biz, channel="kiosk")


def test_api_call_next_trusts_the_signed_on_clerk_without_reading_assignments(client):
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    client.force_login(c)
    with CaptureQueriesContext(connection) as q:
        r = client.post(f"/api/v1/service_halls/windows/{w.pk}/call-next")
    assert r.status_code == 200 and r.json()["number"] == "A001"
    # signing on checked the assignment; losing it signs the clerk off (next test)
    assert not [x for x in q.captured_queries if "access_roleassignment" in x["sql"]]


def test_losing_the_assignment_signs_the_clerk_off_and_ends_their_calls(client, django_capture_on_commit_callbacks):
    from minsheng.access.models import RoleAssignment

    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    ticket_issue(point=p, business_type=p.business_types.first(), channel="kiosk")
    with django_capture_on_commit_callbacks(execute=True):
        RoleAssignment.objects.filter(user=c).delete()
    w.refresh_from_db()
    assert w.clerk_id is None and not w.is_open
    client.force_login(c)
    r = client.post(f"/api/v1/service_halls/windows/{w.pk}/call-next")
    assert r.status_code == 403
    assert not Ticket.objects.filter(state="called").exists()


def test_an_assignment_that_lapsed_by_date_is_released_by_the_periodic_sweep():
    from minsheng.access.models import RoleAssignment
    from minsheng.core import periodic

    p = f.point()
    c, stays = f.clerk(point=p), f.clerk(point=p)
    w = f.window(point=p, clerk=c, number=1)
    other = f.window(point=p, clerk=stays, number=2)
    # a queryset update: no signal, as when the end date simply passes
    RoleAssignment.objects.filter(user=c).update(valid_to=MONDAY_10.date() - timedelta(days=1))
    assert "service_halls.windows_release" in periodic.registered()
    assert windows_release_out_of_scope() == 1
    w.refresh_from_db()
    other.refresh_from_db()
    assert w.clerk_id is None and other.clerk_id == stays.pk


def test_a_second_call_while_a_number_is_at_the_window_is_refused():
    p = f.point()
    c = f.clerk(point=p)
    w = f.window(point=p, clerk=c)
    biz = p.business_types.first()
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    ticket_issue(point=p, business_type=biz, channel="kiosk")
    window_call_next(window_id=w.pk, clerk=c)
    from minsheng.core.errors import Conflict

    with pytest.raises(Conflict) as e:
        window_call_next(window_id=w.pk, clerk=c)
    assert "A001" in str(e.value.message)


def test_priority_policy_is_per_window_and_starts_afresh_each_day():
    p = f.point(priority_every=2)
    c1, c2 = f.clerk(point=p), f.clerk(point=p)
    w1, w2 = f.window(point=p, clerk=c1, number=1), f.window(point=p, clerk=c2, number=2)
    biz = p.business_types.first()

    def issue(**kw):
        return ticket_issue(point=p, business_type=biz, channel="kiosk", **kw)

    def serve(w, c):
        t = window_call_next(window_id=w.pk, clerk=c)
        f.act(ticket_finish, f.act(ticket_start, t, c), c)
        return t

    n1, n2 = issue(), issue()
    p1, p2 = issue(priority_reason="elderly"), issue(priority_reason="disabled")
    assert serve(w1, c1) == p1  # the day's first call at each window prefers priority
    assert serve(w2, c2) == p2
    assert serve(w1, c1) == n1
    w1.refresh_from_db()
    assert w1.normals_since_priority == 1
    with time_machine.travel(MONDAY_10 + timedelta(days=1), tick=True):
        issue()
        p3 = issue(priority_reason="pregnant")
        assert serve(w1, c1) == p3  # a new day starts afresh
    assert n2.number == "A002"
