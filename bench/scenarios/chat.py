"""Chat: WebSocket clients in one room across two ASGI processes sharing Redis.

A private ``redis-server`` (its own port, never the shared one) is the channel
layer of two ``uvicorn openlab.asgi:application`` processes (one worker each,
bench settings, the bench database). BENCH_CHAT_CLIENTS clients (200) join one
room, half on each process; together they offer BENCH_CHAT_RATE messages per
second (50, round-robin over the clients, so nobody hits the 10-in-10-s limit)
for BENCH_SECONDS (default 30 here). Every client records, for every broadcast
it receives, the time from the moment the message was sent: p50/p99 over all
receipts. A message acknowledged to its sender but never received live by some
client counts as lost (per client).

Baseline in the same run: raw Redis PUBLISH to the same number of SUBSCRIBE
connections at the same rate for the same time, from the same process (so the
client side costs the same), publish → receipt at each subscriber.

Also: resident memory of one ASGI process holding all clients' sockets (vs the
same process idle), and the SQL queries of the history page (50 messages) vs
a one-message room's page.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import time

from bench.harness import Figure, Harness, free_port, log

DESCRIPTION = "chat: 200 WebSocket clients, 2 ASGI processes + Redis; latency, loss, RSS, SQL"
SCENARIO = "chat"
TARGET_P99_MS = 100.0

_SETUP = r"""
import json, os
from importlib import import_module
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from openlab.accounts.models import Profile, Role
from openlab.chat.models import Membership, Message, Presence, Room

n = int(os.environ["BENCH_CHAT_CLIENTS"])
User = get_user_model()
room, _ = Room.objects.get_or_create(key="bench:chat", defaults={"kind": "match", "title": "bench"})
empty, _ = Room.objects.get_or_create(key="bench:one", defaults={"kind": "match", "title": "one"})
Message.objects.filter(room__in=[room, empty]).delete()
Presence.objects.filter(room__in=[room, empty]).delete()
store_class = import_module(settings.SESSION_ENGINE).SessionStore
keys, ids = [], []
for i in range(n):
    user, created = User.objects.get_or_create(username=f"bench-chat-{i:03d}")
    if created:
        user.set_unusable_password()
        user.save()
        Profile.objects.create(user=user, role=Role.PARTNER, display_name=f"bench {i}")
    Membership.objects.get_or_create(room=room, user=user)
    Membership.objects.filter(room=room, user=user).update(removed_at=None)
    store = store_class()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    keys.append(store.session_key)
    ids.append(user.pk)
Membership.objects.get_or_create(room=empty, user_id=ids[0])
Message.objects.create(room=empty, sender_id=ids[0], body="one", client_key=f"bench-one-{keys[0]}")
print("BENCHJSON " + json.dumps({"room": room.pk, "empty": empty.pk, "sessions": keys}))
"""

_QUERIES = r"""
import json, os
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openlab.chat.models import Message

user = get_user_model().objects.get(username="bench-chat-000")
out = {}
for name in ("room", "empty"):
    room_id = int(os.environ["BENCH_CHAT_" + name.upper()])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(f"/chat/{room_id}/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/chat/{room_id}/")
    shown = min(50, Message.objects.filter(room_id=room_id).count())
    out[name] = [response.status_code, len(ctx.captured_queries), shown]
