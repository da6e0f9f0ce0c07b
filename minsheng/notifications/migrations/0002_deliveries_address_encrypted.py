"""Deliveries' addresses (phone numbers above all) encrypted at rest, with a keyed hash.

The rows written before are encrypted in place. They are read with plain SQL: the
model's field now decrypts what it reads and would refuse the plain text.
"""

from django.db import migrations, models

import minsheng.identity.fields

BATCH = 1000


def _rewrite(schema_editor, transform):
    connection = schema_editor.connection
    table = schema_editor.quote_name("notifications_delivery")
    with connection.cursor() as cur:
        cur.execute(f"SELECT id, address FROM {table} WHERE address <> ''")  # noqa: S608 - fixed table
        rows = cur.fetchall()
    for start in range(0, len(rows), BATCH):
        batch = [transform(pk, address) for pk, address in rows[start : start + BATCH]]
        batch = [row for row in batch if row is not None]
        with connection.cursor() as cur:
            cur.executemany(
                f"UPDATE {table} SET address = %s, address_hash = %s WHERE id = %s",  # noqa: S608
                batch,
            )


def encrypt_addresses(apps, schema_editor):
    from minsheng.identity import crypto

    def transform(pk, address):
        if address.startswith(crypto.PREFIX):
            return None
        return (crypto.encrypt(address), crypto.keyed_hash(address), pk)

    _rewrite(schema_editor, transform)


def decrypt_addresses(apps, schema_editor):
    from minsheng.identity import crypto

    def transform(pk, address):
        if not address.startswith(crypto.PREFIX):
            return None
        return (crypto.decrypt(address)[:200], "", pk)

    _rewrite(schema_editor, transform)


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="address_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64, verbose_name="address hash"),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="address",
            field=minsheng.identity.fields.EncryptedTextField(blank=True, default="", verbose_name="address"),
        ),
        migrations.RunPython(encrypt_addresses, decrypt_addresses),
    ]
