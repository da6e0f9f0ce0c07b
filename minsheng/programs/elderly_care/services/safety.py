"""Retrofits (一户一档) and gas / smoke alarms: device messages, notices, escalation, closure."""

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from minsheng.access.models import RoleAssignment
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, DomainError, ErrorCode, NotFound, ValidationFailed
from minsheng.identity.models import PersonRelation

from .. import notices
from ..catalogue import BASIC, RETROFIT_ITEMS
from ..models import (
    AlarmDevice,
    AlarmEvent,
    AlarmNotice,
    AlarmStatus,
    DeviceMessage,
    RetrofitFile,
    RetrofitItem,
    RetrofitStatus,
)

OFFLINE_AFTER = timedelta(hours=26)  # devices send a heartbeat at least daily
# Minutes without acknowledgement after which the alarm goes one level up, and who is told.
ESCALATION = [
    (0, ("family", "community", "street")),
    (5, ("family", "community", "street", "district")),
    (15, ("family", "community", "street", "district", "emergency")),
]
MESSAGE_KINDS = ("heartbeat", "alarm", "clear")


class BadSignature(DomainError):
    code = ErrorCode.UNAUTHENTICATED
    default_message = _("The message signature is not valid.")


# --- retrofits ------------------------------------------------------------


def retrofit_open(*, elder, assessment: str, actor=None) -> RetrofitFile:
    with transaction.atomic():
        try:
            with transaction.atomic():
                file = RetrofitFile.objects.create(
                    elder=elder,
                    household=elder.household,
                    region_id=elder.region_id,
                    assessment=assessment,
                )
        except IntegrityError:
            raise Conflict(
                _("This household already has a retrofit file; add to that one."), code="duplicate"
            ) from None
        audit_record(event_type="elderly_care.retrofit_open", actor=actor, target=file)
    return file


def retrofit_propose(
    *, file: RetrofitFile, items: dict[str, tuple[int, Decimal]], actor=None
) -> RetrofitFile:
    """Set the proposed items (code -> (quantity, cost)); the subsidy covers basic items."""
    bad = [c for c in items if c not in RETROFIT_ITEMS]
    if bad or not items:
        raise ValidationFailed.for_field(
            "items", _("Choose items from the national retrofit list.")
        )
    with transaction.atomic():
        file = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if file.status not in (RetrofitStatus.ASSESSING, RetrofitStatus.PROPOSED):
            raise Conflict(
                _("The items can no longer be changed after approval."), code="state_changed"
            )
        file.items.all().delete()
        RetrofitItem.objects.bulk_create(
            [
                RetrofitItem(file=file, code=c, quantity=q, cost=cost)
                for c, (q, cost) in items.items()
            ]
        )
        file.subsidy = sum(
            (cost for c, (_q, cost) in items.items() if RETROFIT_ITEMS[c][2] == BASIC), Decimal(0)
        )
        file.status = RetrofitStatus.PROPOSED
        file.save(update_fields=["subsidy", "status", "updated_at"])
        audit_record(
            event_type="elderly_care.retrofit_propose",
            actor=actor,
            target=file,
            new={"items": sorted(items), "subsidy": str(file.subsidy)},
        )
    return file


_RETROFIT_NEXT = {
    "approve": (RetrofitStatus.PROPOSED, RetrofitStatus.APPROVED),
    "start": (RetrofitStatus.APPROVED, RetrofitStatus.WORKS),
    "accept": (RetrofitStatus.WORKS, RetrofitStatus.ACCEPTED),
    "pay": (RetrofitStatus.ACCEPTED, RetrofitStatus.SUBSIDISED),
}


