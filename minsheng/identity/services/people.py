"""Writes about people: real-name records, relations, unmasking. Each writes an audit entry in
its transaction."""

import datetime as dt
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..crypto import decrypt as crypto_decrypt
from ..crypto import encrypt as crypto_encrypt
from ..crypto import keyed_hash
from ..idnumbers import id_number_validate, mask_id_number, phone_validate
from ..models import Person, PersonRelation, RelationKind, User  # noqa: F401 - Person for callers
from ..names import person_name_validate
from ..selectors import (  # noqa: F401 - re-exported for programs
    person_find_by_id_number,
    person_relations_of,
    persons_in_care_of,
    user_find_by_phone,
    user_may_unmask,
)
from ..verification import VerificationResult, real_name_verifier
from .bulk import person_build, person_created_audit, relation_added_audit

SECOND_FACTOR_MAX_AGE = dt.timedelta(hours=12)  # how long a second factor lets staff unmask


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
    person = person_build(
        name=name,
        id_number=parsed,
        phone=phone,
        user=user,
        birth_date=birth_date or parsed.birth_date,
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
    person_created_audit(person, actor=actor).save(force_insert=True)
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
    relation_added_audit(relation, person, relative, actor=actor).save(force_insert=True)
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


