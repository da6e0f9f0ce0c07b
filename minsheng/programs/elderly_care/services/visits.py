"""The caregiver's visit at the elder's home: check in, the task list, photos, check out.
Each step locks the order, refuses what makes no sense with a message, and overwrites nothing.
The page (views/caregiver.py) and the API (api.py) call the same functions."""

import io
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from PIL import Image

from minsheng.attachments.services import attachment_store
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotFound, ValidationFailed

from ..models import Anomaly, AnomalyKind, OrderStatus, PhotoKind, VisitPhoto, WorkOrder
from . import verification

PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MAX_BYTES = 8 * 1024 * 1024


def order_lock_own(*, order_id: int, user) -> WorkOrder:
    """The caregiver's own work order, locked for this transaction, with what the visit's
    steps read (the elder's home and name, the service). One statement: the ownership
    check is part of the lock's WHERE; another caregiver's order is not found."""
    try:
        return (
            WorkOrder.objects.select_for_update(of=("self",))
            .select_related("elder__person", "elder__region", "service", "caregiver")
            .get(pk=order_id, caregiver__user=user)
        )
    except WorkOrder.DoesNotExist:
        raise NotFound(_("This visit is not assigned to you.")) from None


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
    return verification.haversine_m(elder.latitude, elder.longitude, lat, lon)


def visit_check_in(*, order_id: int, user, lat, lon, at: datetime | None = None) -> WorkOrder:
    """Start the visit at the elder's home. A second check-in is refused; nothing is overwritten."""
    lat, lon = _position(lat, lon)
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
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


def visit_set_checklist(*, order_id: int, user, done: list[str]) -> WorkOrder:
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
        if order.status != OrderStatus.IN_PROGRESS:
            raise Conflict(
                _("Tick tasks while the visit is in progress (after checking in)."),
                code="state_changed",
            )
        allowed = [str(t) for t in order.service.checklist]
        order.checklist_done = [t for t in allowed if t in set(done)]
        order.save(update_fields=["checklist_done", "updated_at"])
    return order


def visit_add_photo(*, order_id: int, user, file, kind: str = PhotoKind.DURING) -> VisitPhoto:
    if kind not in PhotoKind.values:
        raise ValidationFailed.for_field("kind", _("Choose when the photo was taken."))
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
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
            phash = verification.dhash(Image.open(io.BytesIO(fh.read())))
        photo = VisitPhoto.objects.create(
            work_order=order, kind=kind, attachment=attachment, phash=phash
        )
    return photo


def visit_is_short(order: WorkOrder) -> bool:
    """The visit lasted less than the configured share of its planned minutes."""
    return order.minutes_served is not None and verification.too_short(
        served_minutes=order.minutes_served, planned_minutes=order.planned_minutes
    )


def visit_check_out(*, order_id: int, user, lat, lon, at: datetime | None = None) -> WorkOrder:
    """End the visit; the elder's confirmation comes next. A visit shorter than the
    configured share of its planned time is flagged for review at once (the same
    anomaly the nightly detector would record; (order, kind) is unique)."""
    lat, lon = _position(lat, lon)
    with transaction.atomic():
        order = order_lock_own(order_id=order_id, user=user)
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
        short = visit_is_short(order)
        if short:
            Anomaly.objects.bulk_create(  # one INSERT; the nightly detector's row wins if first
                [
                    Anomaly(
                        work_order=order,
                        kind=AnomalyKind.SHORT,
                        detail={"served": order.minutes_served, "planned": order.planned_minutes},
                    )
                ],
                ignore_conflicts=True,
            )
        audit_record(
            event_type="elderly_care.check_out",
            actor=user,
            target=order,
            new={"minutes": order.minutes_served, "short": short},
        )
    return order
