"""Issue 22 item 5: an event that takes no registrations says so, in the organiser's
words when they wrote some, instead of saying nothing."""

import pytest

from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups
from tests.events.conftest import make_event, publish

pytestmark = pytest.mark.django_db


def test_an_event_without_registration_says_just_come(client, site_tree):
    event = make_event(title="朝の清掃", registration="closed")
    html = client.get(event.url).content.decode()
    assert "申込不要・当日参加できます" in html
    assert 'id="registration"' in html


def test_the_organisers_own_words_are_shown_escaped(client, site_tree):
    event = make_event(title="朝の清掃", registration="closed")
    event.no_registration_note = "申込不要です。<b>軍手</b>をお持ちください。"
    publish(event)
    html = client.get(event.url).content.decode()
    assert "申込不要です。&lt;b&gt;軍手&lt;/b&gt;をお持ちください。" in html
    assert "申込不要・当日参加できます" not in html


def test_an_event_with_registration_does_not_say_it(client, site_tree):
    event = make_event(title="ワークショップ", registration="open", capacity=10)
    html = client.get(event.url).content.decode()
    assert "申込不要・当日参加できます" not in html
    assert "参加申込" in html


def test_the_note_is_in_the_events_admin_panel(client, site_tree):
    ensure_role_groups()
    facilitator = create_user("fac", "fac@example.jp", "pw-openlab-1", Role.FACILITATOR)
    event = make_event(title="朝の清掃")
    client.force_login(facilitator)
    html = client.get(f"/admin/pages/{event.pk}/edit/").content.decode()
    assert 'name="no_registration_note"' in html
    assert "申込不要のときの案内" in html
