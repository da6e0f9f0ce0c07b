"""Input normalisation for numbers people type: full-width digits, spaces, lowercase x."""

import re
import unicodedata

_PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def to_halfwidth(value: str) -> str:
    # NFKC folds full-width digits and letters (１２３Ｘ) to ASCII.
    return unicodedata.normalize("NFKC", value or "")


def strip_separators(value: str) -> str:
    return re.sub(r"[\s\-‐–—]", "", value)


def normalize_phone(value: str) -> str:
    """A mainland mobile number in canonical form, or "" if it is not one."""
    digits = strip_separators(to_halfwidth(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _PHONE_RE.match(digits) else ""
