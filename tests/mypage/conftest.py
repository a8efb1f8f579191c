"""A citizen with something in every corner of the site: registrations, follows,
notifications, chat messages and a report, a partner application."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from events import services as event_services
from events.models import EventPage, Occurrence, Registration
from openlab.accounts.models import Role
from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
from openlab.chat import services as chat
from openlab.models import Goal
from openlab.notifications import services as follows
from openlab.notifications.models import FollowTarget
from tests.factories import EventFactory, ProjectFactory, StakeholderFactory

PASSWORD = "pw-openlab-hanako-1"
# Each distinctive, so the database dump can be searched for them after deletion.
USERNAME = "hanako-kumegawa"
EMAIL = "hanako.private@example.jp"
DISPLAY_NAME = "久米川花子"


@dataclass
class World:
    hanako: object
    other: object
    organisation: object
    project: object
    room: object
    upcoming: Occurrence
    past: Occurrence
    waiting: object  # the other person's waitlisted registration for the upcoming date
    message: object


def _event(**fields):
    event = EventFactory(registration="open", **fields)
    return EventPage.objects.get(pk=event.pk)


@pytest.fixture
def world(site_tree):
    ensure_role_groups()
    hanako = create_user(USERNAME, EMAIL, PASSWORD, Role.CITIZEN, display_name=DISPLAY_NAME)
    other = create_user(
        "satoshi", "satoshi@example.jp", PASSWORD, Role.CITIZEN, display_name="佐藤"
    )
    organisation = StakeholderFactory(title="くめがわこども食堂")
    approve_membership(hanako, organisation)
    approve_membership(other, organisation)
    project = ProjectFactory(title="フードロス削減プロジェクト", lead=organisation)
    room = chat.room_for_project(project)

    soon = timezone.now() + dt.timedelta(days=10)
    workshop = _event(
        title="こども食堂ワークショップ", start=soon, end=soon + dt.timedelta(hours=2), capacity=1
    )
    upcoming = workshop.occurrences.get()
    event_services.register_user(upcoming.pk, hanako)
    waiting = event_services.register_user(upcoming.pk, other)

    earlier = timezone.now() - dt.timedelta(days=20)
    market = _event(title="そらいち東村山", start=earlier, end=earlier + dt.timedelta(hours=4))
    past = market.occurrences.get()
    # Registered while the date was still ahead.
    Registration.objects.create(
        occurrence=past, user=hanako, name=DISPLAY_NAME, email=EMAIL, status="confirmed"
    )

    follows.follow(hanako, FollowTarget.GOAL, Goal.objects.get(number=4))
    follows.follow(hanako, FollowTarget.STAKEHOLDER, organisation)
    follows.notify(hanako, "test", "ワークショップの会場が変わりました", url=upcoming.get_url())

    message, _created = chat.send_message(
        hanako, room.pk, "野菜の余りを集めます", "hanako-key-0001"
    )
    theirs, _created = chat.send_message(other, room.pk, "よろしくお願いします", "satoshi-key-0001")
    chat.report_message(hanako, theirs.pk, "宣伝のようです")
    for user in (hanako, other):
        user.refresh_from_db()
    waiting.refresh_from_db()
    return World(hanako, other, organisation, project, room, upcoming, past, waiting, message)


# The shared Playwright fixtures (tests/browser/conftest.py) for the browser test here.
from tests.browser.conftest import axe_source, browser, page  # noqa: E402, F401
