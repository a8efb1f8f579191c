"""Two ASGI server processes sharing Redis: messages cross processes, and nothing an
acknowledged sender was told is stored gets lost when Redis goes away and comes back."""

import asyncio

import pytest

from tests.chat.servers import ChatClient, RedisServer, Server, ServerDatabase, wait_for
from tests.chat.wsutil import run_loop, session_key_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


@pytest.fixture
def server_db(tmp_path):
    return ServerDatabase(tmp_path)


@pytest.fixture
def sessions(people, room):
    return {name: session_key_for(people[name]) for name in ("alice", "bob", "facilitator")}


def start_servers(server_db, redis_url, tmp_path, count=2):
    servers = []
    try:
        for i in range(count):
            server = Server(
                server_db.url,
                redis_url,
                # Sockets renew their group every second (a restarted Redis forgot it).
                extra_env={"CHAT_SESSION_CHECK_SECONDS": "1"},
                log_path=tmp_path / f"uvicorn-{i}.log",
            )
            servers.append(server.start())
    except Exception:
        for server in servers:
            server.stop()
        raise
    return servers


def test_message_sent_to_one_process_reaches_a_client_of_the_other(
    redis_url, server_db, room, sessions, tmp_path
):
    server_db.snapshot()
    one, two = start_servers(server_db, redis_url, tmp_path)

    async def scenario():
        alice = ChatClient(one, room.pk, sessions["alice"], "alice").start()
        bob = ChatClient(two, room.pk, sessions["bob"], "bob").start()
        try:
            assert await wait_for(lambda: alice.synced.is_set() and bob.synced.is_set())
            await alice.send("別プロセスへ届きますか？", "cross-process-0001")
            assert await wait_for(lambda: "cross-process-0001" in alice.acked)
            message_id = alice.acked["cross-process-0001"]
            assert await wait_for(lambda: message_id in bob.live)
            await bob.send("届きました！", "cross-process-0002")
            assert await wait_for(lambda: "cross-process-0002" in bob.acked)
            assert await wait_for(lambda: bob.acked["cross-process-0002"] in alice.live)
            return alice, bob
        finally:
            await alice.stop()
            await bob.stop()

    try:
        alice, bob = run_loop(scenario())
    finally:
        one.stop()
        two.stop()
    stored = server_db.message_ids(room.pk)
    assert stored == sorted(alice.acked.values()) + sorted(bob.acked.values())
    assert bob.received[stored[0]]["body"] == "別プロセスへ届きますか？"
    assert alice.received[stored[1]]["sender"]["name"] == "ボブ"


def test_redis_outage_loses_nothing_that_was_acknowledged(
    redis_url, server_db, room, sessions, tmp_path
):
    """redis_url: CI must have Redis; this test runs its own private redis-server, which it
    stops and starts again (the shared one is never touched)."""
    server_db.snapshot()
    private = RedisServer().start()
    servers = []
    try:
        servers = start_servers(server_db, private.url, tmp_path)
        clients, acked = run_loop(outage(servers, private, room.pk, sessions))
    finally:
        for server in servers:
            server.stop()
        private.stop()
    stored = server_db.message_ids(room.pk)
    assert len(stored) == len(set(stored)) == 12
    assert sorted(acked) == stored  # sent and acknowledged == stored
    for client in clients:
        assert sorted(client.received) == stored, client.name  # == received by each member
    assert any(client.connects > 1 for client in clients)  # the outage really dropped sockets


async def outage(servers, private, room_id, sessions):
    one, two = servers
    alice = ChatClient(one, room_id, sessions["alice"], "alice").start()
    bob = ChatClient(two, room_id, sessions["bob"], "bob").start()
    facilitator = ChatClient(two, room_id, sessions["facilitator"], "facilitator").start()
    clients = [alice, bob, facilitator]
    try:
        assert await wait_for(lambda: all(c.synced.is_set() for c in clients))
        serial = 0

        async def send_round():
            nonlocal serial
            for sender in (alice, bob):
                serial += 1
                await sender.send(f"メッセージ{serial}", f"outage-key-{serial:04d}")
                await asyncio.sleep(0.05)

        for _ in range(2):
            await send_round()
        assert await wait_for(lambda: len(alice.acked) + len(bob.acked) == 4)

        private.stop()  # Redis goes away while everyone is connected.
        for _ in range(2):
            await send_round()
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)
        private.start()  # ... and comes back.

        for _ in range(2):
            await send_round()
        assert await wait_for(
            lambda: (
                len(alice.acked) + len(bob.acked) == 12 and not alice.pending and not bob.pending
            ),
            timeout=60,
        ), (alice.pending, bob.pending, alice.errors[-5:], bob.errors[-5:])
        acked = [*alice.acked.values(), *bob.acked.values()]
        for client in clients:
            await client.resync()
        assert await wait_for(
            lambda: all(set(acked) <= set(c.received) for c in clients), timeout=30
        ), [
            (
                c.name,
                c.connects,
                c.ws is not None,
                sorted(set(acked) - set(c.received)),
                c.errors[-6:],
            )
            for c in clients
        ]
        return clients, acked
    finally:
        for client in clients:
            await client.stop()
