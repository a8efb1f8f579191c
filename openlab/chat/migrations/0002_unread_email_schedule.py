from django.db import migrations

FUNC = "openlab.chat.tasks.scan_unread"


def create_schedule(apps, schema_editor):
    from openlab.chat.tasks import ensure_schedule

    ensure_schedule(apps.get_model("django_q", "Schedule"))


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
