"""Fault: Redis (the channel layer) stops in the middle of a chat and comes back.

The design (openlab/chat/services.py): a message is stored first, acknowledged, and only
then broadcast; when the broadcast fails the sender gets an error frame and the socket
closes, and a client that reconnects fetches what it missed by id and resends what was
never acknowledged, with the same idempotency key. So: every acknowledged message is in
the history and reaches both members, exactly once, and nothing sent during the outage
is lost.

A private redis-server of this test is stopped and started again; the shared one is
never touched. The site is a real uvicorn process on the project's ASGI app.
"""

import asyncio
import contextlib
import sqlite3

import pytest
from django.db import connection

from tests.chat.servers import ChatClient, ServerDatabase, wait_for
from tests.chat.wsutil import run_loop
from tests.reliability.services import RedisServer, Server, make_chat_room, require_redis_server

pytestmark = [pytest.mark.slow, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LAYER_DOWN_REASON = "配信が一時的に止まっています。再接続します。"


class RecordingClient(ChatClient):
    """The page's reconnecting client, also keeping every frame it got and the keys of the
    messages it had to send again after a reconnect (never acknowledged before)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frames = []
        self.resent = set()

    async def handle(self, frame):
        self.frames.append(frame)
        if frame["type"] == "history" and not frame["more"]:
            self.resent.update(self.pending)  # the parent resends every pending message now
        await super().handle(frame)

    def history_ids(self):
        return [m["id"] for f in self.frames if f["type"] == "history" for m in f["messages"]]

    def layer_down_frames(self):
        return [f for f in self.frames if f["type"] == "error" and f["code"] == "layer_down"]


def test_chat_loses_nothing_when_redis_restarts(site_tree, settings, tmp_path):
    require_redis_server()
    settings.ELASTICSEARCH_URL = ""  # search on the database only: the shared node is not ours
    people = make_chat_room()
    room_id = people["room"].pk
    database = ServerDatabase(tmp_path)
    database.snapshot()
    redis = RedisServer().start()
    server = None
    try:
        server = Server(
            database.url,
            redis.url,
            # Sockets renew their group every second: a restarted Redis has forgotten it.
            extra_env={"CHAT_SESSION_CHECK_SECONDS": "1", "ELASTICSEARCH_URL": ""},
            log_path=tmp_path / "uvicorn.log",
        ).start()
        alice, bob, history, sent = run_loop(
            conversation(server, redis, room_id, people["sessions"])
        )
    finally:
        if server is not None:
            server.stop()
        redis.stop()

    stored = stored_messages(database, room_id)
    # Nothing lost, nothing twice: one stored row per message sent, with its own text.
    assert sorted((sender, key, body) for _pk, sender, key, body in stored) == sorted(sent), (
        stored,
        sent,
    )
    stored_ids = [pk for pk, *_rest in stored]
    # Every acknowledged message is stored, and everything stored reached both members.
    assert sorted([*alice.acked.values(), *bob.acked.values()]) == stored_ids
    for client in (alice, bob):
        assert sorted(client.received) == stored_ids, client.name
    # The history a member gets on opening the room afterwards: all of it, once, in order.
    assert history == stored_ids
    # The outage really happened: sockets were dropped and clients came back.
    assert alice.connects > 1 and bob.connects > 1, (alice.connects, bob.connects)
    # A message sent while Redis was down was either stored at once and followed by the
    # clear (Japanese) error frame, or kept by the client and resent after the reconnect.
    for client, key in [(alice, "down-alice-1"), (bob, "down-bob-1"), (alice, "down-alice-2")]:
        told = [f["reason"] for f in client.layer_down_frames()]
        assert key in client.resent or told, (client.name, key, client.resent, told)
        assert all(reason == LAYER_DOWN_REASON for reason in told), told


def stored_messages(database, room_id):
    """(id, sender, key, body) of the room's messages in the servers' database."""
    sql = (
        "SELECT m.id, u.username, m.client_key, m.body FROM chat_message m "
        "JOIN auth_user u ON u.id = m.sender_id WHERE m.room_id = %s ORDER BY m.id"
    )
    if database.copy is not None:  # SQLite: the servers work on a copy of the test database
        with contextlib.closing(sqlite3.connect(database.copy)) as db:
            return db.execute(sql.replace("%s", "?"), [room_id]).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, [room_id])
        return cursor.fetchall()


async def conversation(server, redis, room_id, sessions):
    alice = RecordingClient(server, room_id, sessions["alice"], "alice").start()
    bob = RecordingClient(server, room_id, sessions["bob"], "bob").start()
    senders = {"alice": alice, "bob": bob}
    sent = []

    async def say(name, key, body):
        sent.append((name, key, body))
        await senders[name].send(body, key)

    def everyone_has(ids):
        return all(set(ids) <= set(client.received) for client in senders.values())

    try:
        assert await wait_for(lambda: alice.synced.is_set() and bob.synced.is_set())
        await say("alice", "before-alice-1", "おはようございます。野菜の件です。")
        await say("bob", "before-bob-1", "おはようございます！")
        await say("alice", "before-alice-2", "土曜日に届けられますか？")
        assert await wait_for(lambda: len(alice.acked) == 2 and len(bob.acked) == 1)
        # Live fan-out works before the fault.
        assert await wait_for(lambda: everyone_has([*alice.acked.values(), *bob.acked.values()]))

        redis.stop()  # the channel layer goes away in the middle of the conversation
        await say("alice", "down-alice-1", "停止中のメッセージ1")
        await asyncio.sleep(0.5)
        await say("bob", "down-bob-1", "停止中のメッセージ2")
        await asyncio.sleep(0.5)
        await say("alice", "down-alice-2", "停止中のメッセージ3")
        await asyncio.sleep(2)
        redis.start()  # ... and comes back, empty

        assert await wait_for(
            lambda: (
                len(alice.acked) == 4 and len(bob.acked) == 2 and not (alice.pending or bob.pending)
            ),
            timeout=60,
        ), (alice.pending, bob.pending, alice.errors[-5:], bob.errors[-5:])
        # Live fan-out works again after the reconnect.
        await say("bob", "after-bob-1", "土曜日の朝に届けます。")
        await say("alice", "after-alice-1", "ありがとうございます！")
        assert await wait_for(
            lambda: (
                "after-bob-1" in bob.acked
                and bob.acked["after-bob-1"] in alice.live
                and "after-alice-1" in alice.acked
                and alice.acked["after-alice-1"] in bob.live
            ),
            timeout=30,
        ), (alice.errors[-5:], bob.errors[-5:])
        acked = [*alice.acked.values(), *bob.acked.values()]
        for client in senders.values():
            await client.resync()
        assert await wait_for(lambda: everyone_has(acked), timeout=30), [
            (c.name, sorted(set(acked) - set(c.received)), c.errors[-6:]) for c in (alice, bob)
        ]
        # Someone opening the room afterwards gets the whole history from the database.
        newcomer = RecordingClient(server, room_id, sessions["bob"], "bob-later").start()
        try:
            assert await wait_for(lambda: newcomer.synced.is_set(), timeout=30)
        finally:
            await newcomer.stop()
        return alice, bob, newcomer.history_ids(), sent
    finally:
        await alice.stop()
        await bob.stop()
