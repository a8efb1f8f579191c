from django.db import migrations, models


def backfill(apps, schema_editor):
    """Every existing stakeholder gets the reading its next save would give it."""
    from stakeholders.reading import name_reading

    StakeholderPage = apps.get_model("stakeholders", "StakeholderPage")
    pages = list(StakeholderPage.objects.only("pk", "title"))
    for page in pages:
        page.name_reading = name_reading(page.title)
    StakeholderPage.objects.bulk_update(pages, ["name_reading"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("stakeholders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="stakeholderpage",
            name="name_reading",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                max_length=255,
                verbose_name="よみ（並び順）",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
