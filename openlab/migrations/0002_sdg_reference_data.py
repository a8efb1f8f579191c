"""Fill the Goal and Target tables from openlab.sdgs (the 17 goals, 169 targets)."""

from django.db import migrations


def load_reference_data(apps, schema_editor):
    from openlab.sdgs import sync_reference_tables

    sync_reference_tables(apps.get_model("openlab", "Goal"), apps.get_model("openlab", "Target"))


class Migration(migrations.Migration):
    dependencies = [("openlab", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
