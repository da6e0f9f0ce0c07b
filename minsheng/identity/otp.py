"""SMS one-time codes: 6 digits, stored only as a keyed hash in the cache.

A code lives OTP_TTL_SECONDS, a new one may be sent after OTP_RESEND_SECONDS,
and a code survives MAX_TRIES wrong guesses before it is thrown away.
Checking a code costs no password hash, which is why citizens sign in this way
during a rush (docs/adr/0003-personal-data.md).
"""

import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from minsheng.core.errors import RateLimited, Unavailable, ValidationFailed
from minsheng.core.sms import SmsFailed, sms_send

from .crypto import keyed_hash

MAX_TRIES = 5
PURPOSES = ("signin", "reset", "link")  # "link": a member of staff opening a sign-in link


def _key(purpose: str, phone: str) -> str:
    return f"otp:{purpose}:{keyed_hash(phone)[:32]}"


def otp_issue(*, phone: str, purpose: str = "signin") -> int:
    """Send a fresh code to ``phone`` (already validated). Returns seconds until a resend is allowed."""
    if purpose not in PURPOSES:
        raise ValidationFailed.for_field("purpose", _("Unknown purpose for a code."))
    key = _key(purpose, phone)
    now = time.time()
    current = cache.get(key)
    if current and now < current["sent_at"] + settings.OTP_RESEND_SECONDS:
        wait = int(current["sent_at"] + settings.OTP_RESEND_SECONDS - now) + 1
        raise RateLimited(
            _("A code was sent a moment ago. You can ask for a new one in %(seconds)d seconds.")
            % {"seconds": wait},
            fields={"phone": [_("Please wait %(seconds)d seconds before asking again.") % {"seconds": wait}]},
        )
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(
        key,
        {"hash": keyed_hash(f"{key}:{code}"), "tries": 0, "sent_at": now,
         "expires": now + settings.OTP_TTL_SECONDS},
        timeout=max(settings.OTP_TTL_SECONDS, settings.OTP_RESEND_SECONDS),
    )
    minutes = max(1, settings.OTP_TTL_SECONDS // 60)
    if purpose == "link":
        text = _("[Minsheng] Your code to confirm your staff sign-in link is %(code)s, valid for %(minutes)d minutes. Never tell anyone this code.")
    elif purpose == "reset":
        text = _("[Minsheng] Your code to reset your password is %(code)s, valid for %(minutes)d minutes. Never tell anyone this code.")
    else:
        text = _("[Minsheng] Your sign-in code is %(code)s, valid for %(minutes)d minutes. Never tell anyone this code.")
    params = {"code": code, "minutes": minutes}
    try:
        sms_send(phone=phone, template=f"otp_{purpose}", params=params, text=text % params)
    except SmsFailed:
        # The code never arrived: forget it so the person may ask again at once.
        cache.delete(key)
        raise Unavailable(
            _("The code could not be sent just now. Please try again in a minute."),
            fields={"phone": [_("The code could not be sent just now. Please try again in a minute.")]},
        )
    return settings.OTP_RESEND_SECONDS


def otp_check(*, phone: str, code: str, purpose: str = "signin") -> None:
    """Accept the code once, or raise ValidationFailed on the ``code`` field."""
    key = _key(purpose, phone)
    current = cache.get(key)
    code = (code or "").strip()
    if not current or time.time() >= current["expires"]:
        raise ValidationFailed.for_field(
            "code", _("This code has expired or was never sent. Please ask for a new code.")
        )
    if not (len(code) == 6 and code.isdigit()) or keyed_hash(f"{key}:{code}") != current["hash"]:
        current["tries"] += 1
        if current["tries"] >= MAX_TRIES:
            cache.delete(key)
            raise ValidationFailed.for_field(
                "code", _("The code was wrong too many times. Please ask for a new code.")
            )
        remaining = max(1, int(current["expires"] - time.time()))
        cache.set(key, current, timeout=remaining)
        raise ValidationFailed.for_field(
            "code", _("The code is not correct. Please check the 6 digits in the SMS.")
        )
    cache.delete(key)
