"""Work orders: planning, dispatch, and the caregiver's visit (check in, photos, checklist,
check out, the elder's confirmation). Each step refuses what makes no sense, with a message."""

import base64
import binascii
import hmac
import io
import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from PIL import Image

from minsheng.attachments.services import attachment_store
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import PersonRelation

from .. import notices, rules
from ..models import (
    Caregiver,
    CareSchedule,
    ContractPrice,
    Elder,
    OrderStatus,
    PhotoKind,
    ServiceItem,
    VisitPhoto,
    WorkOrder,
)

CODE_TTL_MINUTES = 15
CODE_MAX_ATTEMPTS = 5
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def contract_price(*, provider_id: int, region, service: ServiceItem, on: date) -> Decimal | None:
    """The unit price in the provider's contract covering ``region`` on ``on`` (most local wins)."""
    prefixes = [region.prefix[:n] for n in (2, 4, 6, 9, 12) if len(region.prefix) >= n]
    rows = (
        ContractPrice.objects.filter(
            contract__provider_id=provider_id,
            contract__region__prefix__in=prefixes,
            contract__valid_from__lte=on,
            contract__valid_to__gte=on,
            service=service,
        )
        .order_by("-contract__region__prefix")
        .values_list("price", flat=True)
    )
    return next(iter(rows), None)


def order_create(
    *,
    elder: Elder,
    provider,
    service: ServiceItem,
    planned_start: datetime,
    planned_minutes: int | None = None,
    caregiver: Caregiver | None = None,
    on_request: bool = False,
    actor=None,
) -> WorkOrder:
    """A work order on request (or one planned visit); dispatched when a caregiver is named."""
    if (
        contract_price(
            provider_id=provider.pk,
            region=elder.region,
            service=service,
            on=timezone.localdate(planned_start),
        )
        is None
    ):
        raise ValidationFailed.for_field(
            "provider",
            _(
                "This provider has no contract price for this service where the elder lives. Choose another provider."
            ),
        )
    if caregiver is not None and caregiver.provider_id != provider.pk:
        raise ValidationFailed.for_field(
            "caregiver", _("Choose a caregiver who works for this provider.")
        )
    with transaction.atomic():
        order = WorkOrder.objects.create(
            elder=elder,
            region_id=elder.region_id,
            provider=provider,
            service=service,
            caregiver=caregiver,
            on_request=on_request,
            planned_start=planned_start,
            planned_minutes=planned_minutes or service.default_minutes,
            status=OrderStatus.DISPATCHED if caregiver else OrderStatus.PLANNED,
        )
        audit_record(
            event_type="elderly_care.order_create",
            actor=actor,
            target=order,
            new={"status": order.status, "on_request": on_request},
        )
    return order


def schedule_generate_orders(*, start: date, days: int = 7) -> int:
    """Create the planned work orders of every active schedule for ``days`` days from ``start``.

    Idempotent: a (schedule, start time) already planned is skipped.
    """
    end = start + timedelta(days=days)
    created = 0
    tz = timezone.get_current_timezone()
    schedules = (
        CareSchedule.objects.filter(is_active=True, valid_from__lt=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .select_related("elder")
    )
    for sched in schedules:
        existing = set(
            WorkOrder.objects.filter(
                schedule=sched, planned_start__date__gte=start, planned_start__date__lt=end
            ).values_list("planned_start", flat=True)
        )
        batch = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            if day < sched.valid_from or (sched.valid_to and day > sched.valid_to):
                continue
            if day.isoweekday() not in sched.weekdays:
                continue
            at = datetime.combine(day, sched.start_time, tzinfo=tz)
            if at in existing:
                continue
            batch.append(
                WorkOrder(
                    elder=sched.elder,
                    region_id=sched.elder.region_id,
                    provider_id=sched.provider_id,
                    caregiver_id=sched.caregiver_id,
                    service_id=sched.service_id,
                    schedule=sched,
                    planned_start=at,
                    planned_minutes=sched.minutes,
                    status=OrderStatus.DISPATCHED if sched.caregiver_id else OrderStatus.PLANNED,
                )
            )
        WorkOrder.objects.bulk_create(batch)
        created += len(batch)
    return created


def order_dispatch(*, order: WorkOrder, caregiver: Caregiver, actor) -> WorkOrder:
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update().get(pk=order.pk)
        if order.status not in (OrderStatus.PLANNED, OrderStatus.DISPATCHED):
            raise Conflict(
                _("This visit has already started and can no longer be reassigned."),
                code="state_changed",
            )
        if caregiver.provider_id != order.provider_id or not caregiver.is_active:
            raise ValidationFailed.for_field(
                "caregiver", _("Choose an active caregiver who works for this provider.")
            )
        old = order.caregiver_id
        order.caregiver, order.status = caregiver, OrderStatus.DISPATCHED
        order.save(update_fields=["caregiver", "status", "updated_at"])
        audit_record(
            event_type="elderly_care.order_dispatch",
            actor=actor,
            target=order,
            old={"caregiver": old},
            new={"caregiver": caregiver.pk},
        )
    return order


def _locked_own_order(order: WorkOrder, user) -> WorkOrder:
    order = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("elder", "caregiver", "service")
        .get(pk=order.pk)
    )
    if order.caregiver is None or order.caregiver.user_id != user.pk:
        raise NotAllowed(_("This visit is not assigned to you."))
    return order


