"""django-q2 tasks of the events app: plain, idempotent functions taking primary keys."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from events.recurrence import TOKYO

logger = logging.getLogger(__name__)

SCHEDULES = [
    # (name, function, schedule type, first run at this Tokyo hour)
    ("events: reminders for tomorrow", "events.tasks.send_reminders", "D", 9),
    ("events: extend occurrences", "events.tasks.extend_occurrences", "D", 3),
]


def sync_occurrences(event_id):
    from events.services import sync_occurrences as sync

    return sync(event_id)


def extend_occurrences():
    """Roll every live recurring event's materialised window forward (daily), and
    materialise any live event that has no dates yet."""
    from django.db.models import Q

    from events.models import EventPage
    from events.services import sync_occurrences as sync

    ids = (
        EventPage.objects.live()
        .filter(~Q(rrule="") | Q(occurrences__isnull=True))
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(1 for event_id in ids if sync(event_id))


def site_url(path):
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


SUBJECTS = {
    "confirm_email": "【要確認】{title}（{date}）のお申し込み",
    "confirmed": "【参加確定】{title}（{date}）",
    "waitlisted": "【キャンセル待ち】{title}（{date}）",
    "pending": "【承認待ち】{title}（{date}）のお申し込みを受け付けました",
    "promoted": "【繰り上げ参加確定】{title}（{date}）",
    "cancelled": "【取消】{title}（{date}）のお申し込みを取り消しました",
    "rejected": "【お知らせ】{title}（{date}）のお申し込みについて",
    "occurrence_cancelled": "【中止】{title}（{date}）",
    "reminder": "【明日開催】{title}（{date}）",
}


def send_registration_email(registration_id, kind):
    """E-mail one person about their registration. Kinds: see SUBJECTS."""
    from events.models import Registration
    from events.services import make_token

    registration = (
        Registration.objects.select_related("occurrence__event").filter(pk=registration_id).first()
    )
    if registration is None or kind not in SUBJECTS:
        return False
    occurrence = registration.occurrence
    event = occurrence.event
    with translation.override("ja"):
        start = timezone.localtime(occurrence.start, TOKYO)
        context = {
            "registration": registration,
            "occurrence": occurrence,
            "event": event,
            "kind": kind,
            "start": start,
            "end": timezone.localtime(occurrence.end, TOKYO),
            "page_url": site_url(occurrence.get_url()),
            "confirm_url": site_url(
                f"/events/registrations/confirm/{make_token(registration, 'confirm')}/"
            ),
            "cancel_url": site_url(
                f"/events/registrations/cancel/{make_token(registration, 'cancel')}/"
            ),
        }
        subject = SUBJECTS[kind].format(title=event.title, date=f"{start:%Y年%-m月%-d日}")
        body = render_to_string("events/emails/registration.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [registration.email])
    return True


def send_reminders(today=None):
    """E-mail confirmed people the day before their date; each person once (reminded_at)."""
    from events.models import Registration, RegistrationStatus

    today = today or timezone.localtime(timezone.now(), TOKYO).date()
    tomorrow = today + dt.timedelta(days=1)
    due = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        reminded_at__isnull=True,
        occurrence__date=tomorrow,
        occurrence__cancelled=False,
        occurrence__event__live=True,
    ).values_list("pk", flat=True)
    sent = 0
    for registration_id in list(due):
        with transaction.atomic():
            # Claim first: a second worker (or a retry) finds nothing left to send.
            claimed = Registration.objects.filter(
                pk=registration_id, reminded_at__isnull=True
            ).update(reminded_at=timezone.now())
            if claimed:
                send_registration_email(registration_id, "reminder")
                sent += 1
    return sent


def ensure_schedules(schedule_model=None):
    """Create the django-q2 schedules once (idempotent; called by a data migration)."""
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    now = timezone.localtime(timezone.now(), TOKYO)
    for name, func, schedule_type, hour in SCHEDULES:
        first = now.replace(hour=hour, minute=0, second=0, microsecond=0)
        if first <= now:
            first += dt.timedelta(days=1)
        schedule_model.objects.update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": schedule_type, "repeats": -1},
            create_defaults={
                "func": func,
                "schedule_type": schedule_type,
                "repeats": -1,
                "next_run": first,
            },
        )
