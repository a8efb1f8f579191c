import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_part(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "task_broker", "search"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_503_when_a_required_part_is_down(client, settings):
    # A channel layer pointed at a port where nothing listens: a real outage.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    try:
        response = client.get("/healthz")
    finally:
        channel_layers.backends.clear()
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["channel_layer"]["ok"] is False
    # The failure is named, its text (which holds the address) is not shown.
    assert "127.0.0.1" not in response.content.decode()
    assert body["checks"]["channel_layer"]["detail"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_channel_check_leaves_no_subscription_behind(redis_url, settings):
    """Under ASGI every /healthz runs on the server's one event loop: each round trip's channel
    must be unsubscribed, or a load balancer's checks pile up subscriptions in Redis."""
    import asyncio

    import redis
    from channels.layers import channel_layers

    from openlab.health import _round_trip

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    channel_layers.backends.clear()
    server = redis.Redis.from_url(redis_url)

    def subscribed():
        return set(server.pubsub_channels("asgi*"))

    async def checks_on_one_loop():
        layer = channel_layers.make_backend("default")
        before = subscribed()
        replies = [await _round_trip(layer) for _ in range(5)]
        return replies, subscribed() - before

    try:
        replies, left = asyncio.run(checks_on_one_loop())
    finally:
        channel_layers.backends.clear()
    assert [reply["type"] for reply in replies] == ["health.ping"] * 5
    assert left == set()
