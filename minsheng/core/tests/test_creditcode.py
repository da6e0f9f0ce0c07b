import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from minsheng.core.creditcode import (
    credit_code_check,
    credit_code_generate,
    credit_code_validate,
    org_check_character,
)
from minsheng.core.errors import ValidationFailed


@pytest.mark.parametrize("code", ["91350200776049653A", "91440101MA5CJQ4N59", "91320706MA1P3K7L98"])
def test_published_and_synthetic_examples_pass_both_checks(code):
    assert credit_code_validate(code) == code
    assert uscc.is_valid(code)


def test_input_is_normalised_from_full_width_lower_case_and_spaces():
    assert credit_code_validate(" ９１３２０７０６ma1p3k7l98 ") == "91320706MA1P3K7L98"
    assert credit_code_validate("913207-06MA1P3K7L98") == "91320706MA1P3K7L98"


def test_code_failing_position_18_is_refused_unless_legacy_is_allowed():
    code = "91350203M0001QAY9B"
    # Its organisation code is fine (check 9); only position 18 (should be 9) fails.
    assert org_check_character(code[8:16]) == code[16]
    with pytest.raises(ValidationFailed) as exc:
        credit_code_validate(code, field="company.credit_code")
    assert list(exc.value.fields) == ["company.credit_code"]
    result = credit_code_check(code, allow_legacy=True)
    assert (result.value, result.checksum_ok) == (code, False)
    assert result.warning


def test_wrong_organisation_check_character_is_refused():
    # Same body and a position-18 recomputed to match, but position 17 altered.
    from minsheng.core.creditcode import check_character

    first17 = "91320706MA1P3K7L" + "0"
    code = first17 + check_character(first17)
    with pytest.raises(ValidationFailed):
        credit_code_validate(code)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "9132070",
        "91320706MA1P3K7L9",
        "91320706MA1P3K7LO8",
        "Z1320706MA1P3K7L98",
        "91ABCDEFMA1P3K7L98",
    ],
)
def test_malformed_codes_give_a_message_naming_the_field(bad):
    with pytest.raises(ValidationFailed) as exc:
        credit_code_validate(bad)
    assert exc.value.fields["credit_code"][0]


def test_generated_codes_are_valid_deterministic_and_carry_the_region():
    codes = [credit_code_generate(rng=random.Random(7), region_code="320706") for _ in range(2)]
    assert codes[0] == codes[1]
    assert codes[0][2:8] == "320706" and codes[0][:2] == "91"
    assert credit_code_validate(codes[0]) == codes[0]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), cls=st.sampled_from("123"))
def test_every_generated_code_passes_our_check_and_stdnums(seed, cls):
    code = credit_code_generate(rng=random.Random(seed), region_code="320707", entity_class=cls)
    assert credit_code_validate(code) == code
    assert uscc.is_valid(code)
