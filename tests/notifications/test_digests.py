import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from openlab.models import Goal
from openlab.notifications import digests, services
from openlab.notifications.models import DigestDelivery, FollowTarget, InterestSettings
from tests.factories import EventFactory, ProjectFactory

pytestmark = pytest.mark.django_db


class WorkerCrash(BaseException):
    """Stands for the worker process dying: nothing in the run catches it."""


class CrashingBackend:
    """A locmem-like e-mail backend that dies once when it meets a marked address."""

    crash_for = set()

    def __init__(self, *args, **kwargs):
        from django.core.mail.backends.locmem import EmailBackend

        self.inner = EmailBackend(*args, **kwargs)

    def send_messages(self, messages):
        for message in messages:
            if set(message.to) & self.crash_for:
                self.crash_for -= set(message.to)
                raise WorkerCrash
        return self.inner.send_messages(messages)


def subscribe(user, frequency="daily", goals=(6,), since=None):
    for number in goals:
        services.follow(user, FollowTarget.GOAL, Goal.objects.get(number=number))
    services.set_frequency(user, frequency)
    InterestSettings.objects.filter(user=user).update(
        digest_since=since or timezone.now() - dt.timedelta(hours=1)
    )


def test_one_digest_per_user_per_period_with_only_new_items(site_tree, make_user):
    alice, bob = make_user(), make_user()
    subscribe(alice)
    subscribe(bob, goals=(11,))
    ProjectFactory(title="雨水タンク実験", goals=[6])
    EventFactory(title="まちあるき", goals=[11])

    now = timezone.now()
    counts = digests.send_digests("daily", now=now)
    assert counts["sent"] == 2
    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert "雨水タンク実験" in by_recipient[alice.email].body
    assert "まちあるき" not in by_recipient[alice.email].body
    assert "まちあるき" in by_recipient[bob.email].body
    html = by_recipient[alice.email].alternatives[0][0]
    assert "雨水タンク実験" in html

    # The same period again: nothing more.
    digests.send_digests("daily", now=now)
    assert len(mail.outbox) == 2

    # The next day: only what is new since, never the same item twice.
    ProjectFactory(title="水辺の観察会", goals=[6])
    digests.send_digests("daily", now=now + dt.timedelta(days=1))
    assert len(mail.outbox) == 3
    latest = mail.outbox[-1]
    assert latest.to == [alice.email]
    assert "水辺の観察会" in latest.body and "雨水タンク実験" not in latest.body


def test_nothing_new_sends_nothing_but_is_recorded(site_tree, make_user):
    user = make_user()
    subscribe(user)
    counts = digests.send_digests("daily")
    assert counts == {"sent": 0, "empty": 1, "resumed": 0, "skipped": 0}
    assert mail.outbox == []
    record = DigestDelivery.objects.get(user=user)
    assert record.status == DigestDelivery.Status.EMPTY and record.items == []


def test_weekly_subscribers_are_not_in_the_daily_run(site_tree, make_user):
    user = make_user()
    subscribe(user, frequency="weekly")
    ProjectFactory(goals=[6])
    assert digests.send_digests("daily")["sent"] == 0
    assert digests.send_digests("weekly")["sent"] == 1
    assert DigestDelivery.objects.get(user=user).period_key.startswith("w")


def test_in_app_only_and_unsubscribed_people_get_no_mail(site_tree, make_user):
    user = make_user()
    subscribe(user, frequency="none")
    ProjectFactory(goals=[6])
    digests.send_digests("daily")
    assert mail.outbox == []


def test_a_crash_mid_run_neither_loses_nor_duplicates(site_tree, make_user):
    users = [make_user(email=f"p{n}@example.jp") for n in range(4)]
    for user in users:
        subscribe(user)
    ProjectFactory(title="雨水タンク実験", goals=[6])
    now = timezone.now()

    CrashingBackend.crash_for = {"p1@example.jp"}
    backend = f"{__name__}.CrashingBackend"
    with override_settings(EMAIL_BACKEND=backend), pytest.raises(WorkerCrash):
        digests.send_digests("daily", now=now)
    # The first person got theirs, the second is recorded as pending, the rest untouched.
    assert [m.to[0] for m in mail.outbox] == ["p0@example.jp"]
    assert DigestDelivery.objects.get(user=users[1]).status == DigestDelivery.Status.PENDING
    assert not DigestDelivery.objects.filter(user__in=users[2:]).exists()

    with override_settings(EMAIL_BACKEND=backend):
        counts = digests.send_digests("daily", now=now + dt.timedelta(minutes=5))
    assert counts["resumed"] == 1 and counts["sent"] == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == [f"p{n}@example.jp" for n in range(4)]  # each exactly once
    assert all("雨水タンク実験" in m.body for m in mail.outbox)
    assert set(DigestDelivery.objects.values_list("status", flat=True)) == {"sent"}


