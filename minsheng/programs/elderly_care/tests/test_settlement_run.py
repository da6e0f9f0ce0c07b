"""The monthly settlement is wired: the scheduler settles last month early each month, and a
civil-affairs officer runs it for their own district from the statements page or the API."""

from datetime import date

import pytest
import time_machine

from minsheng.access.models import Organisation
from minsheng.audit.models import AuditEvent
from minsheng.core.periodic import registered
from minsheng.regions.models import Region

from ..models import SettlementStatement
from ..services.settlement import settlement_run_due
from . import factories as f
from .test_settlement import visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_districts():
    city, county, *_ = f.regions()
    other_county = Region.objects.create(code="320703", prefix="320703", name="连云区", level="county", parent=city)
    mine, theirs = f.provider(), f.provider("连云颐家")
    Organisation.objects.filter(pk=theirs.pk).update(region=other_county)
    elder = f.elder()
    visit(mine, elder, 10, amount=40)
    visit(theirs, elder, 11, amount=50)
    officer = f.grant(f.user("民政科员"), "civil_affairs_officer", f.civil_affairs(), county)
    return mine, theirs, officer


def test_the_scheduler_settles_last_month_in_the_first_days_only(two_districts):
    mine, theirs, _officer = two_districts
    assert registered()["elderly_care.settlement_run"].every_seconds == 24 * 60 * 60
    with time_machine.travel(f.at(2026, 4, 12, 3), tick=False):
        assert settlement_run_due() is None
    assert not SettlementStatement.objects.exists()
    with time_machine.travel(f.at(2026, 4, 2, 3), tick=False):
        result = settlement_run_due()
    assert len(result["statements"]) == 2
    assert set(SettlementStatement.objects.values_list("month", flat=True)) == {date(2026, 3, 1)}


def test_an_officer_settles_their_district_only_from_the_page_and_the_api(client, two_districts):
    mine, theirs, officer = two_districts
    client.force_login(officer)
    with time_machine.travel(f.at(2026, 4, 20, 10), tick=False):
        page = client.get("/p/elderly_care/statements/")
        assert 'data-test="settlement-run"' in page.content.decode()
        asked = client.post("/p/elderly_care/statements/", {"month": "2026-03"})
        assert asked.status_code == 200 and not SettlementStatement.objects.exists()  # asks first
        preview = asked.context["preview"]
        assert (preview["providers"], preview["visits"], preview["net"]) == (1, 1, 40)
        assert 'data-test="settlement-confirm"' in asked.content.decode()
        confirmed = {"month": "2026-03", "confirm": "1"}
        assert client.post("/p/elderly_care/statements/", confirmed).status_code == 302
        assert list(SettlementStatement.objects.values_list("provider_id", "net")) == [(mine.pk, 40)]
        assert AuditEvent.objects.filter(event_type="elderly_care.settlement_run", actor=officer).count() == 1
        assert client.post("/p/elderly_care/statements/", confirmed).status_code == 302  # idempotent
        assert list(SettlementStatement.objects.values_list("provider_id", "net")) == [(mine.pk, 40)]
        again = client.post("/api/v1/elderly_care/settlement/runs", {"month": "2026-03-01"},
                            content_type="application/json")
    assert again.status_code == 200 and len(again.json()["statements"]) == 1
    assert not SettlementStatement.objects.filter(provider=theirs).exists()


def test_a_provider_admin_cannot_run_the_settlement(client, two_districts):
    mine, _theirs, _officer = two_districts
    _city, county, *_ = f.regions()
    admin = f.grant(f.user("机构管理员"), "provider_admin", mine, county)
    client.force_login(admin)
    with time_machine.travel(f.at(2026, 4, 20, 10), tick=False):
        assert 'data-test="settlement-run"' not in client.get("/p/elderly_care/statements/").content.decode()
        client.post("/p/elderly_care/statements/", {"month": "2026-03", "confirm": "1"})
        refused = client.post("/api/v1/elderly_care/settlement/runs", {"month": "2026-03-01"},
                              content_type="application/json")
    assert refused.status_code == 403
    assert not SettlementStatement.objects.exists()