def retrofit_advance(*, file: RetrofitFile, action: str, actor) -> RetrofitFile:
    """approve → start works → accept (needs before and after photos) → pay the subsidy."""
    if action not in _RETROFIT_NEXT:
        raise ValidationFailed.for_field("action", _("Unknown step."))
    source, target = _RETROFIT_NEXT[action]
    with transaction.atomic():
        file = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if file.status != source:
            raise Conflict(
                _("This step is not possible now: the file is at “%(status)s”.")
                % {"status": file.get_status_display()},
                code="state_changed",
            )
        if action == "accept":
            phases = set(file.photos.values_list("phase", flat=True))
            if phases != {"before", "after"}:
                raise ValidationFailed.for_field(
                    "photos", _("Add photos from before and after the works before acceptance.")
                )
        now = timezone.now()
        file.status = target
        fields = ["status", "updated_at"]
        if action == "approve":
            file.approved_by, file.approved_at = actor, now
            fields += ["approved_by", "approved_at"]
        elif action == "accept":
            file.accepted_at = now
            fields.append("accepted_at")
            file.items.update(done=True)
        elif action == "pay":
            file.subsidy_paid_at = now
            fields.append("subsidy_paid_at")
        file.save(update_fields=fields)
        audit_record(
            event_type=f"elderly_care.retrofit_{action}",
            actor=actor,
            target=file,
            old={"status": source},
            new={"status": target},
        )
    return file


def retrofit_cost(file: RetrofitFile) -> Decimal:
    return file.items.aggregate(s=Sum("cost"))["s"] or Decimal(0)


# --- device messages --------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def device_message_receive(*, imei: str, body: bytes, signature: str, via: str) -> dict:
    """Check the HMAC-SHA256 signature of ``body`` for device ``imei``, then ingest it.

    Unknown device → NotFound (404); forged signature → BadSignature (401);
    a malformed body → ValidationFailed (422). Repeats return ``duplicate``.
    """
    device = AlarmDevice.objects.select_related("vendor").filter(imei=(imei or "").strip()).first()
    if device is None:
        raise NotFound(_("No device with this serial number is registered."))
    secret = device.secret or device.vendor.secret
    if not secret or not hmac.compare_digest(sign(secret, body), (signature or "").strip().lower()):
        raise BadSignature()
    try:
        data = json.loads(body)
        message_id = str(data["message_id"])[:64]
        kind = str(data["type"])
        event_at = parse_datetime(str(data["time"]))
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed(
            _("The message must be JSON with message_id, type and time.")
        ) from None
    if kind not in MESSAGE_KINDS or event_at is None or not message_id:
        raise ValidationFailed(
            _(
                "The message must be JSON with message_id, type (heartbeat, alarm, clear) and an ISO time."
            )
        )
    if timezone.is_naive(event_at):
        event_at = timezone.make_aware(event_at)
    return device_message_ingest(
        device=device, message_id=message_id, kind=kind, event_at=event_at, payload=data, via=via
    )


def device_message_ingest(
    *, device: AlarmDevice, message_id: str, kind: str, event_at: datetime, payload: dict, via: str
) -> dict:
    """Store a device message once and act on it. Out-of-order messages never undo newer state."""
    now = timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                DeviceMessage.objects.create(
                    device=device,
                    message_id=message_id,
                    kind=kind,
                    event_at=event_at,
                    via=via,
                    payload=payload,
                )
        except IntegrityError:
            return {"status": "duplicate"}
        device = AlarmDevice.objects.select_for_update().get(pk=device.pk)
        if device.last_seen_at is None or event_at > device.last_seen_at:
            device.last_seen_at = min(event_at, now)
        device.is_offline, device.offline_since = False, None
        device.save(update_fields=["last_seen_at", "is_offline", "offline_since", "updated_at"])
        result = {"status": "stored"}
        if kind == "alarm":
            result.update(_on_alarm(device, event_at, str(payload.get("detail", ""))[:200]))
        elif kind == "clear":
            result.update(_on_clear(device, event_at))
    return result


def _on_alarm(device: AlarmDevice, event_at: datetime, detail: str) -> dict:
    incident = (
        AlarmEvent.objects.select_for_update()
        .filter(device=device)
        .filter(
            Q(status__in=[AlarmStatus.OPEN, AlarmStatus.ACKNOWLEDGED])
            | Q(raised_at__lte=event_at, closed_at__gte=event_at)
        )
        .order_by("-raised_at")
        .first()
    )
    if incident is not None:
        if event_at < incident.raised_at:  # an earlier message of the same incident arrived late
            incident.raised_at = event_at
            incident.save(update_fields=["raised_at", "updated_at"])
        return {"alarm": incident.pk, "new": False}
    alarm = AlarmEvent.objects.create(
        device=device,
        elder_id=device.elder_id,
        region_id=device.region_id,
        raised_at=event_at,
        detail=detail,
        escalated_at=timezone.now(),
    )
    audit_record(event_type="elderly_care.alarm_raised", target=alarm, new={"device": device.imei})
    _notify(alarm, level=0)
    return {"alarm": alarm.pk, "new": True}


