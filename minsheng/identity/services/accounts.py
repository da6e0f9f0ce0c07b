"""Writes about accounts: sign-in by code or password, passwords, second factors, API tokens.
Each writes an audit entry in its transaction."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from .. import otp
from ..crypto import keyed_hash
from ..idnumbers import phone_validate
from ..models import Person, PersonRelation, RelationKind, User  # noqa: F401 - Person for callers
from ..normalize import normalize_phone
from ..ratelimit import lockout_check, lockout_clear, lockout_fail
from ..selectors import (  # noqa: F401 - re-exported for programs
    person_find_by_id_number,
    person_relations_of,
    persons_in_care_of,
    user_find_by_phone,
    user_may_unmask,
)
from ..totp import totp_code_check, totp_new_secret
from .bulk import citizen_registered_audit
from .people import name_validate


# --- accounts and sign-in --------------------------------------------------------
def otp_request(*, phone: str, purpose: str = "signin", site_url: str = "") -> int:
    """Send a sign-in (or password reset) code by SMS. Returns seconds until a resend.

    A member of staff asking for a reset gets a one-time sign-in link instead of a code
    (``links.staff_password_link_request``): the link leads to the same checks as the first
    sign-in, and the second factor still follows."""
    phone = phone_validate(phone)
    lockout_check(f"phone:{phone}")
    if purpose == "reset":
        user = user_find_by_phone(phone)
        if user is not None and user.is_staff:
            from .links import staff_password_link_request

            staff_password_link_request(user=user, site_url=site_url)
        if user is None or user.is_staff:
            # Answer as if a code was sent, so the form does not reveal which numbers have
            # accounts, nor which are staff.
            return settings.OTP_RESEND_SECONDS
    return otp.otp_issue(phone=phone, purpose=purpose)


def _verify_code(phone: str, code: str, purpose: str) -> None:
    ident = f"phone:{phone}"
    lockout_check(ident)
    try:
        otp.otp_check(phone=phone, code=code, purpose=purpose)
    except ValidationFailed:
        lockout_fail(ident)
        raise
    lockout_clear(ident)


@transaction.atomic
def citizen_sign_in_otp(*, phone: str, code: str, name: str = "") -> tuple[User, bool]:
    """Check the SMS code; the first sign-in creates the citizen's account. Returns (user, created)."""
    phone = phone_validate(phone)
    user = user_find_by_phone(phone)
    if user is None:
        # Ask for the name before spending the code, so a missing name costs nothing.
        name = name_validate(name)
    _verify_code(phone, code, "signin")
    if user is not None:
        if not user.is_active:
            raise NotAllowed(_("This account is disabled. Please contact the service hotline."))
        if user.is_staff:
            # Staff accounts open personal data: password (and second factor), never an SMS alone.
            raise NotAllowed(_("Staff accounts sign in with username and password, not with an SMS code."))
        return user, False
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                name=name, phone=phone, phone_hash=keyed_hash(phone)
            )
    except IntegrityError:  # the same phone signed in twice at once
        return user_find_by_phone(phone), False
    citizen_registered_audit(user).save(force_insert=True)
    return user, True


def password_sign_in(*, request, login: str, password: str) -> User:
    """Username (staff) or phone (citizens) and password, with per-account lockout."""
    login = (login or "").strip()
    if not login or not password:
        raise ValidationFailed.for_field(
            "username", _("Please enter your mobile number or username, and your password.")
        )
    phone = normalize_phone(login)
    ident = f"phone:{phone}" if phone else f"user:{login.lower()}"
    lockout_check(ident)
    user = authenticate(request, username=login, password=password)
    if user is None:
        lockout_fail(ident)
        raise ValidationFailed(
            _("The account or password is wrong. Please try again, or sign in with an SMS code."),
            fields={"password": [_("The account or password is wrong.")]},
        )
    lockout_clear(ident)
    return user


def _password_check(password: str, user: User | None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={field: [str(m) for m in exc.messages]}) from None


@transaction.atomic
def user_password_set(*, user: User, password: str, password_again: str | None = None) -> None:
    if password_again is not None and password != password_again:
        raise ValidationFailed.for_field(
            "password_again", _("The two passwords are different. Please type the same password twice.")
        )
    _password_check(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(event_type="identity.password_set", actor=user, target=user)


@transaction.atomic
def password_reset_by_sms(*, phone: str, code: str, password: str, password_again: str) -> User:
    """A citizen sets a new password with an SMS code (staff passwords are reset by an administrator)."""
    phone = phone_validate(phone)
    user = user_find_by_phone(phone)
    if password != password_again:
        raise ValidationFailed.for_field(
            "password_again", _("The two passwords are different. Please type the same password twice.")
        )
    _password_check(password, user)
    _verify_code(phone, code, "reset")
    if user is None or user.is_staff:
        raise ValidationFailed.for_field(
            "phone",
            _("No citizen account uses this number. Sign in with an SMS code to create one."),
        )
    user.set_password(password)
    user.save(update_fields=["password"])
    lockout_clear(f"phone:{phone}")
    audit_record(event_type="identity.password_reset", actor=user, target=user)
    return user


@transaction.atomic
def totp_enrol_begin(*, user: User) -> str:
    """A new, unconfirmed TOTP secret (replacing an unconfirmed one)."""
    if user.has_second_factor:
        raise Conflict(_("Your authenticator app is already set up."))
    user.totp_secret = totp_new_secret()
    user.save(update_fields=["totp_secret"])
    return user.totp_secret


@transaction.atomic
def totp_enrol_confirm(*, user: User, code: str) -> dt.datetime:
    if not user.totp_secret:
        raise ValidationFailed.for_field("totp_code", _("Please start the set-up again."))
    totp_code_check(secret=user.totp_secret, code=code, user_id=user.pk)
    now = timezone.now()
    user.totp_confirmed_at = now
    user.save(update_fields=["totp_confirmed_at"])
    audit_record(event_type="identity.totp_enrolled", actor=user, target=user)
    return now


def totp_verify(*, user: User, code: str) -> dt.datetime:
    """Check a second-factor code; the caller stores the returned time in the session."""
    if not user.has_second_factor:
        raise NotAllowed(_("Set up your authenticator app first."))
    ident = f"totp:{user.pk}"
    lockout_check(ident)
    try:
        totp_code_check(secret=user.totp_secret, code=code, user_id=user.pk)
    except ValidationFailed:
        lockout_fail(ident)
        raise
    lockout_clear(ident)
    return timezone.now()


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """A new API token (shown once); only its sha256 is stored. Replaces any earlier token."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = hashlib.sha256(token.encode()).hexdigest()
    user.save(update_fields=["api_token_hash"])
    audit_record(event_type="identity.api_token_issued", actor=user, target=user)
    return token


def user_large_text_set(*, user: User, large_text: bool) -> None:
    """Remember the person's choice of elderly mode (大字版) for their other devices. A display
    preference, not personal data: no audit entry."""
    if user.large_text != large_text:
        user.large_text = large_text
        user.save(update_fields=["large_text"])


def session_age_for(user: User) -> int:
    """Citizens keep a long session; staff sessions expire after SESSION_COOKIE_AGE."""
    return settings.SESSION_COOKIE_AGE if user.is_staff else settings.CITIZEN_SESSION_AGE

