import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.core.errors import ValidationFailed
from minsheng.identity.idnumbers import (
    id_number_make,
    id_number_normalize,
    id_number_validate,
    known_region_codes,
    mask_id_number,
    mask_phone,
    phone_validate,
)

TODAY = dt.date(2026, 11, 26)


def message(value, **kw) -> str:
    with pytest.raises(ValidationFailed) as exc:
        id_number_validate(value, today=TODAY, **kw)
    assert list(exc.value.fields) == ["id_number"]
    return exc.value.fields["id_number"][0]


def test_published_example_is_valid_and_says_who():
    parsed = id_number_validate("11010519491231002X", today=TODAY)
    assert parsed.region_code == "110105"
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "F"


def test_haizhou_elder_born_1945_is_valid_though_the_district_dates_from_1986():
    parsed = id_number_validate("320706194501011234", today=TODAY)
    assert (parsed.region_code, parsed.birth_date, parsed.sex) == ("320706", dt.date(1945, 1, 1), "M")


@pytest.mark.parametrize("region", ["320705", "320721"])
def test_codes_abolished_in_2014_are_still_accepted(region):
    number = id_number_make(region_code=region, birth_date=dt.date(2001, 3, 9), sequence=42)
    assert id_number_validate(number, today=TODAY).region_code == region


def test_input_with_spaces_fullwidth_digits_and_lowercase_x_is_stored_canonically():
    messy = " １１０１０５ 1949１２３１ 002x "
    assert id_number_normalize(messy) == "11010519491231002X"
    assert id_number_validate(messy, today=TODAY).number == "11010519491231002X"


def test_wrong_check_digit_is_refused_naming_the_check_digit():
    assert "check digit" in message("110105194912310021")


def test_impossible_date_is_refused_naming_the_date():
    number = id_number_make(region_code="320706", birth_date=dt.date(1999, 2, 1), sequence=1)
    bad = number[:6] + "19990231" + number[14:17]
    from minsheng.identity.idnumbers import check_char

    assert "19990231" in message(bad + check_char(bad))


def test_future_birth_is_refused():
    number = id_number_make(region_code="320706", birth_date=dt.date(2027, 1, 1), sequence=1)
    assert "future" in message(number)


def test_unknown_region_is_refused_naming_the_code():
    number = id_number_make(region_code="999999", birth_date=dt.date(1990, 1, 1), sequence=1)
    assert "999999" in message(number)


def test_length_and_characters_are_explained():
    assert "18 characters" in message("3207061945")
    assert "digit or the letter X" in message("32070619450101123A")
    assert message("") == "Please enter the resident ID number."


def test_old_15_digit_number_asks_for_the_18_digit_one():
    assert "18-digit" in message("320706450101123")


def test_messages_are_translated_to_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert "校验" in message("110105194912310021")


def test_region_codes_come_from_every_edition():
    codes = known_region_codes()
    assert {"320705", "320721", "320706", "110103"} <= codes  # 110103 崇文区 abolished 2010
    assert "999999" not in codes


_REGIONS = sorted(known_region_codes())


@settings(max_examples=60, deadline=None)
@given(
    region=st.sampled_from(_REGIONS),
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=999),
    spaced=st.booleans(),
)
def test_any_valid_number_round_trips(region, born, sequence, spaced):
    number = id_number_make(region_code=region, birth_date=born, sequence=sequence)
    typed = " ".join(number[i : i + 6] for i in range(0, 18, 6)).lower() if spaced else number
    parsed = id_number_validate(typed, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == born
    assert parsed.sex == ("M" if sequence % 2 else "F")


def test_phone_validation_normalises_and_explains():
    assert phone_validate("+86 138-0013-8000") == "13800138000"
    assert phone_validate("１３８００１３８０００") == "13800138000"
    with pytest.raises(ValidationFailed) as exc:
        phone_validate("12345")
    assert "11-digit" in exc.value.fields["phone"][0]


def test_masks_keep_only_the_ends():
    assert mask_id_number("32070619450101123X") == "3207**********123X"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("") == ""