def _on_clear(device: AlarmDevice, event_at: datetime) -> dict:
    alarm = (
        AlarmEvent.objects.select_for_update()
        .filter(device=device, raised_at__lte=event_at)
        .exclude(status=AlarmStatus.CLOSED)
        .order_by("-raised_at")
        .first()
    )
    if alarm is None:
        return {"alarm": None}
    if alarm.cleared_by_device_at is None or event_at > alarm.cleared_by_device_at:
        alarm.cleared_by_device_at = event_at
        alarm.save(update_fields=["cleared_by_device_at", "updated_at"])
    return {"alarm": alarm.pk}


def _ancestors(prefix: str) -> list[str]:
    return [prefix[:n] for n in (2, 4, 6, 9, 12) if len(prefix) >= n]


def alarm_recipients(alarm: AlarmEvent, audience: str) -> list:
    """People (family) or users (staff) to tell, by audience."""
    elder = alarm.elder
    if audience == "family":
        return [
            r.person
            for r in PersonRelation.objects.filter(
                relative=elder.person, kind="family"
            ).select_related("person")
        ]
    prefixes = _ancestors(elder.region.prefix)
    roles = {
        "community": (["community_worker"], ["community"]),
        "street": (["community_worker", "civil_affairs_officer"], ["street"]),
        "district": (["civil_affairs_officer"], ["department"]),
        "emergency": (["civil_affairs_officer", "supervisor"], ["department", "other", "company"]),
    }[audience]
    qs = RoleAssignment.objects.filter(
        role_id__in=roles[0], organisation__kind__in=roles[1], region__prefix__in=prefixes
    ).select_related("user")
    if audience == "district":
        qs = qs.filter(region__level="county")
    return list({a.user_id: a.user for a in qs}.values())


def _notify(alarm: AlarmEvent, *, level: int) -> int:
    audiences = ESCALATION[min(level, len(ESCALATION) - 1)][1]
    now = timezone.now()
    sent = 0
    template = "elderly_care.alarm" if level == 0 else "elderly_care.alarm_escalated"
    context = {
        "elder": alarm.elder.person.name,
        "address": alarm.elder.address,
        "device": alarm.device.get_kind_display(),
        "time": f"{timezone.localtime(alarm.raised_at):%m-%d %H:%M}",
        "level": level,
        "minutes": int((now - alarm.created_at).total_seconds() // 60),
    }
    for audience in audiences:
        for recipient in alarm_recipients(alarm, audience):
            is_person = recipient.__class__.__name__ == "Person"
            AlarmNotice.objects.create(
                alarm=alarm,
                level=level,
                audience=audience,
                sent_at=now,
                person=recipient if is_person else None,
                user=None if is_person else recipient,
            )
            notices.send(
                recipient=recipient,
                template=template,
                context=context,
                dedupe_key=f"ec-alarm-{alarm.pk}-{level}-{audience}-{'p' if is_person else 'u'}{recipient.pk}",
            )
            sent += 1
    return sent


def alarms_escalate(*, now: datetime | None = None) -> int:
    """Move unacknowledged alarms up a level when their wait has passed (run every minute)."""
    now = now or timezone.now()
    moved = 0
    for alarm_id in AlarmEvent.objects.filter(status=AlarmStatus.OPEN).values_list("id", flat=True):
        with transaction.atomic():
            alarm = (
                AlarmEvent.objects.select_for_update(of=("self",))
                .select_related("elder__person", "elder__region", "device")
                .get(pk=alarm_id)
            )
            if alarm.status != AlarmStatus.OPEN:
                continue
            nxt = alarm.escalation_level + 1
            if nxt >= len(ESCALATION):
                continue
            if now - alarm.created_at < timedelta(minutes=ESCALATION[nxt][0]):
                continue
            alarm.escalation_level, alarm.escalated_at = nxt, now
            alarm.save(update_fields=["escalation_level", "escalated_at", "updated_at"])
            _notify(alarm, level=nxt)
            moved += 1
    return moved


def alarm_acknowledge(*, alarm: AlarmEvent, actor) -> AlarmEvent:
    with transaction.atomic():
        alarm = AlarmEvent.objects.select_for_update().get(pk=alarm.pk)
        if alarm.status != AlarmStatus.OPEN:
            raise Conflict(_("Someone has already responded to this alarm."), code="state_changed")
        alarm.status, alarm.acknowledged_by, alarm.acknowledged_at = (
            AlarmStatus.ACKNOWLEDGED,
            actor,
            timezone.now(),
        )
        alarm.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "updated_at"])
        audit_record(event_type="elderly_care.alarm_ack", actor=actor, target=alarm)
    return alarm


