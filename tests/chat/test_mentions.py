"""Issue 22 item 11: @mentions by display name (what the room shows), resolved among the room's
members; the room page gives the picker its members."""

import json
import re

import pytest

from openlab.accounts.models import Role
from openlab.chat import services
from openlab.notifications.models import Notification
from tests.chat.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(people, project, room):
    shokudo, farm = people["shokudo"], people["farm"]
    extra = {
        "taro": make_user(Role.PARTNER, shokudo, "taro", "田中 太郎"),
        "tanaka": make_user(Role.PARTNER, shokudo, "tanaka", "田中"),
        "bob2": make_user(Role.PARTNER, farm, "bob2", "ボブ"),
        "sam": make_user(Role.PARTNER, farm, "sam", "Sam"),
        "samuel": make_user(Role.PARTNER, farm, "samuel", "Samuel"),
    }
    services.room_for_project(project)  # the new partners join the room
    return {**people, **extra}


def mentioned(crowd, room, body, key):
    before = set(Notification.objects.filter(kind="chat_mention").values_list("pk", flat=True))
    services.send_message(crowd["alice"], room.pk, body, key)
    notes = Notification.objects.filter(kind="chat_mention").exclude(pk__in=before)
    return sorted(note.user.username for note in notes)


def test_mention_by_display_name_notifies_that_member(crowd, room):
    assert mentioned(crowd, room, "@事務局 確認お願いします", "key-m-0001") == ["fac"]
    note = Notification.objects.get(kind="chat_mention", user=crowd["facilitator"])
    assert "アリス" in note.title and note.url == f"/chat/{room.pk}/"


def test_longest_name_wins_and_japanese_needs_no_space_after(crowd, room):
    assert mentioned(crowd, room, "@田中 太郎さん、資料です", "key-m-0002") == ["taro"]
    assert mentioned(crowd, room, "@田中さん、資料です", "key-m-0003") == ["tanaka"]
    assert mentioned(crowd, room, "@田中 太郎 と @田中 へ", "key-m-0004") == ["tanaka", "taro"]


def test_latin_names_end_at_a_word_boundary_and_ignore_case_and_width(crowd, room):
    assert mentioned(crowd, room, "@sam hello", "key-m-0005") == ["sam"]
    assert mentioned(crowd, room, "@Samuel hi", "key-m-0006") == ["samuel"]
    assert mentioned(crowd, room, "@Sammy hi", "key-m-0007") == []
    assert mentioned(crowd, room, "＠ＳＡＭ さん", "key-m-0008") == ["sam"]


def test_duplicate_names_mention_everyone_with_that_name(crowd, room):
    assert mentioned(crowd, room, "@ボブ 野菜の件", "key-m-0009") == ["bob", "bob2"]


def test_no_mention_outside_the_room_by_user_name_or_in_an_address(crowd, room):
    assert mentioned(crowd, room, "@キャロル さん", "key-m-0010") == []  # not a member
    assert mentioned(crowd, room, "@bob さん", "key-m-0011") == []  # a user name, not shown
    assert mentioned(crowd, room, "連絡先 info@事務局", "key-m-0012") == []
    assert mentioned(crowd, room, "@アリス 自分", "key-m-0013") == []  # the sender herself


def test_room_page_gives_the_picker_the_other_members_and_says_how(crowd, room, client):
    client.force_login(crowd["alice"])
    html = client.get(f"/chat/{room.pk}/").content.decode()
    found = re.search(r'<script id="chat-members-data"[^>]*>(.*?)</script>', html, re.S)
    members = json.loads(found.group(1))
    names = sorted(m["name"] for m in members)
    assert names == sorted(["ボブ", "ボブ", "田中 太郎", "田中", "Sam", "Samuel", "事務局"])
    assert "アリス" not in names
    assert 'role="listbox"' in html and 'id="chat-mentions"' in html
    assert "表示名" in html and "ユーザー名" not in html
