"""Fewer indexes on the audit trail: every audited write inserts into each one.

The single-column target_type index (and its LIKE twin) is the first column of
the (target_type, target_id, occurred_at) index; target_id keeps a plain index
without the LIKE one (ids match exactly). On SQLite, altering the fields rebuilds
the table, which drops its append-only triggers: they are installed again.
"""

from django.conf import settings
from django.db import migrations, models


def triggers_again(apps, schema_editor):
    from minsheng.audit import db

    db.install(schema_editor.connection, with_sqlite_delete=not settings.TESTING)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="target_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="target id"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="target_type",
            field=models.CharField(blank=True, max_length=100, verbose_name="target type"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["target_id"], name="audit_target_id"),
        ),
        migrations.RunPython(triggers_again, migrations.RunPython.noop, elidable=False),
    ]
