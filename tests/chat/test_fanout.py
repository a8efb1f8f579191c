"""One subscription per room per process forwards the room's frames to its sockets."""

import asyncio

from channels.layers import InMemoryChannelLayer

from openlab.chat import fanout, services


class Socket:
    """Stands in for a consumer: what the fan-out calls is its `send(text_data=...)`."""

    def __init__(self, fail=False):
        self.fail = fail
        self.texts = []

    async def send(self, text_data):
        if self.fail:
            raise RuntimeError("closing")
        self.texts.append(text_data)


async def _frames_arrive(sockets, count):
    async with asyncio.timeout(5):
        while any(len(s.texts) < count for s in sockets):
            await asyncio.sleep(0.01)


def test_frames_reach_every_socket_in_order_through_one_channel():
    async def scenario():
        layer = InMemoryChannelLayer()
        alice, bob, closing = Socket(), Socket(), Socket(fail=True)
        for socket in (alice, bob, closing):
            await fanout.join(layer, 7, socket)
        group = services.frames_group_name(7)
        assert len(layer.groups[group]) == 1  # three sockets, one channel
        assert fanout.forwarding(layer, 7) == 3

        for n in range(3):
            event = services.frame_event("message", {"id": n, "body": f"<b>{n}</b>"})
            await layer.group_send(services.broadcast_group(7, event), event)
        await _frames_arrive([alice, bob], 3)
        # A socket that fails (closing at that moment) does not stop the others.
        assert alice.texts == bob.texts
        assert [text.count(f'"id": {n}') for n, text in enumerate(alice.texts)] == [1, 1, 1]

        for socket in (alice, bob, closing):
            await fanout.leave(layer, 7, socket)
        assert fanout.forwarding(layer, 7) == 0
        assert group not in layer.groups  # the last one out unsubscribed

    asyncio.run(scenario())


def test_another_room_and_removals_do_not_go_to_the_frames_group():
    assert services.broadcast_group(7, {"type": "chat.removed", "user_id": 1}) == (
        services.group_name(7)
    )
    assert services.broadcast_group(7, services.presence_event({"count": 1})) == (
        services.frames_group_name(7)
    )

    async def scenario():
        layer = InMemoryChannelLayer()
        here, elsewhere = Socket(), Socket()
        await fanout.join(layer, 7, here)
        await fanout.join(layer, 8, elsewhere)
        event = services.frame_event("message", {"id": 1})
        await layer.group_send(services.frames_group_name(8), event)
        await _frames_arrive([elsewhere], 1)
        await asyncio.sleep(0.05)
        assert here.texts == []
        await fanout.leave(layer, 7, here)
        await fanout.leave(layer, 8, elsewhere)

    asyncio.run(scenario())


def test_one_redis_subscription_per_room_whatever_the_sockets(redis_url):
    import redis
    from channels_redis.pubsub import RedisPubSubChannelLayer

    server = redis.Redis.from_url(redis_url)
    group = services.frames_group_name(4242)

    def subscriptions():
        return sum(count for _name, count in server.pubsub_numsub(f"asgi__group__{group}"))

    async def scenario():
        layer = RedisPubSubChannelLayer(hosts=[redis_url])
        sockets = [Socket() for _ in range(20)]
        await asyncio.gather(*(fanout.join(layer, 4242, s) for s in sockets))
        joined = subscriptions()
        event = services.frame_event("message", {"id": 1})
        await layer.group_send(group, event)
        await _frames_arrive(sockets, 1)
        for socket in sockets:
            await fanout.leave(layer, 4242, socket)
        left = subscriptions()
        await layer.flush()
        return joined, left

    joined, left = asyncio.run(scenario())
    assert (joined, left) == (1, 0)
