"""Query budgets of the set-up lists: the same number of statements for 2 rows as for 12 (no
query per row), measured on the page and on its CSV download."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.access.models import Organisation

from ..models import AlarmDevice, Caregiver, ContractPrice, ProviderContract
from . import factories as f
from . import setup_factories as sf

pytestmark = pytest.mark.django_db
P = "/p/elderly_care/setup"
BUDGET = 8  # measured on SQLite: pages 4–7 statements, downloads 7 (audit entry included), at 2 and 12 rows


def _grow(hz, n: int, tag: str) -> None:
    """``n`` more providers in the district, each with a contract and its prices; ``n`` more
    caregivers of the district's provider and devices in an elder's home."""
    items = f.services()
    elder = f.elder(name="孙秀英", family_phone="")
    for i in range(n):
        org = Organisation.objects.create(name=f"{tag}护理站{i}", kind="provider", region=hz.region)
        contract = ProviderContract.objects.create(provider=org, region=hz.region, number=f"{tag}-{i}",
                                                   valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31))
        ContractPrice.objects.bulk_create(ContractPrice(contract=contract, service=s, price=s.default_price)
                                          for s in items.values())
        u = f.grant(f.user(f"{tag}护理员{i}"), "caregiver", hz.provider, hz.region)
        Caregiver.objects.create(user=u, provider=hz.provider)
        AlarmDevice.objects.create(kind="gas", imei=f"86{tag}{i}", vendor=sf.vendor(), elder=elder,
                                   region_id=elder.region_id, installed_on=date(2026, 1, 2))


def _count(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("who", "path"), [
    ("officer", "providers/"), ("officer", "contracts/"), ("officer", "catalogue/"),
    ("provider_admin", "caregivers/"), ("officer", "caregivers/"), ("community_worker", "devices/"),
    ("officer", "devices/"),
])
def test_set_up_lists_cost_the_same_for_2_and_12_rows(client, who, path):
    hz = sf.district()
    client.force_login(getattr(hz, who))
    _grow(hz, 2, "A")
    small = _count(client, f"{P}/{path}")
    small_csv = _count(client, f"{P}/{path}", export="csv")
    _grow(hz, 10, "B")
    large = _count(client, f"{P}/{path}")
    large_csv = _count(client, f"{P}/{path}", export="csv")
    assert large == small <= BUDGET, (small, large)
    assert large_csv == small_csv <= BUDGET, (small_csv, large_csv)