def _position(lat, lon) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        raise ValidationFailed.for_field(
            "location",
            _(
                "Your location is needed to check in. Allow location access for this site and try again."
            ),
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed.for_field(
            "location", _("The location reported by your phone is not valid. Try again.")
        )
    return lat, lon


def _distance(order: WorkOrder, lat: float, lon: float) -> float | None:
    elder = order.elder
    if elder.latitude is None or elder.longitude is None:
        return None
    return rules.haversine_m(elder.latitude, elder.longitude, lat, lon)


def visit_check_in(*, order: WorkOrder, user, lat, lon, at: datetime | None = None) -> WorkOrder:
    """Start the visit at the elder's home. A second check-in is refused; nothing is overwritten."""
    lat, lon = _position(lat, lon)
    with transaction.atomic():
        order = _locked_own_order(order, user)
        if order.checked_in_at is not None:
            raise Conflict(
                _(
                    "You already checked in to this visit at %(time)s. Continue with the visit or check out."
                )
                % {"time": time_format(timezone.localtime(order.checked_in_at), "H:i")},
                code="state_changed",
            )
        if order.status not in (OrderStatus.DISPATCHED, OrderStatus.PLANNED):
            raise Conflict(
                _("This visit is %(status)s and cannot be started.")
                % {"status": order.get_status_display()},
                code="state_changed",
            )
        order.checked_in_at = at or timezone.now()
        order.check_in_lat, order.check_in_lon = lat, lon
        order.check_in_distance_m = _distance(order, lat, lon)
        order.status = OrderStatus.IN_PROGRESS
        order.save(
            update_fields=[
                "checked_in_at",
                "check_in_lat",
                "check_in_lon",
                "check_in_distance_m",
                "status",
                "updated_at",
            ]
        )
        audit_record(
            event_type="elderly_care.check_in",
            actor=user,
            target=order,
            new={"distance_m": order.check_in_distance_m},
        )
    return order


def visit_set_checklist(*, order: WorkOrder, user, done: list[str]) -> WorkOrder:
    with transaction.atomic():
        order = _locked_own_order(order, user)
        if order.status != OrderStatus.IN_PROGRESS:
            raise Conflict(
                _("Tick tasks while the visit is in progress (after checking in)."),
                code="state_changed",
            )
        allowed = [str(t) for t in order.service.checklist]
        order.checklist_done = [t for t in allowed if t in set(done)]
        order.save(update_fields=["checklist_done", "updated_at"])
    return order


def visit_add_photo(*, order: WorkOrder, user, file, kind: str = PhotoKind.DURING) -> VisitPhoto:
    if kind not in PhotoKind.values:
        raise ValidationFailed.for_field("kind", _("Choose when the photo was taken."))
    with transaction.atomic():
        order = _locked_own_order(order, user)
        if order.status not in (OrderStatus.IN_PROGRESS, OrderStatus.AWAITING):
            raise Conflict(
                _("Photos can be added only during a visit you have checked in to."),
                code="state_changed",
            )
        attachment = attachment_store(
            file=file,
            owner=user,
            target=order,
            allowed_types=PHOTO_TYPES,
            max_bytes=PHOTO_MAX_BYTES,
            field="photo",
        )
        with attachment.file.open("rb") as fh:
            phash = rules.dhash(Image.open(io.BytesIO(fh.read())))
        photo = VisitPhoto.objects.create(
            work_order=order, kind=kind, attachment=attachment, phash=phash
        )
    return photo


def visit_check_out(*, order: WorkOrder, user, lat, lon, at: datetime | None = None) -> WorkOrder:
    """End the visit; the elder's confirmation comes next."""
    lat, lon = _position(lat, lon)
    with transaction.atomic():
        order = _locked_own_order(order, user)
        if order.checked_in_at is None:
            raise Conflict(
                _("Check in at the elder's home before checking out."), code="state_changed"
            )
        if order.checked_out_at is not None:
            raise Conflict(
                _("You already checked out of this visit. Ask the elder or family to confirm it."),
                code="state_changed",
            )
        now = at or timezone.now()
        order.checked_out_at = now
        order.check_out_lat, order.check_out_lon = lat, lon
        order.check_out_distance_m = _distance(order, lat, lon)
        order.minutes_served = max(0, int((now - order.checked_in_at).total_seconds() // 60))
        order.status = OrderStatus.AWAITING
        order.save(
            update_fields=[
                "checked_out_at",
                "check_out_lat",
                "check_out_lon",
                "check_out_distance_m",
                "minutes_served",
                "status",
                "updated_at",
            ]
        )
        audit_record(
            event_type="elderly_care.check_out",
            actor=user,
            target=order,
            new={"minutes": order.minutes_served},
        )
    return order


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


def visit_send_code(*, order: WorkOrder, user) -> str:
    """Text a 6-digit confirmation code to the family (or the elder). Returns the code for the caller's tests."""
    with transaction.atomic():
        order = _locked_own_order(order, user)
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
        for person in recipients:
            notices.send(
                recipient=person,
                template="elderly_care.confirm_code",
                context={
                    "caregiver": user.name,
                    "elder": order.elder.person.name,
                    "service": order.service.title,
                    "code": code,
                    "minutes": CODE_TTL_MINUTES,
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
    order.quantity = rules.visit_quantity(
        unit=order.service.unit, minutes=order.minutes_served, planned_minutes=order.planned_minutes
    )
    order.amount = (order.unit_price * order.quantity).quantize(Decimal("0.01"))


def visit_confirm_code(*, order: WorkOrder, user, code: str) -> WorkOrder:
    """The elder's confirmation by the code the family received. A wrong code changes nothing but the count."""
    code = (code or "").strip()
    with transaction.atomic():
        order = _locked_own_order(order, user)
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


def visit_confirm_signature(*, order: WorkOrder, user, data_url: str) -> WorkOrder:
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
        order = _locked_own_order(order, user)
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
