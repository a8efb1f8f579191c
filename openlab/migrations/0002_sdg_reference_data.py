"""Fill the Goal and Target tables from openlab.sdgs (the 17 goals, 169 targets)."""

from django.db import migrations


def load_reference_data(apps, schema_editor):
    from openlab import sdgs

    Goal = apps.get_model("openlab", "Goal")
    Target = apps.get_model("openlab", "Target")
    for goal in sdgs.GOALS:
        Goal.objects.update_or_create(
            number=goal.number,
            defaults={"name_ja": goal.name_ja, "name_en": goal.name_en, "colour": goal.colour},
        )
    for position, code in enumerate(sdgs.TARGET_CODES):
        Target.objects.update_or_create(
            code=code, defaults={"goal_id": int(code.split(".")[0]), "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("openlab", "0001_initial")]

    operations = [migrations.RunPython(load_reference_data, migrations.RunPython.noop)]