def _crash_at_second_person(users, now):
    CrashingBackend.crash_for = {users[1].email}
    with (
        override_settings(EMAIL_BACKEND=f"{__name__}.CrashingBackend"),
        pytest.raises(WorkerCrash),
    ):
        digests.send_digests("daily", now=now)
    CrashingBackend.crash_for = set()
    assert DigestDelivery.objects.get(user=users[1]).status == DigestDelivery.Status.PENDING


def test_a_pending_digest_is_not_sent_to_someone_who_unsubscribed_since(site_tree, make_user):
    users = [make_user(email=f"q{n}@example.jp") for n in range(3)]
    for user in users:
        subscribe(user)
    ProjectFactory(title="雨水タンク実験", goals=[6])
    now = timezone.now()
    _crash_at_second_person(users, now)
    services.unsubscribe(users[1])
    mail.outbox.clear()

    counts = digests.send_digests("daily", now=now + dt.timedelta(minutes=5))
    assert [m.to[0] for m in mail.outbox] == ["q2@example.jp"]
    assert counts["resumed"] == 0 and counts["sent"] == 1
    assert DigestDelivery.objects.get(user=users[1]).status == DigestDelivery.Status.CANCELLED


def test_a_pending_digest_that_cannot_be_sent_does_not_stop_the_others(site_tree, make_user):
    users = [make_user(email=f"r{n}@example.jp") for n in range(4)]
    for user in users:
        subscribe(user)
    ProjectFactory(title="雨水タンク実験", goals=[6])
    now = timezone.now()
    _crash_at_second_person(users, now)
    # An address no mail can go to (a header injection the forms would refuse).
    type(users[1]).objects.filter(pk=users[1].pk).update(email="r1@example.jp\nBcc: x@example.jp")
    mail.outbox.clear()

    counts = digests.send_digests("daily", now=now + dt.timedelta(minutes=5))
    assert sorted(m.to[0] for m in mail.outbox) == ["r2@example.jp", "r3@example.jp"]
    assert counts["skipped"] == 1 and counts["sent"] == 2
    assert DigestDelivery.objects.get(user=users[1]).status == DigestDelivery.Status.PENDING


def test_digest_mail_has_a_signed_one_click_unsubscribe(site_tree, client, make_user):
    user = make_user()
    subscribe(user)
    ProjectFactory(goals=[6])
    digests.send_digests("daily")
    message = mail.outbox[0]
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url in message.body
    path = url.split("://", 1)[1].split("/", 1)[1]

    page = client.get("/" + path)
    assert "配信を停止する" in page.content.decode()
    done = client.post("/" + path)
    assert "まとめメールの配信を停止しました" in done.content.decode()
    assert services.interest_settings(user).frequency == "none"
    # Idempotent: a second click (or the mail client's one-click POST) changes nothing.
    again = client.post("/" + path)
    assert again.status_code == 200
    assert "すでに停止されています" in again.content.decode()


def test_tampered_and_expired_links_are_refused(site_tree, client, make_user, monkeypatch):
    user = make_user()
    subscribe(user)
    token = digests.unsubscribe_token(user)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.post(f"/notifications/unsubscribe/{tampered}/")
    assert response.status_code == 400
    assert "配信停止のリンクが正しくありません" in response.content.decode()
    assert services.interest_settings(user).frequency == "daily"

    monkeypatch.setattr(digests, "UNSUBSCRIBE_MAX_AGE", -1)
    response = client.get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "有効期限が切れています" in response.content.decode()

    response = client.get("/notifications/digest/not-a-token/")
    assert response.status_code == 400
    assert "まとめメールのリンクが正しくありません" in response.content.decode()


def test_browser_view_of_a_digest(site_tree, client, make_user):
    user = make_user()
    subscribe(user)
    ProjectFactory(title="雨水タンク実験", goals=[6])
    digests.send_digests("daily")
    delivery = DigestDelivery.objects.get(user=user)
    response = client.get(f"/notifications/digest/{digests.digest_token(delivery)}/")
    assert response.status_code == 200 and "雨水タンク実験" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_the_schedules_exist(db):
    from django_q.models import Schedule

    schedules = Schedule.objects.filter(func="openlab.notifications.tasks.send_digests")
    assert sorted(s.args for s in schedules) == ["'daily'", "'weekly'"]


def test_the_task_runs_a_digest_round(site_tree, make_user):
    from openlab.notifications import tasks

    user = make_user()
    subscribe(user)
    ProjectFactory(goals=[6])
    tasks.send_digests("daily")
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_resubscribing_does_not_send_what_happened_during_the_pause(site_tree, make_user):
    user = make_user()
    subscribe(user)
    ProjectFactory(title="最初の取り組み", goals=[6])
    now = timezone.now()
    digests.send_digests("daily", now=now)
    services.unsubscribe(user)
    ProjectFactory(title="停止中の取り組み", goals=[6])
    services.set_frequency(user, "daily")
    ProjectFactory(title="再開後の取り組み", goals=[6])
    digests.send_digests("daily", now=timezone.now() + dt.timedelta(days=1))
    assert len(mail.outbox) == 2
    assert "再開後の取り組み" in mail.outbox[1].body
    assert "停止中の取り組み" not in mail.outbox[1].body
