from django.db import migrations, models


def link_existing_rooms(apps, schema_editor):
    """Rooms made before rooms knew their stakeholders: a project room's are its lead and
    partners, a match room's are in its key ("match:<a>:<b>")."""
    Room = apps.get_model("chat", "Room")
    for room in Room.objects.filter(kind="project", project__isnull=False).select_related(
        "project"
    ):
        ids = {room.project.lead_id, *room.project.partners.values_list("pk", flat=True)}
        room.stakeholders.set(ids - {None})
    for room in Room.objects.filter(kind="match"):
        ids = [int(part) for part in room.key.split(":")[1:] if part.isdecimal()]
        room.stakeholders.set(ids)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_unread_email_schedule"),
        ("stakeholders", "0001_initial"),
        ("projects", "0004_staleness_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="room",
            name="stakeholders",
            field=models.ManyToManyField(
                blank=True, related_name="chat_rooms", to="stakeholders.stakeholderpage"
            ),
        ),
        migrations.RunPython(link_existing_rooms, migrations.RunPython.noop),
    ]
