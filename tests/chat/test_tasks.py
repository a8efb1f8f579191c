"""The unread e-mail: after 30 minutes, at most once per room per person per day."""

import datetime as dt

import pytest
from django.utils import timezone

from openlab.chat import services, tasks
from openlab.chat.models import Membership, UnreadEmail

pytestmark = pytest.mark.django_db


def age(room, user, minutes):
    Membership.objects.filter(room=room, user=user).update(
        unread_since=timezone.now() - dt.timedelta(minutes=minutes)
    )


def test_unread_email_is_sent_once_after_thirty_minutes(people, room, mailoutbox):
    services.send_message(people["alice"], room.pk, "来週の打ち合わせの件です", "mail-0001")
    assert tasks.scan_unread() == 0  # not yet 30 minutes
    assert mailoutbox == []
    age(room, people["bob"], 31)
    age(room, people["facilitator"], 31)
    assert tasks.scan_unread() == 2
    to_bob = next(m for m in mailoutbox if m.to == ["bob@example.jp"])
    assert "フードロス削減プロジェクト" in to_bob.subject
    assert "来週の打ち合わせの件です" in to_bob.body and f"/chat/{room.pk}/" in to_bob.body
    # A second run, or a retried task, sends nothing more.
    assert tasks.scan_unread() == 0
    membership = Membership.objects.get(room=room, user=people["bob"])
    assert tasks.send_unread_email(membership.pk) is False
    # More messages the same day: still at most one e-mail for this room today.
    services.send_message(people["alice"], room.pk, "追加の連絡です", "mail-0002")
    age(room, people["bob"], 45)
    assert tasks.send_unread_email(membership.pk) is False
    assert len([m for m in mailoutbox if m.to == ["bob@example.jp"]]) == 1
    assert UnreadEmail.objects.filter(user=people["bob"], sent_at__isnull=False).count() == 1


def test_no_email_when_read_in_time_or_online(people, room, mailoutbox):
    services.presence_join(room.pk, people["facilitator"], "chan-fac")
    message, _ = services.send_message(people["alice"], room.pk, "すぐ読まれる", "mail-0003")
    services.mark_read(people["bob"], room.pk, message.pk)
    assert not Membership.objects.filter(unread_since__isnull=False).exists()
    age(room, people["bob"], 60)  # even if the clock were set, nothing is unread
    assert tasks.scan_unread() == 0
    assert mailoutbox == []


def test_schedule_is_created_once():
    from django_q.models import Schedule

    first = tasks.ensure_schedule()
    assert tasks.ensure_schedule().pk == first.pk
    schedule = Schedule.objects.get(func="openlab.chat.tasks.scan_unread")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5
