"""Alarm devices: a device's message (webhook or MQTT) checked and stored once, and devices
that have gone silent flagged offline.

The MQTT feed: devices publish to ``minsheng/devices/<imei>/up`` a JSON envelope
``{"body": "<the same JSON the webhook takes>", "signature": "<hex HMAC-SHA256 of body>"}``;
``manage.py elderly_care_mqtt`` runs ``mqtt_consume``, which hands every message to the
same service as the webhook.
"""

import hashlib
import hmac
import json
import logging
import threading
from datetime import datetime, timedelta
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from django.db import IntegrityError, close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from minsheng.core.errors import DomainError, ErrorCode, NotFound, ValidationFailed

from ..models import AlarmDevice, DeviceMessage
from .alarms import alarm_clear_by_device, alarm_raise

log = logging.getLogger(__name__)
OFFLINE_AFTER = timedelta(hours=26)  # devices send a heartbeat at least daily
MESSAGE_KINDS = ("heartbeat", "alarm", "clear")


class BadSignature(DomainError):
    code = ErrorCode.UNAUTHENTICATED
    default_message = _("The message signature is not valid.")


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def device_message_receive(*, imei: str, body: bytes, signature: str, via: str) -> dict:
    """Check the HMAC-SHA256 signature of ``body`` for device ``imei``, then ingest it.

    Unknown device → NotFound (404); forged signature → BadSignature (401);
    a malformed body → ValidationFailed (422). Repeats return ``duplicate``.
    """
    device = (
        AlarmDevice.objects.select_related("vendor")
        .filter(imei=(imei or "").strip(), retired_on__isnull=True)
        .first()
    )
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
            result.update(
                alarm_raise(
                    device=device, event_at=event_at, detail=str(payload.get("detail", ""))[:200]
                )
            )
        elif kind == "clear":
            result.update(alarm_clear_by_device(device=device, event_at=event_at))
    return result


def devices_flag_offline(*, now: datetime | None = None) -> int:
    """Flag devices silent for longer than OFFLINE_AFTER (one UPDATE)."""
    now = now or timezone.now()
    return (
        AlarmDevice.objects.filter(is_offline=False, retired_on__isnull=True)
        .filter(
            Q(last_seen_at__lt=now - OFFLINE_AFTER)
            | Q(last_seen_at__isnull=True, installed_on__lt=(now - OFFLINE_AFTER).date())
        )
        .update(is_offline=True, offline_since=now)
    )


# --- the MQTT feed ----------------------------------------------------------------------

MQTT_TOPIC = "minsheng/devices/+/up"


def mqtt_handle(topic: str, payload: bytes) -> dict | None:
    """Feed one MQTT message to the service; a refused message is logged, never crashes the loop."""
    parts = topic.split("/")
    imei = parts[2] if len(parts) >= 4 else ""
    try:
        envelope = json.loads(payload)
        body = (
            envelope["body"].encode()
            if isinstance(envelope["body"], str)
            else json.dumps(envelope["body"]).encode()
        )
        return device_message_receive(
            imei=imei, body=body, signature=str(envelope.get("signature", "")), via="mqtt"
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("mqtt: malformed message on %s", topic)
    except DomainError as exc:
        log.warning("mqtt: refused message on %s: %s", topic, exc.message)
    return None


def mqtt_connect(url: str, *, client_id: str = "") -> tuple[mqtt.Client, str, int]:
    parsed = urlparse(url)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
    )
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)
    if parsed.scheme in ("mqtts", "ssl"):
        client.tls_set()
    return client, parsed.hostname or "127.0.0.1", parsed.port or 1883


def mqtt_consume(
    *,
    url: str,
    topic: str = MQTT_TOPIC,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    on_handled=None,
) -> None:
    """Subscribe (QoS 1) and feed messages until ``stop`` is set (or forever)."""
    client, host, port = mqtt_connect(url)

    def on_connect(c, _userdata, _flags, reason_code, _props):
        c.subscribe(topic, qos=1)

    def on_subscribe(*_args):
        if ready is not None:
            ready.set()

    def on_message(_c, _userdata, msg):
        close_old_connections()
        result = mqtt_handle(msg.topic, msg.payload)
        if on_handled is not None:
            on_handled(result)

    client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
    client.connect(host, port, keepalive=30)
    if stop is None:
        client.loop_forever()
        return
    client.loop_start()
    try:
        stop.wait()
    finally:
        client.loop_stop()
        client.disconnect()
