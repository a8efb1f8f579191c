"""The rules of chat, called directly (the consumer and views only pass them on)."""

import datetime as dt

import pytest
from django.utils import timezone

from openlab.chat import services
from openlab.chat.models import Membership, Message, Report, Room
from openlab.chat.services import ChatError
from openlab.notifications.models import Notification

pytestmark = pytest.mark.django_db


def member_ids(room):
    return set(
        Membership.objects.filter(room=room, removed_at__isnull=True).values_list(
            "user__username", flat=True
        )
    )


def test_project_room_holds_partners_of_lead_and_partners_and_facilitators(people, room):
    assert room.kind == Room.Kind.PROJECT
    assert member_ids(room) == {"alice", "bob", "fac"}
    # The ambassador is a member of the lead stakeholder but never joins a room.
    assert not services.can_join(people["ambassador"], room)
    assert not services.can_join(people["carol"], room)
    assert not services.can_join(people["citizen"], room)


def test_project_room_is_idempotent_and_removed_members_stay_out(people, project, room):
    services.remove_member(room, people["bob"], people["facilitator"])
    again = services.room_for_project(project)
    assert again.pk == room.pk
    assert Room.objects.filter(key=f"project:{project.pk}").count() == 1
    assert member_ids(room) == {"alice", "fac"}


def test_open_room_for_match_is_idempotent(people):
    a, b = people["shokudo"].pk, people["farm"].pk
    room = services.open_room_for_match({a, b}, "食堂×農園", people["facilitator"])
    same = services.open_room_for_match({b, a}, "別の名前", people["facilitator"])
    assert same.pk == room.pk
    assert room.kind == Room.Kind.MATCH
    assert member_ids(room) == {"alice", "bob", "fac"}


def test_a_match_room_always_has_a_facilitator(people):
    """An engine proposal has no facilitator of its own: one joins anyway."""
    facilitator = services.accompanying_facilitator(None)
    room = services.open_room_for_match(
        {people["shokudo"].pk, people["farm"].pk}, "食堂×農園", facilitator
    )
    assert member_ids(room) == {"alice", "bob", "fac"}


def test_an_ended_partnership_leaves_the_rooms_and_closes_the_socket(
    people, room, django_capture_on_commit_callbacks, monkeypatch
):
    from openlab.accounts.models import PartnerMembership

    sent = []  # what reaches the room's sockets (the consumer closes bob's on chat.removed)
    monkeypatch.setattr(services, "publish", lambda room_id, event: sent.append((room_id, event)))
    membership = PartnerMembership.objects.get(user=people["bob"])
    membership.status = PartnerMembership.Status.REJECTED
    with django_capture_on_commit_callbacks(execute=True):
        membership.save()
    assert not services.can_join(people["bob"], room)
    assert member_ids(room) == {"alice", "fac"}
    assert (room.pk, {"type": "chat.removed", "user_id": people["bob"].pk}) in sent


def test_a_new_partner_joins_the_rooms_of_their_stakeholder(
    people, room, django_capture_on_commit_callbacks
):
    from openlab.accounts.models import Role
    from tests.chat.conftest import make_user

    with django_capture_on_commit_callbacks(execute=True):
        make_user(Role.PARTNER, people["farm"], "dave")
    assert services.can_join(get_user("dave"), room)


def test_a_stakeholder_taken_off_the_project_takes_its_people_out(people, project, room):
    project.partners.set([])
    project.save()
    services.room_for_project(project)
    assert member_ids(room) == {"alice", "fac"}


def test_publishing_a_project_opens_its_room(people, django_capture_on_commit_callbacks):
    from tests.factories import ProjectFactory

    with django_capture_on_commit_callbacks(execute=True):
        project = ProjectFactory(title="新しい計画", lead=people["farm"])
    room = Room.objects.get(key=f"project:{project.pk}")
    assert member_ids(room) == {"bob", "fac"}


def get_user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_ambassadors_cannot_be_added_or_talk_directly(people, room):
    with pytest.raises(ChatError) as refused:
        services.add_member(room, people["ambassador"])
    assert refused.value.code == "ambassador"
    with pytest.raises(ChatError) as refused:
        services.open_direct(people["alice"], people["ambassador"])
    assert refused.value.code == "not_partner"
    with pytest.raises(ChatError):
        services.open_direct(people["alice"], people["citizen"])
    with pytest.raises(ChatError):
        services.open_direct(people["facilitator"], people["alice"])
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


