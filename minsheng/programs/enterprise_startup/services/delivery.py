"""Postal delivery of the paper licence and the seals (free of charge), and its tracking."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.notifications.services import notification_send

from ..models import DELIVERY_NEXT, Delivery, DeliveryState


@transaction.atomic
def delivery_update(*, delivery: Delivery, actor, state: str, carrier: str = "", tracking_number: str = "") -> Delivery:
    locked = Delivery.objects.select_for_update().select_related("application__reservation").get(pk=delivery.pk)
    if state not in DELIVERY_NEXT.get(locked.state, []):
        raise Conflict(
            _("A delivery that is “%(state)s” cannot move to that state. Reload the page.")
            % {"state": locked.get_state_display()}
        )
    if state == DeliveryState.POSTED and not (tracking_number or locked.tracking_number):
        raise ValidationFailed.for_field("tracking_number", _("Enter the tracking number of the parcel."))
    old = locked.state
    locked.state = state
    locked.carrier = (carrier or locked.carrier or "中国邮政EMS")[:40]
    locked.tracking_number = (tracking_number or locked.tracking_number)[:40]
    locked.history = [*locked.history, {"state": state, "at": timezone.now().isoformat(), "by": actor.pk}]
    locked.version += 1
    locked.save(update_fields=["state", "carrier", "tracking_number", "history", "version", "updated_at"])
    audit_record(event_type="enterprise_startup.delivery", actor=actor, target=locked, old={"state": old}, new={"state": state})
    with translation.override("zh-hans"):  # the message's text is Chinese, whoever acts
        state_label = str(DeliveryState(state).label)
    notification_send(
        recipient=locked.application.applicant,
        template="enterprise_startup.delivery",
        context={
            "name": locked.application.reservation.full_name,
            "state": state_label,
            "tracking": f"{locked.carrier} {locked.tracking_number}",
        },
        dedupe_key=f"enterprise_startup.delivery.{locked.pk}.{locked.version}",
    )
    return locked