def alarm_close(*, alarm: AlarmEvent, actor, note: str) -> AlarmEvent:
    if not (note or "").strip():
        raise ValidationFailed.for_field(
            "note", _("Write what was found and done before closing the alarm.")
        )
    with transaction.atomic():
        alarm = AlarmEvent.objects.select_for_update().get(pk=alarm.pk)
        if alarm.status == AlarmStatus.CLOSED:
            raise Conflict(_("This alarm is already closed."), code="state_changed")
        now = timezone.now()
        if alarm.acknowledged_at is None:
            alarm.acknowledged_by, alarm.acknowledged_at = actor, now
        alarm.status, alarm.closed_by, alarm.closed_at, alarm.closing_note = (
            AlarmStatus.CLOSED,
            actor,
            now,
            note,
        )
        alarm.save(
            update_fields=[
                "status",
                "acknowledged_by",
                "acknowledged_at",
                "closed_by",
                "closed_at",
                "closing_note",
                "updated_at",
            ]
        )
        audit_record(
            event_type="elderly_care.alarm_close", actor=actor, target=alarm, new={"note": note}
        )
    return alarm


def devices_flag_offline(*, now: datetime | None = None) -> int:
    """Flag devices silent for longer than OFFLINE_AFTER (one UPDATE)."""
    now = now or timezone.now()
    return (
        AlarmDevice.objects.filter(is_offline=False)
        .filter(
            Q(last_seen_at__lt=now - OFFLINE_AFTER)
            | Q(last_seen_at__isnull=True, installed_on__lt=(now - OFFLINE_AFTER).date())
        )
        .update(is_offline=True, offline_since=now)
    )


# --- retrofit photos (appended: works before/after) ------------------------------------------


def retrofit_add_photo(*, file: RetrofitFile, phase: str, upload, actor, item=None):
    """A photo of the works, before or after; only while the file is approved or under works."""
    from minsheng.attachments.services import attachment_store

    from ..models import RetrofitPhoto

    if phase not in ("before", "after"):
        raise ValidationFailed.for_field(
            "phase", _("Choose whether the photo is from before or after the works.")
        )
    with transaction.atomic():
        locked = RetrofitFile.objects.select_for_update().get(pk=file.pk)
        if locked.status not in (RetrofitStatus.APPROVED, RetrofitStatus.WORKS):
            raise Conflict(
                _(
                    "Photos of the works can be added once the file is approved and until acceptance."
                ),
                code="state_changed",
            )
        if item is not None and item.file_id != locked.pk:
            raise ValidationFailed.for_field("item", _("Choose an item of this file."))
        attachment = attachment_store(
            file=upload,
            owner=actor,
            target=locked,
            allowed_types=("image/jpeg", "image/png"),
            max_bytes=8 * 1024 * 1024,
            field="photo",
        )
        photo = RetrofitPhoto.objects.create(
            file=locked, item=item, phase=phase, attachment=attachment
        )
        audit_record(
            event_type="elderly_care.retrofit_photo",
            actor=actor,
            target=locked,
            new={"phase": phase},
        )
    return photo
