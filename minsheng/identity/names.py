"""One validator for every person's name on the platform (姓名).

Accepted: Chinese characters, including those beyond the Basic Multilingual
Plane (𠮷, 𪚥), letters of any script, spaces and the middle dot of minority and
foreign names (阿卜杜拉·艾买提; look-alike dots become ·). Refused, with the
reason: NUL and other control characters, invisible format characters
(zero-width, bidi overrides and isolates, byte-order mark), markup and other
symbols, digits. Length is counted in characters (𠮷 is one) from
``NAME_MIN_LENGTH`` to ``NAME_MAX_LENGTH``; a longer name is refused, never cut.
"""

import re
import unicodedata

from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed

NAME_MIN_LENGTH = 2
NAME_MAX_LENGTH = 50  # the ID card's own field holds fewer; the columns hold 100

_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·", "∙": "·", "⋅": "·"})
# Punctuation allowed inside a name besides the middle dot and a single space.
_NAME_PUNCTUATION = {"·", " ", "-", "'", "’", "."}


def _is_invisible_or_control(ch: str) -> bool:
    # Cc: NUL, tabs, escapes; Cf: zero-width space/joiners, bidi overrides, BOM;
    # Cs/Co/Cn: surrogates, private use, unassigned; Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _is_name_character(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category.startswith(("L", "M")) or ch in _NAME_PUNCTUATION


def person_name_validate(
    value, *, field: str = "name", min_length: int = NAME_MIN_LENGTH, required: bool = True
) -> str:
    """The name, normalised (NFC, look-alike dots to ·, runs of spaces to one); else
    ValidationFailed on ``field`` saying what to change. Empty gives "" when not required."""
    raw = "" if value is None else str(value)
    if any(_is_invisible_or_control(ch) for ch in raw.replace("\t", " ")):
        raise ValidationFailed.for_field(
            field,
            _(
                "The name contains invisible or control characters (for example zero-width or "
                "text-direction marks). Type the name again instead of pasting it."
            ),
        )
    name = unicodedata.normalize("NFC", raw).translate(_MIDDLE_DOTS)
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        if not required:
            return ""
        raise ValidationFailed.for_field(field, _("Please enter the name as on the ID card."))
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed.for_field(
            field,
            _("A name can have at most %(max)s characters; this one has %(n)s. Please shorten it.")
            % {"max": NAME_MAX_LENGTH, "n": len(name)},
        )
    if not all(_is_name_character(ch) for ch in name):
        raise ValidationFailed.for_field(
            field,
            _("A name may contain letters, Chinese characters, spaces and · only. Please correct it."),
        )
    if len(name) < min_length:
        raise ValidationFailed.for_field(
            field,
            _("A name has at least %(min)s characters. Enter the full name as on the ID card.")
            % {"min": min_length},
        )
    return name
