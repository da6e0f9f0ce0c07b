import pytest

from minsheng.core.errors import ValidationFailed
from minsheng.programs.enterprise_startup.models import NameReservation
from minsheng.programs.enterprise_startup.services import names


def check(**kw):
    base = {"region_code": "320706", "trade_name": "云帆", "industry": "科技", "org_form": "有限公司", "enterprise_type": "llc"}
    return names.name_check(**(base | kw))


def test_good_name_is_composed_from_its_four_parts(world):
    r = check()
    assert r.ok and r.full_name == "连云港市海州区云帆科技有限公司"


@pytest.mark.parametrize(
    "trade, fragment",
    [("云", "at least two"), ("Yunfan", "pinyin"), ("云帆88", "pinyin"), ("云 帆", "Chinese characters only")],
)
def test_trade_name_structure_is_refused(world, trade, fragment):
    r = check(trade_name=trade)
    assert not r.ok and fragment in " ".join(r.errors["trade_name"])


def test_form_must_fit_the_enterprise_type(world):
    r = check(org_form="股份有限公司")
    assert "org_form" in r.errors


def test_banned_word_is_refused(world):
    assert "trade_name" in check(trade_name="赌场").errors


def test_restricted_word_needs_a_note(world):
    assert "restricted_note" in check(trade_name="中华云帆").errors
    assert check(trade_name="中华云帆", restricted_note="国务院批准文件").ok


def test_identical_name_in_same_district_and_industry_is_refused(world, django_user_model):
    names.name_reserve(applicant=world.partner, region_code="320706", trade_name="云帆", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=True)
    assert "already registered" in " ".join(check().errors["trade_name"])
    assert check(industry="贸易").ok  # another industry is fine


def test_same_pinyin_is_confusingly_similar(world):
    names.name_reserve(applicant=world.partner, region_code="320706", trade_name="云帆", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=True)
    r = check(trade_name="运凡")  # yun fan
    assert "sounds the same" in " ".join(r.errors["trade_name"])


def test_one_character_apart_is_a_warning(world):
    names.name_reserve(applicant=world.partner, region_code="320706", trade_name="海之韵", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=True)
    r = check(trade_name="海之星")
    assert r.ok and r.similar and r.warnings


def test_reserving_needs_the_pledge_and_keeps_nothing_without_it(world):
    with pytest.raises(ValidationFailed) as exc:
        names.name_reserve(applicant=world.founder, region_code="320706", trade_name="云帆", industry="科技", org_form="有限公司", enterprise_type="llc", pledge=False)
    assert "pledge" in exc.value.fields
    assert not NameReservation.objects.exists()


def test_check_endpoint_returns_errors_as_json(world, client):
    client.force_login(world.founder)
    r = client.get("/p/enterprise_startup/name/check.json", {"region": "320706", "trade_name": "Yun", "industry": "科技", "org_form": "有限公司"})
    assert r.status_code == 200 and r.json()["ok"] is False and "trade_name" in r.json()["errors"]
