"""Chat fixtures: people in their roles, two stakeholders, a project and its room."""

import itertools

import pytest
from django.contrib.auth import get_user_model

from openlab.accounts.models import PartnerMembership, Profile, Role

_serial = itertools.count(1)


def make_user(role, stakeholder=None, username=None, display_name=""):
    username = username or f"{role}{next(_serial)}"
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.jp", password="pw-openlab-test"
    )
    Profile.objects.create(
        user=user,
        role=role,
        display_name=display_name or username,
        nickname="ペンギン" if role == Role.AMBASSADOR else "",
    )
    if stakeholder is not None:
        PartnerMembership.objects.create(
            user=user, stakeholder=stakeholder, status=PartnerMembership.Status.APPROVED
        )
    return user


@pytest.fixture
def people(site_tree):
    from tests.factories import StakeholderFactory

    shokudo = StakeholderFactory(title="くめがわこども食堂")
    farm = StakeholderFactory(title="森田農園")
    other = StakeholderFactory(title="関係ない団体")
    return {
        "shokudo": shokudo,
        "farm": farm,
        "other_stakeholder": other,
        "alice": make_user(Role.PARTNER, shokudo, "alice", "アリス"),
        "bob": make_user(Role.PARTNER, farm, "bob", "ボブ"),
        "carol": make_user(Role.PARTNER, other, "carol", "キャロル"),
        "facilitator": make_user(Role.FACILITATOR, username="fac", display_name="事務局"),
        "ambassador": make_user(Role.AMBASSADOR, shokudo, "amb"),
        "citizen": make_user(Role.CITIZEN, username="citizen"),
    }


@pytest.fixture
def project(people):
    from tests.factories import ProjectFactory

    page = ProjectFactory(title="フードロス削減プロジェクト", lead=people["shokudo"])
    page.partners.set([people["farm"]])
    page.save()
    return page


@pytest.fixture
def room(project):
    from openlab.chat.services import room_for_project

    return room_for_project(project)


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test runs its event loop in a thread of its own; a channel layer object (Redis)
    keeps locks bound to the loop that used it first, so every test gets a new one."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()
