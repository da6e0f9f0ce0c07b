"""Phone numbers of deliveries are encrypted at rest, findable by keyed hash, masked in logs."""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection

from minsheng.core import sms
from minsheng.identity.crypto import keyed_hash
from minsheng.identity.models import User
from minsheng.notifications import channels, templates
from minsheng.notifications.models import Delivery
from minsheng.notifications.services import notification_deliver, notification_send

templates.register("tests.at_rest", title="提醒", body="您好", channels=("inbox", "sms"))
PHONE = "13800138000"

pytestmark = pytest.mark.django_db


def stored_addresses() -> list[tuple[str, str]]:
    with connection.cursor() as cur:
        cur.execute("SELECT address, address_hash FROM notifications_delivery ORDER BY id")
        return cur.fetchall()


def test_a_deliverys_phone_number_is_stored_encrypted_and_found_by_keyed_hash(capsys):
    user = User.objects.create_user("li", name="李四", phone=PHONE)
    notification_send(recipient=user, template="tests.at_rest", context={}, dedupe_key="at-rest-1")
    assert notification_deliver(delivery_id=Delivery.objects.get().pk) == "sent"
    assert sms.outbox[-1].phone == PHONE  # the gateway gets the real number
    [(address, digest)] = stored_addresses()
    assert address.startswith("v1:") and PHONE not in address
    assert digest == keyed_hash(PHONE)
    assert Delivery.objects.get(address_hash=keyed_hash(PHONE)).address == PHONE
    # what the console channel prints goes to log files: the number is masked there
    out = capsys.readouterr().out
    assert "138****8000" in out and PHONE not in out
    channels.outbox.clear()


def test_the_migration_encrypts_rows_written_in_plain_text_before_it():
    user = User.objects.create_user("wang", name="王五", phone=PHONE)
    notification_send(recipient=user, template="tests.at_rest", context={}, dedupe_key="at-rest-2")
    with connection.cursor() as cur:  # as the table held them before the migration
        cur.execute("UPDATE notifications_delivery SET address = %s, address_hash = ''", [PHONE])
    migration = importlib.import_module(
        "minsheng.notifications.migrations.0002_deliveries_address_encrypted"
    )
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.encrypt_addresses(None, editor)
    migration.encrypt_addresses(None, editor)  # a second run leaves encrypted rows alone
    [(address, digest)] = stored_addresses()
    assert address.startswith("v1:") and digest == keyed_hash(PHONE)
    assert Delivery.objects.get().address == PHONE
    migration.decrypt_addresses(None, editor)
    assert stored_addresses() == [(PHONE, "")]

