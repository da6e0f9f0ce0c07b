from django.db import migrations


def seed(apps, schema_editor):
    from minsheng.programs.enterprise_startup.services.catalogue import catalogue_load

    catalogue_load(
        apps.get_model("enterprise_startup", "ScopeItem"),
        apps.get_model("enterprise_startup", "BannedWord"),
    )


class Migration(migrations.Migration):
    dependencies = [("enterprise_startup", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
