"""The elder's confirmation of a visit, after check-out: a code texted to the family, or a
signature on the caregiver's screen. Confirming prices the visit (verified)."""

import base64
import binascii
import hmac
import io
import secrets
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from minsheng.attachments.services import attachment_store
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import PersonRelation

from .. import notices
from ..models import Elder, OrderStatus, PhotoKind, VisitPhoto, WorkOrder
from . import verification
from .orders import contract_price
from .visits import order_lock_own, visit_is_short

CODE_TTL_MINUTES = 15
CODE_MAX_ATTEMPTS = 5


def family_contacts(elder: Elder):
    """Family members of the elder with a phone number, the elder as last resort."""
    relatives = [
        r.person
        for r in PersonRelation.objects.filter(relative=elder.person, kind="family").select_related(
            "person"
        )
        if r.person.phone
    ]
    return relatives or ([elder.person] if elder.person.phone else [])


def _code_hash(order_id: int, code: str) -> str:
    return keyed_hash(f"elderly_care.confirm:{order_id}:{code}")


def visit_send_code(*, order_id: int, user) -> str:
    """Text a 6-digit confirmation code to the family (or the elder). Returns the code for the caller's tests."""
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
        if order.status != OrderStatus.AWAITING:
            raise Conflict(
                _("Check out of the visit before asking for the confirmation code."),
                code="state_changed",
            )
        now = timezone.now()
        if order.confirm_code_sent_at and now - order.confirm_code_sent_at < timedelta(seconds=60):
            raise Conflict(
                _("A code was sent less than a minute ago. Wait a moment before sending another."),
                code="rate_limited",
            )
        recipients = family_contacts(order.elder)
        if not recipients:
            raise ValidationFailed.for_field(
                "confirmation",
                _(
                    "No phone number is recorded for the elder or family. Ask the elder to sign on the screen instead."
                ),
            )
        code = f"{secrets.randbelow(10**6):06d}"
        order.confirm_code_hash = _code_hash(order.pk, code)
        order.confirm_code_sent_at, order.confirm_attempts = now, 0
        order.save(
            update_fields=[
                "confirm_code_hash",
                "confirm_code_sent_at",
                "confirm_attempts",
                "updated_at",
            ]
        )
        # A short visit is not called "completed": the family reads how long it lasted.
        template = (
            "elderly_care.confirm_code_short" if visit_is_short(order) else "elderly_care.confirm_code"
        )
        for person in recipients:
            notices.send(
                recipient=person,
                template=template,
                context={
                    "caregiver": user.name,
                    "elder": order.elder.person.name,
                    "service": order.service.title,
                    "code": code,
                    "minutes": CODE_TTL_MINUTES,
                    "served": order.minutes_served,
                    "planned": order.planned_minutes,
                },
                dedupe_key=f"ec-code-{order.pk}-{person.pk}-{now.timestamp():.0f}",
                channels=["sms"],
            )
    return code


def _price(order: WorkOrder) -> None:
    price = contract_price(
        provider_id=order.provider_id,
        region=order.elder.region,
        service=order.service,
        on=timezone.localdate(order.planned_start),
    )
    order.unit_price = price if price is not None else order.service.default_price
    order.quantity = verification.visit_quantity(
        unit=order.service.unit, minutes=order.minutes_served, planned_minutes=order.planned_minutes
    )
    order.amount = (order.unit_price * order.quantity).quantize(Decimal("0.01"))


def visit_confirm_code(*, order_id: int, user, code: str) -> WorkOrder:
    """The elder's confirmation by the code the family received. A wrong code changes nothing but the count."""
    code = (code or "").strip()
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
        if order.status == OrderStatus.VERIFIED:
            raise Conflict(_("This visit is already confirmed."), code="state_changed")
        if order.status != OrderStatus.AWAITING or not order.confirm_code_hash:
            raise Conflict(
                _("Send the confirmation code to the family first."), code="state_changed"
            )
        if timezone.now() - order.confirm_code_sent_at > timedelta(minutes=CODE_TTL_MINUTES):
            raise ValidationFailed.for_field("code", _("The code has expired. Send a new code."))
        if order.confirm_attempts >= CODE_MAX_ATTEMPTS:
            raise ValidationFailed.for_field(
                "code",
                _("Too many wrong codes. Send a new code or ask the elder to sign on the screen."),
            )
        if hmac.compare_digest(order.confirm_code_hash, _code_hash(order.pk, code)):
            return _verify(order, user, "code")
        # A wrong code: count it (committed), then refuse.
        WorkOrder.objects.filter(pk=order.pk).update(confirm_attempts=order.confirm_attempts + 1)
        left = CODE_MAX_ATTEMPTS - order.confirm_attempts - 1
    raise _WrongCode(left)


class _WrongCode(ValidationFailed):
    """Raised after the attempt counter is committed (see visit_confirm_code)."""

    def __init__(self, left: int):
        super().__init__(
            fields={
                "code": [
                    _(
                        "The code is not correct. Check the text message and try again (%(n)d tries left)."
                    )
                    % {"n": max(left, 0)}
                ]
            },
        )


def _verify(order: WorkOrder, user, method: str) -> WorkOrder:
    _price(order)
    order.status, order.confirmed_by, order.confirmed_at = (
        OrderStatus.VERIFIED,
        method,
        timezone.now(),
    )
    order.save(
        update_fields=[
            "status",
            "confirmed_by",
            "confirmed_at",
            "unit_price",
            "quantity",
            "amount",
            "updated_at",
        ]
    )
    audit_record(
        event_type="elderly_care.visit_verified",
        actor=user,
        target=order,
        new={"method": method, "amount": str(order.amount)},
    )
    return order


def visit_confirm_signature(*, order_id: int, user, data_url: str) -> WorkOrder:
    """The elder's signature drawn on the screen (a PNG data URL from the canvas)."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ValidationFailed.for_field(
            "signature", _("Ask the elder to sign in the box, then press confirm.")
        )
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed.for_field(
            "signature", _("The signature could not be read. Ask the elder to sign again.")
        ) from None
    try:
        img = Image.open(io.BytesIO(raw)).convert("LA")
    except Exception:  # noqa: BLE001 — Pillow raises many types for bad input
        raise ValidationFailed.for_field(
            "signature", _("The signature could not be read. Ask the elder to sign again.")
        ) from None
    alpha = img.getchannel("A").getextrema()
    lum = img.getchannel("L").getextrema()
    if alpha[1] == 0 or (alpha[0] == alpha[1] and lum[0] == lum[1]):
        raise ValidationFailed.for_field(
            "signature", _("The signature box is empty. Ask the elder to sign in the box.")
        )
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
        if order.status == OrderStatus.VERIFIED:
            raise Conflict(_("This visit is already confirmed."), code="state_changed")
        if order.status != OrderStatus.AWAITING:
            raise Conflict(
                _("Check out of the visit before the elder confirms it."), code="state_changed"
            )
        attachment = attachment_store(
            file=SimpleUploadedFile("signature.png", raw, content_type="image/png"),
            owner=user,
            target=order,
            allowed_types=("image/png",),
            max_bytes=2 * 1024 * 1024,
            field="signature",
        )
        VisitPhoto.objects.create(work_order=order, kind=PhotoKind.SIGNATURE, attachment=attachment)
        return _verify(order, user, "signature")
