"""django-q2 tasks of the chat: the unread-messages e-mail.

A member who was offline when a message arrived (Membership.unread_since) and has
still not read it 30 minutes later gets one e-mail for that room, at most once a
day (Asia/Tokyo). UnreadEmail records each sending, so a retried or duplicated
task never sends twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from openlab.chat import services
from openlab.chat.models import Membership, UnreadEmail

logger = logging.getLogger(__name__)

UNREAD_EMAIL_AFTER = dt.timedelta(minutes=30)
SCAN_LIMIT = 500
SCAN_FUNC = "openlab.chat.tasks.scan_unread"


def ensure_schedule(schedule_model=None):
    """The periodic scan (every 5 minutes), created once (migration 0002 and seed_demo)."""
    if schedule_model is None:
        from django_q.models import Schedule as schedule_model
    schedule, _created = schedule_model.objects.get_or_create(
        func=SCAN_FUNC,
        defaults={
            "name": "chat: unread e-mails",
            "schedule_type": "I",
            "minutes": 5,
            "repeats": -1,
        },
    )
    return schedule


def scan_unread():
    """Periodic (every 5 minutes): e-mail every member whose unread wait is over."""
    due = timezone.now() - UNREAD_EMAIL_AFTER
    pks = list(
        Membership.objects.filter(
            unread_since__isnull=False, unread_since__lte=due, removed_at__isnull=True
        )
        .order_by("unread_since")
        .values_list("pk", flat=True)[:SCAN_LIMIT]
    )
    sent = sum(1 for pk in pks if send_unread_email(pk))
    return sent


def send_unread_email(membership_pk):
    """Send the unread e-mail for one membership if it is due. Idempotent; True when sent."""
    now = timezone.now()
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update(of=("self",))
            .select_related("room", "user__profile")
            .filter(pk=membership_pk, removed_at__isnull=True, unread_since__isnull=False)
            .first()
        )
        if membership is None or membership.unread_since > now - UNREAD_EMAIL_AFTER:
            return False
        unread = list(services.unread_messages(membership).select_related("sender__profile")[:20])
        user = membership.user
        if not unread or not user.email or not user.is_active:
            Membership.objects.filter(pk=membership.pk).update(unread_since=None)
            return False
        day = timezone.localdate(now)
        record, _created = UnreadEmail.objects.get_or_create(
            room=membership.room, user=user, day=day
        )
        # Whatever happens next, this wait is over; a later message starts a new one.
        Membership.objects.filter(pk=membership.pk).update(unread_since=None)
        if record.sent_at is not None:
            return False
        room = membership.room
        context = {
            "name": services.display_name(user),
            "room": room,
            "messages": unread,
            "count": services.unread_messages(membership).count(),
            "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + room.get_absolute_url(),
        }
        send_mail(
            _("【オープンラボ】「%(room)s」に未読のメッセージがあります") % {"room": room.title},
            render_to_string("chat/unread_email.txt", context),
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        record.sent_at = now
        record.save(update_fields=["sent_at"])
    logger.info("chat: unread e-mail for room %s to user %s", room.pk, user.pk)
    return True
