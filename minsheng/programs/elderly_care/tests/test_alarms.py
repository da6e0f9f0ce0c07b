"""Gas alarms: signed device messages (webhook and MQTT), notices, escalation, closure, offline devices."""

import json
import socket
import threading
import uuid
from datetime import date

import pytest
import time_machine
from django.conf import settings

from minsheng.access.models import Organisation
from minsheng.core.errors import ValidationFailed

from ..models import AlarmDevice, AlarmEvent, AlarmNotice, DeviceMessage, DeviceVendor
from ..services.alarms import alarm_acknowledge, alarm_close, alarms_escalate
from ..services.devices import device_message_receive, devices_flag_offline, sign
from . import factories as f

URL = "/api/v1/elderly_care/devices/messages"


@pytest.fixture
def device(db):
    _city, county, town, community = f.regions()
    elder = f.elder()
    cw_org = Organisation.objects.create(name="朐阳社区居委会", kind="community", region=community)
    street_org = Organisation.objects.create(name="新海街道办事处", kind="street", region=town)
    bureau = Organisation.objects.create(name="海州区民政局", kind="department", region=county)
    f.grant(f.user("社区网格员"), "community_worker", cw_org, community)
    f.grant(f.user("街道干部"), "community_worker", street_org, town)
    f.grant(f.user("区民政"), "civil_affairs_officer", bureau, county)
    vendor = DeviceVendor.objects.create(code="acme", name="安燃科技", secret="vendor-secret")
    return AlarmDevice.objects.create(
        kind="gas",
        imei="860000000000001",
        vendor=vendor,
        elder=elder,
        region=community,
        installed_on=date(2026, 1, 5),
    )


def body(kind="alarm", when="2026-03-10T08:00:00+08:00", mid=None):
    return json.dumps({"message_id": mid or uuid.uuid4().hex, "type": kind, "time": when}).encode()


def post(client, data, *, imei="860000000000001", secret="vendor-secret"):
    return client.post(
        URL,
        data=data,
        content_type="application/json",
        headers={"X-Device-Id": imei, "X-Signature": sign(secret, data)},
    )


def test_signed_alarm_by_webhook_notifies_family_community_and_street_at_once(client, device):
    response = post(client, body())
    assert response.status_code == 200 and response.json()["new"] is True
    alarm = AlarmEvent.objects.get()
    audiences = sorted(AlarmNotice.objects.filter(alarm=alarm).values_list("audience", flat=True))
    assert audiences == ["community", "family", "street"]


def test_forged_signature_and_unknown_device_are_refused_with_json_errors(client, device):
    forged = post(client, body(), secret="guess")
    assert forged.status_code == 401 and forged.json()["code"] == "unauthenticated"
    unknown = post(client, body(), imei="999")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    garbage = post(client, b"not json")
    assert garbage.status_code == 422
    assert not DeviceMessage.objects.exists() and not AlarmEvent.objects.exists()


def test_duplicate_and_out_of_order_messages_are_harmless(client, device):
    first = body(mid="m1", when="2026-03-10T08:05:00+08:00")
    post(client, first)
    assert post(client, first).json()["status"] == "duplicate"
    post(client, body(mid="m0", when="2026-03-10T08:00:00+08:00"))  # an earlier alarm arriving late
    assert AlarmEvent.objects.count() == 1
    assert AlarmEvent.objects.get().raised_at.isoformat().startswith("2026-03-10T00:00")
    post(client, body(kind="heartbeat", mid="h2", when="2026-03-10T09:00:00+08:00"))
    post(client, body(kind="heartbeat", mid="h1", when="2026-03-09T09:00:00+08:00"))
    device.refresh_from_db()
    assert device.last_seen_at.isoformat().startswith("2026-03-10T01:00")
    assert AlarmNotice.objects.filter(level=0).count() == 3  # told once


