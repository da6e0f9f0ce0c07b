"""Writes about people and accounts. Every change writes an audit entry in its transaction.

Reads live in selectors.py; the ones programs use most are re-exported here
(``persons_in_care_of``, ``person_find_by_id_number``, ``person_relations_of``).
"""

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

from . import otp
from .crypto import decrypt as crypto_decrypt
from .crypto import encrypt as crypto_encrypt
from .crypto import keyed_hash
from .idnumbers import id_number_validate, mask_id_number, mask_phone, phone_validate
from .models import Person, PersonRelation, RelationKind, User  # noqa: F401 - Person for callers
from .names import person_name_validate
from .normalize import normalize_phone
from .ratelimit import lockout_check, lockout_clear, lockout_fail
from .selectors import (  # noqa: F401 - re-exported for programs
    person_find_by_id_number,
    person_relations_of,
    persons_in_care_of,
    user_find_by_phone,
    user_may_unmask,
)
from .totp import totp_code_check, totp_new_secret
from .verification import VerificationResult, real_name_verifier

SECOND_FACTOR_MAX_AGE = dt.timedelta(hours=12)


# --- names -------------------------------------------------------------------
def name_validate(value: str, *, field: str = "name") -> str:
    """A person's name, by the platform's one rule (minsheng.identity.names)."""
    return person_name_validate(value, field=field)


# --- people ------------------------------------------------------------------
@transaction.atomic
def person_create(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    birth_date: dt.date | None = None,
    residence_region=None,
    address: str = "",
    actor=None,
    user: User | None = None,
) -> Person:
    """Register a real-name person; birth date and sex come from the ID number."""
    errors: dict[str, list[str]] = {}
    parsed = None
    try:
        name = name_validate(name)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    try:
        parsed = id_number_validate(id_number)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if phone:
        try:
            phone = phone_validate(phone)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(fields=errors)
    id_hash = keyed_hash(parsed.number)
    if Person.objects.filter(id_number_hash=id_hash).exists():
        raise Conflict(
            _("A person with this ID number is already registered."),
            fields={"id_number": [_("This ID number is already registered.")]},
        )
    person = Person(
        user=user,
        name=name,
        id_number=parsed.number,
        id_number_hash=id_hash,
        id_number_tail=parsed.number[-4:],
        phone=phone,
        phone_hash=keyed_hash(phone) if phone else None,
        birth_date=birth_date or parsed.birth_date,
        sex=parsed.sex,
        residence_region=residence_region,
        address=address,
    )
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise Conflict(
            _("A person with this ID number is already registered."),
            fields={"id_number": [_("This ID number is already registered.")]},
        ) from None
    audit_record(
        event_type="identity.person_created",
        actor=actor,
        target=person,
        new={"name": name, "id_number": mask_id_number(parsed.number), "phone": mask_phone(phone)},
    )
    return person


def _relation_validate(person: Person, relative: Person, kind: str) -> None:
    if kind not in RelationKind.values:
        raise ValidationFailed.for_field(
            "kind", _("Please choose guardian, family member or agent.")
        )
    if person.pk == relative.pk:
        raise ValidationFailed.for_field(
            "relative", _("A person cannot be related to themselves. Please choose someone else.")
        )


@transaction.atomic
def person_relation_add(
    *, person: Person, relative: Person, kind: str, detail: str = "", actor=None
) -> PersonRelation:
    """Record that ``person`` is the ``kind`` of ``relative`` ("A is guardian of B")."""
    _relation_validate(person, relative, kind)
    detail = (detail or "").strip()[:50]
    if PersonRelation.objects.filter(person=person, relative=relative, kind=kind).exists():
        raise Conflict(
            _("This relation is already recorded."),
            fields={"relative": [_("This relation is already recorded.")]},
        )
    try:
        with transaction.atomic():
            relation = PersonRelation.objects.create(
                person=person, relative=relative, kind=kind, detail=detail
            )
    except IntegrityError:
        raise Conflict(_("This relation is already recorded.")) from None
    audit_record(
        event_type="identity.relation_added",
        actor=actor,
        target=relation,
        target_label=f"{person} → {relative}",
        new={"person": person.pk, "relative": relative.pk, "kind": kind, "detail": detail},
    )
    return relation


@transaction.atomic
def family_member_add(
    *, user: User, name: str, id_number: str, kind: str, detail: str = ""
) -> PersonRelation:
    """A citizen adds a family member (e.g. their child) by name and ID number."""
    me = Person.objects.filter(user=user).first()
    if me is None:
        raise ValidationFailed(
            _("Please register your own name and ID number first, then add family members."),
        )
    errors: dict[str, list[str]] = {}
    for check in (lambda: name_validate(name), lambda: id_number_validate(id_number)):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if kind not in RelationKind.values:
        errors["kind"] = [_("Please choose guardian, family member or agent.")]
    if errors:
        raise ValidationFailed(fields=errors)
    relative = person_find_by_id_number(id_number)
    if relative is None:
        relative = person_create(name=name, id_number=id_number, actor=user)
    else:
        if relative.name != name_validate(name):
            raise ValidationFailed(
                fields={"name": [_("The name does not match the one registered with this ID number. Please check it.")]}
            )
        if relative.user_id and relative.user_id != user.pk and kind != RelationKind.FAMILY:
            raise NotAllowed(
                _("This person has their own account. Ask them to add you as their agent instead.")
            )
    if relative.pk == me.pk:
        raise ValidationFailed(
            fields={"id_number": [_("This is your own ID number. Please enter your family member's number.")]}
        )
    return person_relation_add(person=me, relative=relative, kind=kind, detail=detail, actor=user)


