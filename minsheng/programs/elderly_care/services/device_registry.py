"""The alarm devices in elders' homes: registered when installed, retired when taken away.

A civil-affairs officer or the community worker of the elder's community does both. A
retired device keeps its row (its alarms and messages point at it) but its messages are no
longer accepted and it is never flagged offline (services/devices.py).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, NotAllowed, ValidationFailed

from ..models import (
    AlarmDevice,
    AlarmEvent,
    AlarmStatus,
    DeviceKind,
    DeviceVendor,
    Elder,
    ElderStatus,
)
from ..selectors_setup import DEVICE_KEEPERS, covers


def _keeps(actor, region) -> None:
    if not covers(user=actor, roles=DEVICE_KEEPERS, region=region):
        raise NotAllowed(_("You keep the alarm devices of your own area only."))


@transaction.atomic
def device_register(
    *, actor, elder: Elder, kind: str, imei: str, vendor: DeviceVendor, installed_on: dt.date | None,
    secret: str = "",
) -> AlarmDevice:
    """Register a device installed in an elder's home; its messages are accepted from now on."""
    _keeps(actor, elder.region)
    imei = (imei or "").strip()
    errors = {}
    if kind not in DeviceKind.values:
        errors["kind"] = [_("Choose the kind of device from the list.")]
    if not imei or not imei.isalnum():
        errors["imei"] = [_("Enter the serial number or IMEI printed on the device (letters and digits).")]
    if installed_on is None:
        errors["installed_on"] = [_("Enter the day the device was installed.")]
    elif installed_on > timezone.localdate():
        errors["installed_on"] = [_("The installation day cannot be in the future.")]
    if errors:
        raise ValidationFailed(fields=errors)
    if elder.status != ElderStatus.ACTIVE:
        raise ValidationFailed(_("This elder no longer receives home care; a device cannot be registered."))
    try:
        with transaction.atomic():
            device = AlarmDevice.objects.create(
                kind=kind, imei=imei[:40], vendor=vendor, elder=elder, region_id=elder.region_id,
                installed_on=installed_on, secret=(secret or "").strip(),
            )
    except IntegrityError:
        raise Conflict(
            _("A device with this serial number is already registered. Check the number on the device."),
            fields={"imei": [_("This serial number is taken.")]}, code="duplicate",
        ) from None
    # The secret is never copied to the audit trail, only whether one was set.
    audit_record(event_type="elderly_care.device_register", actor=actor, target=device,
                 new={"kind": kind, "imei": device.imei, "vendor": vendor.pk, "elder": elder.pk,
                      "installed_on": installed_on.isoformat(), "own_secret": bool(device.secret)})
    return device


@transaction.atomic
def device_retire(*, actor, device: AlarmDevice, reason: str, on: dt.date | None = None) -> AlarmDevice:
    """Retire a device taken out of the home; an alarm still open on it is closed first."""
    _keeps(actor, device.region)
    device = AlarmDevice.objects.select_for_update().get(pk=device.pk)
    if device.retired_on is not None:
        raise Conflict(_("This device is already retired."), code="state_changed")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.for_field("reason", _("Say why the device is retired (removed, broken, replaced …)."))
    if AlarmEvent.objects.filter(device=device).exclude(status=AlarmStatus.CLOSED).exists():
        raise Conflict(
            _("An alarm of this device is still open. Close it on the alarms page, then retire the device."),
            code="state_changed",
        )
    device.retired_on = on or timezone.localdate()
    device.retired_reason = reason[:200]
    device.save(update_fields=["retired_on", "retired_reason", "updated_at"])
    audit_record(event_type="elderly_care.device_retire", actor=actor, target=device,
                 new={"retired_on": device.retired_on.isoformat(), "reason": device.retired_reason})
    return device
