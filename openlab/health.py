"""The parts /healthz reports on; each check returns (ok, detail)."""

import asyncio
import contextlib
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def check_channel_layer():
    layer = get_channel_layer()
    message = async_to_sync(_round_trip)(layer)
    return message.get("type") == "health.ping", type(layer).__name__


async def _round_trip(layer):
    # In one event loop: Redis pub/sub delivers only to a subscription already made there.
    channel = await layer.new_channel()
    try:
        await layer.send(channel, {"type": "health.ping"})
        return await asyncio.wait_for(layer.receive(channel), timeout=2)
    finally:
        await _drop_channel(layer, channel)


async def _drop_channel(layer, channel):
    """Layers have no call to delete a channel; the pub/sub layer unsubscribes one whose
    receive is cancelled (as when a consumer ends). Without this, every /healthz left a Redis
    subscription behind in the server process."""
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)  # let it start waiting
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await waiting


def check_task_broker():
    from django_q.brokers import get_broker

    broker = get_broker()
    return bool(broker.ping()), type(broker).__name__


def check_search():
    from search.backend import get_search_backend

    backend = get_search_backend()
    return backend.is_available(), backend.name


CHECKS = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "task_broker": check_task_broker,
    "search": check_search,
}
# Search degrades to the database when Elasticsearch is down: the site still
# works, so search alone does not make the site unhealthy.
REQUIRED = ("database", "channel_layer", "task_broker")


def run_checks():
    report = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            ok, detail = check()
        except Exception as error:
            # The error's text names hosts and ports: it goes to the log, not to the public.
            logger.warning("healthz: %s is down: %s", name, error, exc_info=True)
            ok, detail = False, type(error).__name__
        report[name] = {
            "ok": bool(ok),
            "detail": str(detail),
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    healthy = all(report[name]["ok"] for name in REQUIRED)
    return healthy, report
