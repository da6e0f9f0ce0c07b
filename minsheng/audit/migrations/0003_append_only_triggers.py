"""Database triggers that refuse UPDATE and DELETE of audit events (see minsheng.audit.db).

In the test run on SQLite the DELETE trigger is left out: Django empties the
test database between transactional tests with a row-by-row ``DELETE FROM``
on SQLite (PostgreSQL uses TRUNCATE, which the trigger does not see). The
audit tests install it inside their own transaction to prove it works.
"""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    from minsheng.audit import db

    db.install(schema_editor.connection, with_sqlite_delete=not settings.TESTING)


def backwards(apps, schema_editor):
    from minsheng.audit import db

    db.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
