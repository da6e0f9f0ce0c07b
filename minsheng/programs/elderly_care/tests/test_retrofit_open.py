"""Opening a household's retrofit file is wired: a page from the elders list and the API, for
civil affairs and community workers of the elder's area only."""

import pytest

from minsheng.access.models import Organisation
from minsheng.regions.models import Region

from ..models import Elder, RetrofitFile
from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def elder():
    e = f.elder()
    Elder.objects.filter(pk=e.pk).update(household="HZ-0001")
    e.refresh_from_db()
    return e


def test_a_community_worker_opens_the_file_from_the_page_and_a_second_is_refused(client, elder):
    _city, county, town, community = f.regions()
    worker = f.grant(f.user("社区网格员"), "community_worker", f.civil_affairs(), community)
    client.force_login(worker)
    assert 'data-test="retrofit-open"' in client.get("/p/elderly_care/elders/").content.decode()
    r = client.post(f"/p/elderly_care/elders/{elder.pk}/retrofit/", {"assessment": "卫生间无扶手，夜间照明不足"})
    file = RetrofitFile.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/retrofits/{file.pk}/")
    assert (file.elder_id, file.household, file.assessment) == (elder.pk, "HZ-0001", "卫生间无扶手，夜间照明不足")
    again = client.post("/api/v1/elderly_care/retrofits", {"elder": elder.pk, "assessment": "再次"},
                        content_type="application/json")
    assert again.status_code == 409 and RetrofitFile.objects.count() == 1


def test_an_officer_of_another_district_or_a_provider_cannot_open_it(client, elder):
    city, county, *_ = f.regions()
    other = Region.objects.create(code="320703", prefix="320703", name="连云区", level="county", parent=city)
    outsider = f.grant(f.user("外区民政"), "civil_affairs_officer",
                       Organisation.objects.create(name="连云区民政局", kind="department", region=other), other)
    provider = f.provider()
    provider_admin = f.grant(f.user("机构管理员"), "provider_admin", provider, county)
    for user in (outsider, provider_admin):
        client.force_login(user)
        assert client.get(f"/p/elderly_care/elders/{elder.pk}/retrofit/").status_code in (403, 404)
        assert client.post("/api/v1/elderly_care/retrofits", {"elder": elder.pk, "assessment": "x"},
                           content_type="application/json").status_code in (403, 404)
    assert not RetrofitFile.objects.exists()


def test_without_a_household_number_the_file_is_refused_with_advice(client):
    e = f.elder()
    Elder.objects.filter(pk=e.pk).update(household="")
    _city, county, *_ = f.regions()
    officer = f.grant(f.user("民政科员"), "civil_affairs_officer", f.civil_affairs(), county)
    client.force_login(officer)
    r = client.post("/api/v1/elderly_care/retrofits", {"elder": e.pk, "assessment": "x"},
                    content_type="application/json")
    assert r.status_code == 422 and "elder" in r.json()["fields"]


def test_civil_affairs_grants_a_cash_allowance_once_a_month_a_community_worker_cannot(client, elder):
    from decimal import Decimal

    from ..models import CashAllowance

    _city, county, town, community = f.regions()
    officer = f.grant(f.user("民政科员"), "civil_affairs_officer", f.civil_affairs(), county)
    client.force_login(officer)
    assert 'data-test="allowance-grant"' in client.get(f"/p/elderly_care/elders/{elder.pk}/allowances/").content.decode()
    r = client.post(f"/p/elderly_care/elders/{elder.pk}/allowances/",
                    {"kind": "longevity", "month": "2026-03", "amount": "100"})
    assert r.status_code == 302
    row = CashAllowance.objects.get()
    assert (row.kind, str(row.month), row.amount) == ("longevity", "2026-03-01", Decimal("100.00"))
    again = client.post("/api/v1/elderly_care/allowances",
                        {"elder": elder.pk, "kind": "longevity", "month": "2026-03-15", "amount": "100"},
                        content_type="application/json")
    assert again.status_code == 409
    care = client.post("/api/v1/elderly_care/allowances",
                       {"elder": elder.pk, "kind": "care", "month": "2026-03-01", "amount": "200"},
                       content_type="application/json")
    assert care.status_code == 201
    worker = f.grant(f.user("社区网格员"), "community_worker", f.civil_affairs(), community)
    client.force_login(worker)
    assert client.get(f"/p/elderly_care/elders/{elder.pk}/allowances/").status_code == 403
    assert client.post("/api/v1/elderly_care/allowances",
                       {"elder": elder.pk, "kind": "care", "month": "2026-04-01", "amount": "200"},
                       content_type="application/json").status_code == 404
    assert CashAllowance.objects.count() == 2
