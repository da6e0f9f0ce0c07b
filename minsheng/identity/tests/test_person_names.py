"""The one person-name rule: what it refuses, what it keeps, and that it never cuts."""

import pytest

from minsheng.core.errors import ValidationFailed
from minsheng.identity.names import NAME_MAX_LENGTH, person_name_validate


@pytest.mark.parametrize(
    "name",
    [
        "张伟",
        "阿卜杜拉·艾买提",  # middle dot of minority names
        "𠮷野家",  # beyond the Basic Multilingual Plane
        "𪚥𪚥",
        "Anne-Marie O'Neil",
        "欧阳" + "娜" * (NAME_MAX_LENGTH - 2),  # exactly the limit
    ],
)
def test_names_of_every_kind_are_accepted_unchanged(name):
    assert person_name_validate(name) == name


def test_look_alike_dots_and_spaces_are_normalised_not_refused():
    assert person_name_validate("  阿卜杜拉•艾买提 ") == "阿卜杜拉·艾买提"
    assert person_name_validate("Anne   Marie") == "Anne Marie"


@pytest.mark.parametrize(
    "name",
    [
        "张\x00伟",  # NUL
        "张\x1b伟",  # escape
        "张\u202e伟",  # right-to-left override
        "张\u2066伟\u2069",  # bidi isolate
        "张\u200b伟",  # zero-width space
        "张\u200d伟",  # zero-width joiner
        "\ufeff张伟",  # byte-order mark
    ],
)
def test_control_bidi_and_zero_width_characters_are_refused_with_the_reason(name):
    with pytest.raises(ValidationFailed) as exc:
        person_name_validate(name, field="people.legal_rep.name")
    message = exc.value.fields["people.legal_rep.name"][0]
    assert "invisible" in message or "不可见" in message


@pytest.mark.parametrize("name", ["<b>张伟</b>", "张伟<script>", "张伟&amp;", "张伟1", "张伟@"])
def test_markup_digits_and_symbols_are_refused(name):
    with pytest.raises(ValidationFailed) as exc:
        person_name_validate(name)
    assert exc.value.fields["name"]


def test_a_long_name_is_refused_with_the_limit_stated_never_cut():
    with pytest.raises(ValidationFailed) as exc:
        person_name_validate("张" * 200)
    message = exc.value.fields["name"][0]
    assert str(NAME_MAX_LENGTH) in message and "200" in message


def test_a_one_character_name_and_an_empty_one_are_refused():
    for name in ("张", "", "   "):
        with pytest.raises(ValidationFailed):
            person_name_validate(name)
    assert person_name_validate("", required=False) == ""
