from datetime import date

import pytest

from minsheng.core.errors import NotFound, ValidationFailed
from minsheng.regions.models import Region, RegionLevel
from minsheng.regions.selectors import (
    region_children,
    region_get,
    region_subtree_q,
    region_validate_code,
    regions_descendants,
)
from minsheng.regions.services import communities_import, regions_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def jiangsu():
    return regions_load(province="32")


def test_jiangsu_load_counts_every_level_and_a_second_run_creates_nothing(jiangsu):
    assert jiangsu["created"] == Region.objects.count()
    assert Region.objects.filter(level=RegionLevel.PROVINCE).count() == 1
    assert Region.objects.filter(level=RegionLevel.CITY).count() == 13
    current_counties = Region.objects.filter(level=RegionLevel.COUNTY, valid_to__isnull=True)
    assert current_counties.filter(prefix__startswith="3207").count() == 7
    lyg_towns = Region.objects.filter(level=RegionLevel.TOWN, prefix__startswith="3207")
    assert lyg_towns.count() == 109
    again = regions_load(province="32")
    assert again["created"] == 0 and again["updated"] == 0
    assert again["unchanged"] == jiangsu["created"]


def test_codes_are_padded_and_prefixes_are_the_significant_digits(jiangsu):
    province, city = region_get("320000"), region_get("320700")
    town = region_get("320706001")
    assert (province.prefix, province.level) == ("32", RegionLevel.PROVINCE)
    assert (city.prefix, city.parent_id) == ("3207", "320000")
    assert (town.name, town.prefix, town.parent_id) == ("朐阳街道", "320706001", "320706")


def test_abolished_lianyungang_codes_are_kept_with_an_end_date(jiangsu):
    xinpu, ganyu_county = region_get("320705"), region_get("320721")
    assert xinpu.name == "新浦区" and xinpu.valid_to == date(2014, 12, 31)
    assert ganyu_county.name == "赣榆县" and ganyu_county.valid_to == date(2014, 12, 31)
    assert region_get("320707").valid_to is None
    assert "320705" not in {r.code for r in region_children("320700")}
    assert "320705" in {r.code for r in region_children("320700", current_only=False)}


def test_development_zone_and_its_towns_are_statistical(jiangsu):
    assert region_get("320771").is_statistical
    towns = regions_descendants("320771", level=RegionLevel.TOWN)
    # Three streets plus a salt works (a 4xx non-administrative unit).
    assert {t.name for t in towns} == {"中云街道", "猴嘴街道", "朝阳街道", "青口盐场"}
    assert all(t.is_statistical for t in towns)
    assert not region_get("320706001").is_statistical


def test_subtree_queries_follow_the_code_prefix(jiangsu):
    haizhou = region_get("320706")
    towns = set(
        Region.objects.filter(region_subtree_q(haizhou, field=None)).values_list("code", flat=True)
    )
    assert "320706" in towns and "320706103" in towns  # the root and 板浦镇
    assert not any(c.startswith("320707") for c in towns)
    towns = regions_descendants(haizhou, level=RegionLevel.TOWN)
    # 15 streets and 4 towns (programs.md §2.2) plus 4xx farms and parks.
    assert towns.filter(is_statistical=False).count() == 19
    assert all(t.code[6] == "4" for t in towns.filter(is_statistical=True))
    assert regions_descendants("320700", level=RegionLevel.COUNTY, current_only=True).count() == 7


def test_unknown_code_is_not_found_and_bad_input_names_the_field(jiangsu):
    with pytest.raises(NotFound):
        region_get("329999")
    with pytest.raises(ValidationFailed) as exc:
        region_validate_code("32-07", field="address_region")
    assert list(exc.value.fields) == ["address_region"]
    with pytest.raises(ValidationFailed) as exc:
        region_validate_code("329999")
    assert "329999" in exc.value.fields["region_code"][0]
    assert region_validate_code(" 320705 ").name == "新浦区"
    with pytest.raises(ValidationFailed, match="320705"):
        region_validate_code("320705", current_only=True)


def _community(**overrides):
    row = {
        "code": "320706001001",
        "name": "朐阳社区",
        "town_code": "320706001",
        "population": "4200",
        "latitude": "34.60",
        "longitude": "119.18",
        "is_urban": "1",
    }
    row.update(overrides)
    return row


def test_community_import_creates_rows_under_their_town_and_updates_on_rerun(jiangsu):
    rows = [
        _community(),
        _community(code="320706100201", town_code="320706100", name="锦屏村", is_urban="0"),
    ]
    report = communities_import(rows=rows)
    assert report.ok and report.created == 2
    village = region_get("320706100201")
    assert (village.level, village.parent_id, village.is_urban) == ("community", "320706100", False)
    assert village.prefix == "320706100201"
    assert regions_descendants("320706", level=RegionLevel.COMMUNITY).count() == 2
    report = communities_import(rows=[_community(population="5000")])
    assert (report.created, report.updated) == (0, 1)
    assert region_get("320706001001").population == 5000


def test_community_import_reports_each_bad_row_and_saves_nothing(jiangsu):
    rows = [
        _community(),
        _community(code="32070600100X"),
        _community(code="320706002001"),  # under another town than town_code
        _community(code="320706001002", town_code="320706999"),
        _community(code="320706001003", latitude="119.18", longitude="34.60"),
        _community(code="320706001004", name=""),
        _community(code="320706001001"),  # duplicate of row 1
        _community(code="320706001005", population="many"),
    ]
    report = communities_import(rows=rows)
    problems = {(e.row, e.field) for e in report.errors}
    assert problems == {
        (2, "code"),
        (3, "code"),
        (4, "town_code"),
        (5, "latitude"),
        (6, "name"),
        (7, "code"),
        (8, "population"),
    }
    assert not Region.objects.filter(level=RegionLevel.COMMUNITY).exists()


def test_community_dry_run_counts_without_saving(jiangsu):
    report = communities_import(rows=[_community()], dry_run=True)
    assert report.ok and report.created == 1
    assert not Region.objects.filter(code="320706001001").exists()
