"""Cell parsers for importers. Each returns a function raw → value or raises ValidationFailed."""

import datetime as dt
import re

from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed


def _s(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # Excel stores 13800138000 as a float
    return str(raw).strip()


def text(*, max_length: int = 200, pattern: str | None = None, hint: str = ""):
    regex = re.compile(pattern) if pattern else None

    def parse(raw):
        value = _s(raw)
        if len(value) > max_length:
            raise ValidationFailed(
                _("This text is longer than %(n)d characters. Shorten it.") % {"n": max_length}
            )
        if regex and value and not regex.fullmatch(value):
            raise ValidationFailed(hint or _("This value is not in the expected format."))
        return value

    return parse


def integer(*, min_value: int | None = None, max_value: int | None = None):
    def parse(raw):
        value = _s(raw)
        try:
            number = int(value)
        except ValueError:
            raise ValidationFailed(_("Enter a whole number, e.g. 12.")) from None
        if min_value is not None and number < min_value or max_value is not None and number > max_value:
            raise ValidationFailed(
                _("Enter a number from %(lo)s to %(hi)s.") % {"lo": min_value, "hi": max_value}
            )
        return number

    return parse


def date(raw):
    """2026-09-01, 2026/9/1, 2026年9月1日, 20260901 or an Excel date cell."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    value = _s(raw)
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", value) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", value
    )
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValidationFailed(_("Enter a real date as YYYY-MM-DD, e.g. 2026-09-01."))


def choice(mapping: dict[str, object]):
    """Accept any key of ``mapping`` (e.g. {"男": "M", "M": "M", "女": "F", "F": "F"})."""

    def parse(raw):
        value = _s(raw)
        if value in mapping:
            return mapping[value]
        raise ValidationFailed(
            _("Use one of: %(values)s.") % {"values": "、".join(str(k) for k in mapping)}
        )

    return parse


def phone(raw):
    value = re.sub(r"[\s-]", "", _s(raw))
    if re.fullmatch(r"1[3-9]\d{9}", value):
        return value
    raise ValidationFailed(_("Enter an 11-digit mobile number starting with 1."))
