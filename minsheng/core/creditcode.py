"""统一社会信用代码 — unified social credit code (GB 32100-2015), 18 characters.

Positions: 1 registering authority, 2 entity class, 3–8 GB/T 2260 region of
the registering authority, 9–17 the GB 11714 organisation code (8 body
characters + its own check character), 18 the check character over 1–17.

Real codes sometimes fail the checksum (programs.md §1.4:
91350203M0001QAY9B is in use yet fails position 18), so callers that accept
existing records pass ``allow_legacy=True`` and get a warning instead of a
refusal; new registrations must pass the checks.
"""

import random
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from minsheng.core.errors import ValidationFailed

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# 3^(i-1) mod 31 for positions 1–17.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 on the 8 body characters

AUTHORITIES = set("123456789ANY")


def check_character(first17: str) -> str:
    """Position 18 for the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_character(body8: str) -> str:
    """GB 11714 check character for an 8-character organisation-code body (A–Z = 10–35)."""
    total = sum(
        (int(c) if c.isdigit() else ord(c) - ord("A") + 10) * w
        for c, w in zip(body8, ORG_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


@dataclass(frozen=True)
class CreditCodeResult:
    """A normalised code; ``checksum_ok`` is False only for a legacy code accepted with a warning."""

    value: str
    checksum_ok: bool = True
    warning: str = ""

    def __str__(self) -> str:
        return self.value


def credit_code_normalize(value) -> str:
    """Full-width to half-width, spaces and dashes removed, upper case."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return "".join(c for c in text if not c.isspace() and c not in "-‐–—").upper()


def credit_code_check(
    value, *, allow_legacy: bool = False, field: str = "credit_code"
) -> CreditCodeResult:
    """Validate and normalise a credit code, returning the result with its warning.

    Format errors always raise ValidationFailed naming ``field``; a failing
    check character raises too unless ``allow_legacy``.
    """
    code = credit_code_normalize(value)
    if len(code) != 18:
        raise ValidationFailed.for_field(
            field,
            _(
                "A unified social credit code has 18 characters. Check the code on the business licence."
            ),
        )
    bad = [c for c in code if c not in _VALUE]
    if bad:
        raise ValidationFailed.for_field(
            field,
            _(
                "The credit code contains %(chars)s, which is not used in credit codes (they never contain I, O, S, V or Z). Check the code on the business licence."
            )
            % {"chars": "".join(dict.fromkeys(bad))},
        )
    if code[0] not in AUTHORITIES or not code[2:8].isdigit():
        raise ValidationFailed.for_field(
            field,
            _(
                "The credit code does not begin with a registering authority and a six-digit region code. Check the code on the business licence."
            ),
        )
    org_ok = org_check_character(code[8:16]) == code[16]
    main_ok = check_character(code[:17]) == code[17]
    if org_ok and main_ok:
        return CreditCodeResult(code)
    message = _(
        "The credit code's check character does not match. Check the code on the business licence for a typing mistake."
    )
    if not allow_legacy:
        raise ValidationFailed.for_field(field, message)
    return CreditCodeResult(
        code,
        checksum_ok=False,
        warning=str(
            _(
                "This credit code fails the GB 32100 check. It was accepted because older codes in use sometimes do; verify it against the licence."
            )
        ),
    )


def credit_code_validate(value, *, allow_legacy: bool = False, field: str = "credit_code") -> str:
    """The normalised code, or ValidationFailed (see credit_code_check for the legacy warning)."""
    return credit_code_check(value, allow_legacy=allow_legacy, field=field).value


def credit_code_generate(
    *,
    rng: random.Random,
    region_code: str,
    authority: str = "9",
    entity_class: str = "1",
) -> str:
    """A synthetic, valid credit code registered in ``region_code`` (6 digits).

    The organisation-code body starts with ``MA`` like codes issued since 2015.
    """
    if not (len(region_code) == 6 and region_code.isdigit()):
        raise ValueError("region_code must be a 6-digit GB/T 2260 code")
    body = "MA" + "".join(rng.choice(ALPHABET) for _ in range(6))
    org = body + org_check_character(body)  # 0–9 or X, both in the alphabet
    first17 = authority + entity_class + region_code + org
    return first17 + check_character(first17)
