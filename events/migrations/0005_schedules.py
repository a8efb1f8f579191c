from django.db import migrations


def create_schedules(apps, schema_editor):
    from events.tasks import ensure_schedules

    ensure_schedules(apps.get_model("django_q", "Schedule"))


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_eventpage_image_eventexception_occurrence_and_more"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, migrations.RunPython.noop)]
