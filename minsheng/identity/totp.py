"""TOTP second factor (RFC 6238, pyotp) for staff who may unmask personal data."""

import pyotp
import segno
from django.core.cache import cache
from django.utils.translation import gettext as _

from minsheng.core.errors import ValidationFailed

ISSUER = "Minsheng"


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def totp_qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no external service)."""
    return segno.make(uri, error="m").svg_inline(scale=4)


def totp_code_check(*, secret: str, code: str, user_id: int) -> None:
    """Accept a current code (±30 s) once; a replayed code is refused."""
    code = (code or "").strip().replace(" ", "")
    totp = pyotp.TOTP(secret)
    if not (len(code) == 6 and code.isdigit()) or not totp.verify(code, valid_window=1):
        raise ValidationFailed.for_field(
            "totp_code",
            _("The code from your authenticator app is not correct. Enter the 6 digits shown now."),
        )
    used_key = f"totp:used:{user_id}:{code}"
    if not cache.add(used_key, 1, timeout=120):
        raise ValidationFailed.for_field(
            "totp_code", _("This code was already used. Wait for the next code and enter it.")
        )
