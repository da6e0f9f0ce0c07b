"""The MQTT feed: devices publish to ``minsheng/devices/<imei>/up`` a JSON envelope
``{"body": "<the same JSON the webhook takes>", "signature": "<hex HMAC-SHA256 of body>"}``.
Every message goes through the same service as the webhook."""

import json
import logging
import threading
from urllib.parse import urlparse

import paho.mqtt.client as mqtt

from minsheng.core.errors import DomainError

from .services.safety import device_message_receive

log = logging.getLogger(__name__)
TOPIC = "minsheng/devices/+/up"


def handle(topic: str, payload: bytes) -> dict | None:
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


def connect(url: str, *, client_id: str = "") -> tuple[mqtt.Client, str, int]:
    parsed = urlparse(url)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311
    )
    if parsed.username:
        client.username_pw_set(parsed.username, parsed.password)
    if parsed.scheme in ("mqtts", "ssl"):
        client.tls_set()
    return client, parsed.hostname or "127.0.0.1", parsed.port or 1883


def consume(
    *,
    url: str,
    topic: str = TOPIC,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    on_handled=None,
) -> None:
    """Subscribe (QoS 1) and feed messages until ``stop`` is set (or forever)."""
    from django.db import close_old_connections

    client, host, port = connect(url)

    def on_connect(c, _userdata, _flags, reason_code, _props):
        c.subscribe(topic, qos=1)

    def on_subscribe(*_args):
        if ready is not None:
            ready.set()

    def on_message(_c, _userdata, msg):
        close_old_connections()
        result = handle(msg.topic, msg.payload)
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