print("BENCHJSON " + json.dumps(out))
"""


def _env_number(name, default):
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _percentile(values, q):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _json_line(proc):
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError((proc.stderr or proc.stdout)[-3000:])
    return json.loads(line[len("BENCHJSON ") :])


def _rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@contextlib.contextmanager
def private_redis():
    port = free_port()
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                    break
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.kill()
        proc.wait(timeout=10)


class Client:
    def __init__(self, index, port, room_id, session_key):
        self.index, self.port, self.room_id, self.session_key = index, port, room_id, session_key
        self.ws = None
        self.received = set()
        self.acked = {}
        self.refused = 0
        self.latencies = []
        self.task = None

    async def open(self):
        from websockets.asyncio.client import connect

        self.ws = await connect(
            f"ws://127.0.0.1:{self.port}/ws/chat/{self.room_id}/",
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": f"sessionid={self.session_key}"},
            proxy=None, open_timeout=30, ping_interval=None, max_queue=None,
        )  # fmt: skip

    async def listen(self, sent_at):
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "message":
                    message = frame["message"]
                    self.received.add(message["id"])
                    started = sent_at.get(message["key"])
                    if started is not None:
                        self.latencies.append((now - started) * 1000)
                elif kind == "ack":
                    self.acked[frame["key"]] = frame["id"]
                elif kind == "error":
                    self.refused += 1

    async def close(self):
        with contextlib.suppress(Exception):
            await self.ws.close()


async def _connect_all(clients, batch=20):
    for start in range(0, len(clients), batch):
        await asyncio.gather(*(c.open() for c in clients[start : start + batch]))


async def _chat_run(clients, rate, seconds, settle_s=15.0):
    sent_at = {}
    await _connect_all(clients)
    for c in clients:
        c.task = asyncio.ensure_future(c.listen(sent_at))
    await asyncio.sleep(2.0)  # presence frames of the joins settle
    for c in clients:
        c.latencies.clear()
    total = int(rate * seconds)
    start = time.perf_counter()
    for n in range(total):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sender = clients[n % len(clients)]
        key = f"bench-{os.getpid()}-{int(start)}-{n:06d}"
        sent_at[key] = time.perf_counter()
        with contextlib.suppress(Exception):
            await sender.ws.send(json.dumps({"type": "message", "body": f"bench {n}", "key": key}))
    offered_s = time.perf_counter() - start
    acked = {}
    deadline = time.perf_counter() + settle_s
    while time.perf_counter() < deadline:
        acked = {k: v for c in clients for k, v in c.acked.items()}
        if len(acked) >= total and all(set(acked.values()) <= c.received for c in clients):
            break
        await asyncio.sleep(0.2)
    acked_ids = set(acked.values())
    lost = sum(len(acked_ids - c.received) for c in clients)
    latencies = [ms for c in clients for ms in c.latencies]
    refused = sum(c.refused for c in clients)
    for c in clients:
        await c.close()
    for c in clients:
        c.task.cancel()
    return {"sent": total, "acked": len(acked_ids), "lost": lost, "refused": refused,
            "latencies": latencies, "offered_s": offered_s}  # fmt: skip


async def _redis_baseline(redis_url, subscribers, rate, seconds):
    import redis.asyncio as aioredis

    channel = "bench:chat:baseline"
    latencies, tasks, conns = [], [], []
    sent_at = {}

    async def listen(pubsub):
        async for item in pubsub.listen():
            if item["type"] == "message":
                started = sent_at.get(item["data"])
                if started is not None:
                    latencies.append((time.perf_counter() - started) * 1000)

    for _ in range(subscribers):
        conn = aioredis.Redis.from_url(redis_url)
        pubsub = conn.pubsub()
        await pubsub.subscribe(channel)
        conns.append((conn, pubsub))
        tasks.append(asyncio.ensure_future(listen(pubsub)))
    publisher = aioredis.Redis.from_url(redis_url)
    await asyncio.sleep(0.5)
    total = int(rate * seconds)
    start = time.perf_counter()
    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        data = f"{n}".encode()
        sent_at[data] = time.perf_counter()
        await publisher.publish(channel, data)
    await asyncio.sleep(2.0)
    for task in tasks:
        task.cancel()
    for conn, pubsub in conns:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
            await conn.aclose()
    await publisher.aclose()
    expected = total * subscribers
    return {"latencies": latencies, "lost": expected - len(latencies)}


async def _hold(clients, seconds=3.0):
    await _connect_all(clients)
    await asyncio.sleep(seconds)


async def _close(clients):
    for c in clients:
        await c.close()


def run(h: Harness) -> list[Figure]:
    if shutil.which("redis-server") is None:
        log("chat: redis-server is not installed; scenario skipped")
        return []
    n_clients = int(_env_number("BENCH_CHAT_CLIENTS", 200))
    rate = _env_number("BENCH_CHAT_RATE", 50)
    seconds = _env_number("BENCH_SECONDS", 30)
    h.manage("migrate", "--noinput")
    setup = _json_line(h.python_snippet(_SETUP, BENCH_CHAT_CLIENTS=str(n_clients)))
    room_id, sessions = setup["room"], setup["sessions"]
    figures: list[Figure] = []
    with private_redis() as redis_url:
        env = {"REDIS_URL": redis_url, "CHAT_SESSION_CHECK_SECONDS": "20"}
        with (
            h.server(workers=1, env=env, label="chat-asgi-1") as one,
            h.server(workers=1, env=env, label="chat-asgi-2") as two,
        ):
            # Memory: one process, idle, then holding every client's socket.
            idle_kib = _rss_kib(one.proc.pid)
            holders = [Client(i, one.port, room_id, s) for i, s in enumerate(sessions)]
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(_hold(holders))
                held_kib = _rss_kib(one.proc.pid)
                loop.run_until_complete(_close(holders))
                time.sleep(1.0)
                log(f"chat: {n_clients} clients, {rate:g} msg/s for {seconds:g} s")
                clients = [
                    Client(i, (one if i % 2 == 0 else two).port, room_id, s)
                    for i, s in enumerate(sessions)
                ]
                result = loop.run_until_complete(_chat_run(clients, rate, seconds))
                log(f"chat: redis baseline, {n_clients} subscribers")
                base = loop.run_until_complete(_redis_baseline(redis_url, n_clients, rate, seconds))
            finally:
                loop.close()
    lat, base_lat = result["latencies"], base["latencies"]
    p50, p99 = _percentile(lat, 50), _percentile(lat, 99)
    b50, b99 = _percentile(base_lat, 50), _percentile(base_lat, 99)
    log(
        f"chat: sent {result['sent']} acked {result['acked']} refused {result['refused']} "
        f"lost {result['lost']} receipts {len(lat)}; redis receipts {len(base_lat)} "
        f"(lost {base['lost']}); mean {statistics.fmean(lat) if lat else 0:.1f} ms"
    )
    common = {"clients": n_clients, "rate": rate, "seconds": seconds, "processes": 2}
    figures.append(h.figure(SCENARIO, "delivery p50", p50, "ms", "redis pub/sub p50", b50,
                            receipts=len(lat), **common))  # fmt: skip
    p99_fig = h.figure(SCENARIO, "delivery p99", p99, "ms", "redis pub/sub p99", b99,
                       receipts=len(lat), **common)  # fmt: skip
    p99_fig.extra["target_p99_ms"] = TARGET_P99_MS
    p99_fig.extra["target_p99_met"] = p99 <= TARGET_P99_MS
    log(f"chat: p99 {p99:.1f} ms, target <= {TARGET_P99_MS:g} ms: "
        f"{'met' if p99 <= TARGET_P99_MS else 'MISSED'}")  # fmt: skip
    figures.append(p99_fig)
    figures.append(h.figure(SCENARIO, "messages lost (acked, not received live)", result["lost"],
                            "msgs", "redis pub/sub lost", base["lost"], sent=result["sent"],
                            acked=result["acked"], refused=result["refused"],
                            errors=result["sent"] - result["acked"], **common))  # fmt: skip
    figures.append(h.figure(SCENARIO, f"asgi RSS holding {n_clients} sockets", held_kib / 1024,
                            "MiB", "same process idle", idle_kib / 1024))  # fmt: skip
    try:
        counts = _json_line(
            h.python_snippet(
                _QUERIES, BENCH_CHAT_ROOM=str(room_id), BENCH_CHAT_EMPTY=str(setup["empty"])
            )
        )
        status, queries, shown = counts["room"]
        figures.append(h.figure(SCENARIO, f"history page sql ({shown} messages)", queries,
                                "queries", "1-message room page", counts["empty"][1],
                                status=status))  # fmt: skip
    except RuntimeError as error:
        log(f"chat: query count skipped: {str(error)[-500:]}")
    return figures
