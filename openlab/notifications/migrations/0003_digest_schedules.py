"""The daily and weekly digest schedules (django-q2), created once."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    today = timezone.localtime().date()
    daily = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(7)))
    monday = today + dt.timedelta(days=(7 - today.weekday()) or 7)
    weekly = timezone.make_aware(dt.datetime.combine(monday, dt.time(7)))
    for name, frequency, schedule_type, first in (
        ("notifications: daily digests", "daily", "D", daily),
        ("notifications: weekly digests", "weekly", "W", weekly),
    ):
        Schedule.objects.get_or_create(
            name=name,
            defaults={
                "func": "openlab.notifications.tasks.send_digests",
                "args": repr(frequency),
                "schedule_type": schedule_type,
                "next_run": first,
                "repeats": -1,
            },
        )


def remove_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(
        name__in=["notifications: daily digests", "notifications: weekly digests"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_digestdelivery_follow_interestsettings"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