@pytest.mark.django_db
def test_unacknowledged_alarm_escalates_until_someone_acknowledges(device):
    with time_machine.travel(f.at(2026, 3, 10, 8, 0), tick=False):
        data = body()
        device_message_receive(
            imei=device.imei, body=data, signature=sign("vendor-secret", data), via="http"
        )
        alarm = AlarmEvent.objects.get()
        assert alarms_escalate() == 0
    with time_machine.travel(f.at(2026, 3, 10, 8, 6), tick=False):
        assert alarms_escalate() == 1
    alarm.refresh_from_db()
    assert alarm.escalation_level == 1
    assert AlarmNotice.objects.filter(alarm=alarm, level=1, audience="district").count() == 1
    acker = f.user("社区网格员")
    alarm_acknowledge(alarm=alarm, actor=acker)
    with time_machine.travel(f.at(2026, 3, 10, 8, 30), tick=False):
        assert alarms_escalate() == 0
    with pytest.raises(ValidationFailed):
        alarm_close(alarm=alarm, actor=acker, note=" ")
    alarm_close(alarm=alarm, actor=acker, note="燃气阀门未关，已关闭并通风")
    alarm.refresh_from_db()
    assert alarm.status == "closed" and alarm.closing_note


@pytest.mark.django_db
def test_silent_devices_are_flagged_offline_and_a_heartbeat_brings_them_back(device):
    with time_machine.travel(f.at(2026, 3, 10, 8, 0), tick=False):
        data = body(kind="heartbeat", when="2026-03-10T08:00:00+08:00")
        device_message_receive(
            imei=device.imei, body=data, signature=sign("vendor-secret", data), via="http"
        )
    with time_machine.travel(f.at(2026, 3, 11, 12, 0), tick=False):
        assert devices_flag_offline() == 1
        device.refresh_from_db()
        assert device.is_offline
        data = body(kind="heartbeat", when="2026-03-11T12:00:00+08:00")
        device_message_receive(
            imei=device.imei, body=data, signature=sign("vendor-secret", data), via="http"
        )
    device.refresh_from_db()
    assert not device.is_offline


def _broker_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(
    not _broker_answers(), reason="no MQTT broker answers on 127.0.0.1:1883 (CI starts Mosquitto)"
)
@pytest.mark.django_db(transaction=True)
def test_alarm_through_the_mqtt_broker_reaches_the_same_service(device):
    import paho.mqtt.client as mqtt

    from ..services.devices import mqtt_consume as consume

    url = settings.MQTT_URL or "mqtt://127.0.0.1:1883"
    stop, ready = threading.Event(), threading.Event()
    results = []
    all_in = threading.Event()

    def on_handled(result):
        results.append(result)
        if len(results) >= 3:
            all_in.set()

    listener = threading.Thread(
        target=consume,
        kwargs={"url": url, "stop": stop, "ready": ready, "on_handled": on_handled},
        daemon=True,
    )
    listener.start()
    try:
        assert ready.wait(5), "the consumer did not subscribe"
        data = body()
        forged = json.dumps({"body": data.decode(), "signature": "00" * 32})
        good = json.dumps({"body": data.decode(), "signature": sign("vendor-secret", data)})
        pub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        pub.connect("127.0.0.1", 1883)
        pub.loop_start()
        for payload in (forged, good, good):  # a forged one, then a repeated delivery
            pub.publish(f"minsheng/devices/{device.imei}/up", payload, qos=1).wait_for_publish(5)
        assert all_in.wait(10), f"only {len(results)} of 3 messages reached the service"
        pub.loop_stop()
        pub.disconnect()
    finally:
        stop.set()
        listener.join(5)
    assert (
        results[0] is None
        and results[1]["status"] == "stored"
        and results[2]["status"] == "duplicate"
    )
    assert DeviceMessage.objects.filter(via="mqtt").count() == 1
    assert AlarmEvent.objects.count() == 1
    assert AlarmNotice.objects.filter(level=0).count() == 3
