"""seed_demo's chat part: the demo projects' rooms with their conversations, idempotent."""

import pytest

from openlab.accounts.models import Role
from openlab.chat import services
from openlab.chat.models import Message, Room
from openlab.demo import content
from tests.chat.conftest import make_user

pytestmark = pytest.mark.django_db


def test_demo_rooms_hold_the_conversations_once(site_tree):
    from openlab.demo_loader import DemoLoader
    from tests.factories import ProjectFactory, StakeholderFactory

    shokudo = StakeholderFactory(slug="kumegawa-kodomo-shokudo", title="くめがわこども食堂")
    farm = StakeholderFactory(slug="morita-farm", title="森田農園")
    project = ProjectFactory(slug="food-relay-kumegawa", title="フードリレー", lead=shokudo)
    project.partners.set([farm])
    project.save()
    partner = make_user(Role.PARTNER, shokudo, "partner")
    make_user(Role.PARTNER, farm, "partner2")
    make_user(Role.FACILITATOR, username="facilitator")
    rows = content.projects(content.stakeholders())

    loader = DemoLoader()
    loader.sections = site_tree
    loader.load_chat_rooms(rows)
    loader.load_chat_rooms(rows)

    room = Room.objects.get(project=project)
    script = next(c for c in content.chat_conversations(rows) if c["project"] == project.slug)
    stored = list(Message.objects.filter(room=room).order_by("created_at", "pk"))
    assert [m.body for m in stored] == [row["text"] for row in script["messages"]]
    assert {m.sender.username for m in stored} == {"partner", "partner2", "facilitator"}
    rooms = services.user_rooms(partner)
    assert rooms[0].room == room and rooms[0].unread > 0
