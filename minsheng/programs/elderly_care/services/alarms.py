"""Gas and smoke alarms: raising an incident from a device's message, telling family and
staff, escalating an unacknowledged alarm level by level, acknowledgement and closure."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.access.models import RoleAssignment
from minsheng.audit.services import audit_record
from minsheng.core.errors import Conflict, ValidationFailed
from minsheng.identity.models import PersonRelation

from .. import notices
from ..models import AlarmDevice, AlarmEvent, AlarmNotice, AlarmStatus

# Minutes without acknowledgement after which the alarm goes one level up, and who is told.
ESCALATION = [
    (0, ("family", "community", "street")),
    (5, ("family", "community", "street", "district")),
    (15, ("family", "community", "street", "district", "emergency")),
]


def alarm_raise(*, device: AlarmDevice, event_at: datetime, detail: str) -> dict:
    """An alarm message: a new incident (everyone at level 0 is told) or the open one it belongs to."""
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


def alarm_clear_by_device(*, device: AlarmDevice, event_at: datetime) -> dict:
    """A clear message: noted on the incident; only a person closes it."""
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