def test_direct_conversation_between_two_partners(people):
    room = services.open_direct(people["alice"], people["bob"])
    assert services.open_direct(people["bob"], people["alice"]).pk == room.pk
    assert member_ids(room) == {"alice", "bob"}


def test_send_is_idempotent_per_key(people, room):
    first, created = services.send_message(people["alice"], room.pk, " こんにちは ", "key-0001")
    again, created_again = services.send_message(people["alice"], room.pk, "こんにちは", "key-0001")
    assert created and not created_again
    assert first.pk == again.pk
    assert first.body == "こんにちは"
    assert Message.objects.count() == 1
    # Another sender may use the same key.
    other, created = services.send_message(people["bob"], room.pk, "どうも", "key-0001")
    assert created and other.pk != first.pk


@pytest.mark.parametrize(
    ("body", "key", "code"),
    [
        ("", "key-0001", "empty"),
        ("   ", "key-0001", "empty"),
        ("あ" * 4001, "key-0001", "too_long"),
        (123, "key-0001", "invalid_body"),
        ("ok", "short", "invalid_key"),
        ("ok", "bad key with spaces", "invalid_key"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_stored(people, room, body, key, code):
    with pytest.raises(ChatError) as refused:
        services.send_message(people["alice"], room.pk, body, key)
    assert refused.value.code == code
    assert refused.value.message
    assert not Message.objects.exists()


def test_exactly_4000_characters_is_accepted(people, room):
    message, _ = services.send_message(people["alice"], room.pk, "あ" * 4000, "key-max-0001")
    assert len(message.body) == 4000


def test_non_members_cannot_send(people, room):
    for name in ("carol", "citizen", "ambassador"):
        with pytest.raises(ChatError) as refused:
            services.send_message(people[name], room.pk, "こんにちは", f"key-{name}-01")
        assert refused.value.code == "not_member"
    assert not Message.objects.exists()


def test_more_than_ten_in_ten_seconds_is_refused(people, room):
    for i in range(10):
        services.send_message(people["alice"], room.pk, f"メッセージ{i}", f"rate-key-{i:02d}")
    with pytest.raises(ChatError) as refused:
        services.send_message(people["alice"], room.pk, "11件目", "rate-key-10")
    assert refused.value.code == "slow_down"
    assert Message.objects.filter(sender=people["alice"]).count() == 10
    # Others are not slowed down by alice.
    services.send_message(people["bob"], room.pk, "ボブです", "rate-key-bob")
    # Ten seconds later alice may send again.
    Message.objects.update(created_at=timezone.now() - dt.timedelta(seconds=11))
    services.send_message(people["alice"], room.pk, "再開", "rate-key-11")
    assert Message.objects.filter(sender=people["alice"]).count() == 11


def test_edit_and_delete_only_own_messages(people, room):
    message, _ = services.send_message(people["alice"], room.pk, "こんにちは", "key-edit-01")
    with pytest.raises(ChatError) as refused:
        services.edit_message(people["bob"], room.pk, message.pk, "乗っ取り")
    assert refused.value.code == "forbidden"
    edited = services.edit_message(people["alice"], room.pk, message.pk, "こんばんは")
    data = services.serialize(edited)
    assert data["body"] == "こんばんは" and data["edited"]
    deleted = services.delete_message(people["alice"], room.pk, message.pk)
    data = services.serialize(deleted)
    assert data["deleted"] and data["body"] == ""
    with pytest.raises(ChatError):
        services.edit_message(people["alice"], room.pk, message.pk, "復活")


def test_mentions_notify_the_mentioned_member(people, room):
    services.presence_join(room.pk, people["bob"], "chan-bob")
    services.send_message(
        people["alice"], room.pk, "@ボブ さん、野菜の件お願いします", "key-mention"
    )
    mention = Notification.objects.get(user=people["bob"], kind="chat_mention")
    assert "アリス" in mention.title and mention.url == f"/chat/{room.pk}/"
    # bob is online: no "new message" notification; the facilitator is offline: one.
    assert not Notification.objects.filter(user=people["bob"], kind="chat_message").exists()
    assert Notification.objects.filter(user=people["facilitator"], kind="chat_message").count() == 1
    # A mention of someone outside the room notifies nobody.
    services.send_message(people["alice"], room.pk, "@キャロル どうですか", "key-mention2")
    assert not Notification.objects.filter(user=people["carol"]).exists()


def test_offline_member_gets_one_in_app_notification_until_read(people, room):
    for i in range(3):
        services.send_message(people["alice"], room.pk, f"連絡{i}", f"key-offline-{i}")
    notes = Notification.objects.filter(user=people["bob"], kind="chat_message")
    assert notes.count() == 1
    assert notes.get().read_at is None
    membership = Membership.objects.get(room=room, user=people["bob"])
    assert membership.unread_since is not None
    last = Message.objects.latest("pk")
    services.mark_read(people["bob"], room.pk, last.pk)
    membership.refresh_from_db()
    assert membership.last_read_id == last.pk and membership.unread_since is None
    assert notes.get().read_at is not None


def test_unread_counts_and_last_message_in_room_list(people, room):
    services.send_message(people["alice"], room.pk, "一通目", "key-list-1")
    services.send_message(people["alice"], room.pk, "二通目", "key-list-2")
    direct = services.open_direct(people["alice"], people["bob"])
    rooms = {m.room_id: m for m in services.user_rooms(people["bob"])}
    assert rooms[room.pk].unread == 2
    assert rooms[room.pk].last_body == "二通目"
    assert rooms[direct.pk].unread == 0 and rooms[direct.pk].last_body is None
    # The sender's own messages are not unread for her.
    assert {m.room_id: m.unread for m in services.user_rooms(people["alice"])}[room.pk] == 0


def test_report_and_hide_and_remove(people, room):
    message, _ = services.send_message(people["bob"], room.pk, "不適切な発言", "key-report")
    report = services.report_message(people["alice"], message.pk, "不適切です")
    assert services.report_message(people["alice"], message.pk, "二回目").pk == report.pk
    with pytest.raises(ChatError):
        services.report_message(people["carol"], message.pk, "部外者")
    services.hide_message(message, people["facilitator"])
    report.refresh_from_db()
    assert report.status == Report.Status.HIDDEN
    data = services.serialize(Message.objects.get(pk=message.pk))
    assert data["hidden"] and data["body"] == ""
    services.remove_member(room, people["bob"], people["facilitator"])
    assert not services.can_join(people["bob"], room)
    with pytest.raises(ChatError):
        services.send_message(people["bob"], room.pk, "まだいる？", "key-after-removal")


def test_history_pages_by_cursor(people, room):
    ids = []
    for i in range(120):
        Message.objects.create(room=room, sender=people["alice"], body=f"m{i}", client_key=f"k{i}")
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    newest, more = services.messages_before(room.pk)
    assert [m.pk for m in newest] == ids[-50:] and more
    older, more = services.messages_before(room.pk, before=newest[0].pk)
    assert [m.pk for m in older] == ids[-100:-50] and more
    oldest, more = services.messages_before(room.pk, before=older[0].pk)
    assert [m.pk for m in oldest] == ids[:20] and not more
    after, more = services.messages_after(room.pk, ids[99])
    assert [m.pk for m in after] == ids[100:] and not more


def test_linkify_escapes_html_and_links_only_http(people):
    html = services.linkify(
        "<script>alert(1)</script> https://example.jp/a?b=1&c=2。 javascript:alert(1) "
        'http://x.jp/"onmouseover=alert(1)'
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '<a href="https://example.jp/a?b=1&amp;c=2"' in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html
    assert 'href="http://x.jp/"' in html
    assert html.count("<a ") == 2
    assert "onmouseover=alert(1)" in html and '"onmouseover' not in html.split("</a>")[1][:1]


def test_session_validity(people, client):
    client.force_login(people["alice"])
    key = client.session.session_key
    assert services.session_is_valid(key, people["alice"].pk)
    assert not services.session_is_valid(key, people["bob"].pk)
    client.logout()
    assert not services.session_is_valid(key, people["alice"].pk)
    assert not services.session_is_valid(None, people["alice"].pk)
