"""マイページ: my registrations (with cancel), follows and notifications."""

import re

import pytest
from django.core import mail
from django.test import Client

from events.models import Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_mypage_needs_sign_in(client, world):
    response = client.get("/mypage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_mypage_shows_my_registrations_follows_and_notifications(world):
    html = signed_in(world.hanako).get("/mypage/").content.decode()
    upcoming = html.split('id="registrations-heading"')[1].split("過去の申込")[0]
    past = html.split("過去の申込")[1].split('id="follows-heading"')[0]
    assert "こども食堂ワークショップ" in upcoming and "参加確定" in upcoming
    assert (
        f"/mypage/registrations/{world.hanako.event_registrations.get(occurrence=world.upcoming).pk}/cancel/"
        in upcoming
    )
    assert "そらいち東村山" in past and "/cancel/" not in past
    follows = html.split('id="follows-heading"')[1].split('id="notifications-heading"')[0]
    assert "4. 質の高い教育をみんなに" in follows and "くめがわこども食堂" in follows
    assert follows.count('name="action" value="unfollow"') == 2
    assert "ワークショップの会場が変わりました" in html
    # Dates the way people here write them, not ISO.
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\([月火水木金土日]\) \d{2}:\d{2}", upcoming)


def test_header_links_to_mypage_for_signed_in_people(world):
    header = signed_in(world.hanako).get("/sdgs/").content.decode().split("</header>")[0]
    assert 'href="/mypage/"' in header and "マイページ" in header


def test_cancel_from_mypage_asks_then_uses_the_e_mail_links_service(world):
    client = signed_in(world.hanako)
    mine = Registration.objects.get(user=world.hanako, occurrence=world.upcoming)
    url = f"/mypage/registrations/{mine.pk}/cancel/"
    confirm = client.get(url)
    assert "お申し込みを取り消しますか" in confirm.content.decode()
    mine.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED  # a GET changes nothing
    mail.outbox.clear()

    response = client.post(url, follow=True)
    mine.refresh_from_db()
    world.waiting.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    # The freed seat went to the waitlist, as with the e-mail link.
    assert world.waiting.status == RegistrationStatus.CONFIRMED
    assert {message.to[0] for message in mail.outbox} == {
        "hanako.private@example.jp",
        "satoshi@example.jp",
    }
    html = response.content.decode()
    assert "お申し込みを取り消しました" in html
    upcoming = html.split('id="registrations-heading"')[1].split("過去の申込")[0]
    assert "取消" in upcoming and url not in upcoming


def test_cancel_needs_csrf_and_only_cancels_my_own(world):
    mine = Registration.objects.get(user=world.hanako, occurrence=world.upcoming)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.hanako)
    assert strict.post(f"/mypage/registrations/{mine.pk}/cancel/").status_code == 403
    theirs = world.waiting
    response = signed_in(world.hanako).post(f"/mypage/registrations/{theirs.pk}/cancel/")
    assert response.status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == RegistrationStatus.CONFIRMED
    assert theirs.status == RegistrationStatus.WAITLISTED


def test_unfollow_from_mypage_comes_back_to_mypage(world):
    client = signed_in(world.hanako)
    response = client.post(
        "/follow/",
        {"target": "goal", "id": "4", "action": "unfollow", "next": "/mypage/#follows"},
    )
    assert response["Location"] == "/mypage/#follows"
    follows = client.get("/mypage/").content.decode().split('id="follows-heading"')[1]
    assert "質の高い教育" not in follows.split('id="notifications-heading"')[0]