REAL_NAME_REDIRECT_SECONDS = 600  # a sign-in at the identity service must come back within this


def real_name_redirect_start(*, user: User, name: str, id_number: str) -> dict:
    """Begin real-name registration with a verifier that sends the citizen to the
    identity service (OIDC): check the input, and return what the caller keeps in
    the session until the service redirects back — the state that ties the answer
    to this browser, and the name and ID number (encrypted, as at rest) to compare
    with what the service says."""
    if Person.objects.filter(user=user).exists():
        raise Conflict(_("Your real-name data is already registered."))
    name = name_validate(name)
    parsed = id_number_validate(id_number)
    return {
        "state": secrets.token_urlsafe(24),
        "nonce": secrets.token_urlsafe(16),
        "name": name,
        "id_number": crypto_encrypt(parsed.number),
        "started": timezone.now().timestamp(),
    }


def real_name_redirect_finish(
    *, user: User, pending: dict | None, state: str, code: str, redirect_uri: str
) -> Person:
    """The identity service redirected back: check the state, exchange the code,
    compare the service's name and ID number with the citizen's, then register."""
    if (
        not pending
        or not state
        or not secrets.compare_digest(str(pending.get("state", "")), state)
        or timezone.now().timestamp() - float(pending.get("started", 0)) > REAL_NAME_REDIRECT_SECONDS
    ):
        raise ValidationFailed(
            _("This sign-in at the identity service has expired or did not start here. Please start again.")
        )
    if not code:
        raise ValidationFailed(_("The identity service did not confirm your identity. Please start again."))
    verifier = real_name_verifier()
    id_number = crypto_decrypt(pending["id_number"])
    result = verifier.verify_callback(code=code, redirect_uri=redirect_uri, name=pending["name"], id_number=id_number)
    return person_register_for_user(user=user, name=pending["name"], id_number=id_number, verification=result)


@transaction.atomic
def person_register_for_user(
    *, user: User, name: str, id_number: str, verification: VerificationResult | None = None
) -> Person:
    """Real-name registration (实名登记) of a signed-in user, checked by the configured
    verifier — or by the result a redirect verifier's callback already produced."""
    if Person.objects.filter(user=user).exists():
        raise Conflict(_("Your real-name data is already registered."))
    name = name_validate(name)
    parsed = id_number_validate(id_number)
    result = verification or real_name_verifier().verify(name=name, id_number=parsed.number)
    if not result.verified:
        raise ValidationFailed(result.message, fields={"id_number": [result.message]})
    person = person_find_by_id_number(parsed.number)
    if person is None:
        person = person_create(
            name=name, id_number=parsed.number, phone=user.phone, actor=user, user=user
        )
    else:
        if person.user_id is not None or person.name != name:
            raise Conflict(
                _("This ID number is already registered to someone else. Please contact the service hotline."),
                fields={"id_number": [_("This ID number is already registered.")]},
            )
        person.user = user
        person.save(update_fields=["user", "updated_at"])
    person.verified_at = timezone.now()
    person.verified_by = result.method
    person.save(update_fields=["verified_at", "verified_by", "updated_at"])
    if user.name != name:
        user.name = name
        user.save(update_fields=["name"])
    audit_record(
        event_type="identity.real_name_registered",
        actor=user,
        target=person,
        new={"verified_by": result.method, "id_number": mask_id_number(parsed.number)},
    )
    return person


@transaction.atomic
def person_unmask(
    *,
    actor: User,
    person: Person,
    field: str,
    reason: str,
    second_factor_at: dt.datetime | None = None,
) -> str:
    """The full ID or phone number, for a permitted staff member with a recent second factor.

    Each call writes an ``identity.unmask`` audit entry with the reason.
    """
    if field not in ("id_number", "phone"):
        raise ValidationFailed.for_field("field", _("Choose the ID number or the phone number."))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationFailed.for_field(
            "reason", _("Please state why you need to see the full number (at least 4 characters).")
        )
    if not user_may_unmask(actor):
        raise NotAllowed(_("Your role does not allow seeing full personal numbers."))
    if not actor.has_second_factor:
        raise NotAllowed(
            _("Set up your authenticator app (second factor) before you can see full numbers.")
        )
    now = timezone.now()
    if second_factor_at is None or not (now - SECOND_FACTOR_MAX_AGE <= second_factor_at <= now + dt.timedelta(minutes=1)):
        raise NotAllowed(
            _("Please confirm with a code from your authenticator app before seeing full numbers.")
        )
    value = getattr(person, field)
    audit_record(
        event_type="identity.unmask",
        actor=actor,
        target=person,
        new={"field": field, "reason": reason[:500]},
    )
    return value


# --- accounts and sign-in --------------------------------------------------------
def otp_request(*, phone: str, purpose: str = "signin") -> int:
    """Send a sign-in (or password reset) code by SMS. Returns seconds until a resend."""
    phone = phone_validate(phone)
    lockout_check(f"phone:{phone}")
    if purpose == "reset":
        user = user_find_by_phone(phone)
        if user is None or user.is_staff:
            # Answer as if sent, so the form does not reveal which numbers have accounts.
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
    audit_record(
        event_type="identity.citizen_registered",
        actor=user,
        target=user,
        new={"phone": mask_phone(phone), "name": name},
    )
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


def session_age_for(user: User) -> int:
    """Citizens keep a long session; staff sessions expire after SESSION_COOKIE_AGE."""
    return settings.SESSION_COOKIE_AGE if user.is_staff else settings.CITIZEN_SESSION_AGE
