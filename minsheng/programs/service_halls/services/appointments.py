"""Appointments (预约): a citizen books a slot, cancels it, or does not come."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ErrorCode, NotAllowed, ValidationFailed

from ..models import Appointment, AppointmentSlot, AppointmentState


def appointment_book(*, slot: AppointmentSlot, user, person=None) -> Appointment:
    if slot.starts_at <= timezone.now():
        raise ValidationFailed.for_field("slot", _("This time has passed. Please choose a later time."))
    with transaction.atomic():
        locked = AppointmentSlot.objects.select_for_update().get(pk=slot.pk)
        if Appointment.objects.filter(slot=locked, user=user, state=AppointmentState.BOOKED).exists():
            raise Conflict(_("You have already booked this time."), code=ErrorCode.DUPLICATE)
        if locked.booked >= locked.capacity:
            raise Conflict(_("This time is fully booked. Please choose another time."), code=ErrorCode.FULL)
        locked.booked += 1
        locked.save(update_fields=["booked"])
        appointment = Appointment.objects.create(slot=locked, user=user, person=person)
        audit_record(event_type="service_halls.appointment_book", actor=user, target=appointment,
                     new={"slot": locked.pk})
    return appointment


def appointment_cancel(*, appointment: Appointment, user) -> Appointment:
    if appointment.user_id != user.pk:
        raise NotAllowed(_("Only the person who booked this appointment can cancel it."))
    with transaction.atomic():
        updated = Appointment.objects.filter(pk=appointment.pk, state=AppointmentState.BOOKED).update(
            state=AppointmentState.CANCELLED, updated_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This appointment can no longer be cancelled."), code=ErrorCode.STATE_CHANGED)
        slot = AppointmentSlot.objects.select_for_update().get(pk=appointment.slot_id)
        slot.booked = max(0, slot.booked - 1)
        slot.save(update_fields=["booked"])
        audit_record(event_type="service_halls.appointment_cancel", actor=user, target=appointment,
                     old={"state": AppointmentState.BOOKED}, new={"state": AppointmentState.CANCELLED})
    appointment.refresh_from_db()
    return appointment


def appointments_mark_no_show(*, ended_before: datetime | None = None) -> int:
    """Booked appointments whose slot has ended without a check-in become no-shows."""
    ended_before = ended_before or timezone.now()
    return Appointment.objects.filter(
        state=AppointmentState.BOOKED, slot__ends_at__lt=ended_before
    ).update(state=AppointmentState.NO_SHOW, updated_at=timezone.now())
