"""公民身份号码 (GB 11643-1999) and mainland mobile numbers: normalise and validate.

Region rule (domain/programs.md §1.5): the first six digits are valid when the
code appears in *any* GB/T 2260 edition, whatever the birth year — a number
keeps the code of the county that issued it, and counties are abolished
(320705 新浦区, 320721 赣榆县 in 2014). python-stdnum's ``cn.ric.validate``
demands that the county existed in the birth year and raises KeyError for some
codes, so we never call it: the set of codes comes from stdnum's own table
(``stdnum/cn/loc.dat``, every edition with validity years) plus the current
division data in ``data/divisions/areas.csv``.
"""

import csv
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import ValidationFailed
from minsheng.core.masking import mask_phone  # noqa: F401 - part of identity's surface

from .normalize import normalize_phone, strip_separators, to_halfwidth

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # remainder 0..10 -> check character (ISO 7064 MOD 11-2)
_SHAPE = re.compile(r"^\d{17}[\dX]$")


@dataclass(frozen=True)
class ParsedIdNumber:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str  # "M" or "F": the sequence number is odd for men, even for women


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def _stdnum_loc_path() -> Path:
    import stdnum.cn

    return Path(stdnum.cn.__file__).parent / "loc.dat"


@lru_cache(maxsize=1)
def known_region_codes() -> frozenset[str]:
    """Every 6-digit address code that appears in any GB/T 2260 edition we know of."""
    codes: set[str] = set()
    province = None
    with _stdnum_loc_path().open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            if not line.startswith(" "):
                province = line[:2]
                codes.add(province + "0000")
            elif province and line.strip()[:4].isdigit():
                codes.add(province + line.strip()[:4])
    areas = Path(settings.SHARED_DATA_DIR) / "divisions" / "areas.csv"
    if areas.exists():
        with areas.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = (row.get("code") or "").strip()
                if len(code) == 6 and code.isdigit():
                    codes.add(code)
                    codes.add(code[:4] + "00")
                    codes.add(code[:2] + "0000")
    return frozenset(codes)


def id_number_normalize(value: str) -> str:
    """Canonical form: half-width, no spaces or dashes, upper-case X."""
    return strip_separators(to_halfwidth(value or "")).upper()


def _fail(message) -> ValidationFailed:
    return ValidationFailed.for_field("id_number", message)


def id_number_validate(value: str, *, today: dt.date | None = None) -> ParsedIdNumber:
    """Validate a resident ID number and return what it says.

    Raises ValidationFailed (field ``id_number``) with a message naming what is wrong.
    """
    number = id_number_normalize(value)
    if not number:
        raise _fail(_("Please enter the resident ID number."))
    if len(number) == 15 and number.isdigit():
        raise _fail(
            _(
                "This is an old 15-digit ID number. Please enter the 18-digit resident "
                "ID number shown on the current ID card."
            )
        )
    if len(number) != 18:
        raise _fail(
            _(
                "A resident ID number has 18 characters, but %(count)d were entered. "
                "Please check the number."
            )
            % {"count": len(number)}
        )
    if not _SHAPE.match(number):
        raise _fail(
            _(
                "A resident ID number is 17 digits followed by a digit or the letter X. "
                "Please check for other characters."
            )
        )
    if check_char(number[:17]) != number[17]:
        raise _fail(
            _(
                "The last character (the check digit) does not match the rest of the "
                "number. Please check the number for a typing error."
            )
        )
    digits = number[6:14]
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _fail(
            _(
                "The date of birth in the number (%(digits)s) is not a real date. "
                "Please check the number."
            )
            % {"digits": digits}
        ) from None
    today = today or timezone.localdate()
    if birth > today:
        raise _fail(
            _("The date of birth in the number lies in the future. Please check the number.")
        )
    if birth.year < 1880:
        raise _fail(
            _(
                "The date of birth in the number (%(digits)s) is not a real date. "
                "Please check the number."
            )
            % {"digits": digits}
        )
    region = number[:6]
    if region not in known_region_codes():
        raise _fail(
            _(
                "The first six digits (%(code)s) are not a known region code. "
                "Please check the number."
            )
            % {"code": region}
        )
    sex = "M" if int(number[16]) % 2 else "F"
    return ParsedIdNumber(number=number, region_code=region, birth_date=birth, sex=sex)


def id_number_make(*, region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Build a valid number (tests and demo data): 6-digit region, date, 3-digit sequence."""
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def phone_validate(value: str, *, field: str = "phone") -> str:
    """A mainland mobile number in canonical 11-digit form, or ValidationFailed."""
    if not strip_separators(to_halfwidth(value or "")):
        raise ValidationFailed.for_field(field, _("Please enter your mobile phone number."))
    phone = normalize_phone(value)
    if not phone:
        raise ValidationFailed.for_field(
            field,
            _(
                "Please enter an 11-digit mainland mobile number starting with 1, "
                "such as 138 0013 8000."
            ),
        )
    return phone


def mask_id_number(value: str) -> str:
    """Show the first 4 and last 4 characters: 3207**********123X."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


