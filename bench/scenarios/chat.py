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

The clients live in BENCH_CHAT_CLIENT_PROCS worker processes (2), so that one
Python process parsing 10,000 frames a second is not what is measured. The
send time travels in the message body (``time.perf_counter`` is the system-wide
monotonic clock on Linux), so any process can time any receipt. Measuring
starts only once every client has had its join's presence frame and both
servers are idle again: the 200 joins are not mixed into the figures.

Baseline in the same run, with the same client processes and event loops: raw
Redis PUBLISH to the same number of SUBSCRIBE connections at the same rate for
the same time, publish → receipt at each subscriber.

Also: the CPU the clients and the servers used while measuring (the clients
share the 2 cores with the servers), the load average, resident memory of one
ASGI process holding all clients' sockets (vs the same process idle), and the
SQL queries of the history page (50 messages) vs a one-message room's page.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import time

from bench.harness import Figure, Harness, free_port, log
from bench.scenarios._chatclients import RedisConnection, WebSocketClient

DESCRIPTION = "chat: 200 WebSocket clients, 2 ASGI processes + Redis; latency, loss, RSS, SQL"
SCENARIO = "chat"
TARGET_P99_MS = 100.0
SETTLE_S = 15.0  # after the last send, how long clients wait for late broadcasts
QUIET_S = 2.0  # a client process stops waiting once nothing arrived for this long

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


def _cpu_s(pid):
    """User + system CPU seconds a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _quiesce(pids, busy_share=0.1, window_s=0.5, timeout_s=60.0):
    """Wait until the servers are idle (below `busy_share` of a core each, twice in a row), so
    the joins' work is over before anything is measured. Returns the seconds waited."""
    started = time.monotonic()
    calm = 0
    while time.monotonic() - started < timeout_s and calm < 2:
        before = [_cpu_s(pid) for pid in pids]
        time.sleep(window_s)
        busy = max(_cpu_s(pid) - b for pid, b in zip(pids, before, strict=True)) / window_s
        calm = calm + 1 if busy < busy_share else 0
    return time.monotonic() - started


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
        yield f"redis://127.0.0.1:{port}/0", proc.pid
    finally:
        proc.kill()
        proc.wait(timeout=10)


# --- clients (they run in worker processes; the RSS phase runs one set in-process) ---------


class Tally:
    """What one client process saw: receipt latencies and when the last receipt came."""

    def __init__(self):
        self.latencies = array.array("d")
        self.last_receipt = time.perf_counter()

    def receipt(self, sent_at):
        now = time.perf_counter()
        self.latencies.append((now - sent_at) * 1000)
        self.last_receipt = now


class ChatPeer:
    """A chat page's socket: joins, then records every bench message broadcast to it."""

    def __init__(self, index, port, room_id, session_key, deflate=True):
        self.index, self.port, self.room_id, self.session_key = index, port, room_id, session_key
        self.deflate = deflate
        self.ws = None
        self.tally = None
        self.joined = None
        self.received = set()
        self.acked = {}
        self.refused = []

    @staticmethod
    async def prepare(cfg):
        pass

    async def open(self):
        """Connected once the server has sent this join's presence frame (the join is done)."""
        self.joined = asyncio.get_running_loop().create_future()
        # Like a browser, the client offers permessage-deflate (unless BENCH_CHAT_DEFLATE=0);
        # the server decides.
        self.ws = await WebSocketClient.connect(
            self.port,
            f"/ws/chat/{self.room_id}/",
            {"Origin": f"http://127.0.0.1:{self.port}", "Cookie": f"sessionid={self.session_key}"},
            self.on_text,
            deflate=self.deflate,
        )
        await asyncio.wait_for(self.joined, 60)

    def listen(self, tally):
        self.tally = tally

    def on_text(self, raw):
        frame = json.loads(raw)
        kind = frame["type"]
        if kind == "message":
            message = frame["message"]
            word, _n, sent_at = (message["body"].split(" ") + ["", ""])[:3]
            if word == "bench" and self.tally is not None:
                self.received.add(message["id"])
                self.tally.receipt(float(sent_at))
        elif kind == "presence":
            if not self.joined.done():
                self.joined.set_result(True)
        elif kind == "ack":
            self.acked[frame["key"]] = frame["id"]
        elif kind == "error":
            self.refused.append(frame.get("code"))

    async def send(self, n, run_id):
        body = f"bench {n} {time.perf_counter():.6f}"
        key = f"bench-{run_id}-{n:06d}"
        with contextlib.suppress(ConnectionError):
            self.ws.send_text(json.dumps({"type": "message", "body": body, "key": key}))

    def count(self):
        return len(self.received)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()


class RedisPeer:
    """The baseline: one SUBSCRIBE connection each; a PUBLISH connection per process."""

    channel = b"bench:chat:baseline"
    publisher = None

    def __init__(self, index, redis_port):
        self.index, self.redis_port = index, redis_port
        self.tally = None
        self.subscribed = None
        self.received = 0

    @staticmethod
    async def prepare(cfg):
        RedisPeer.publisher = await RedisConnection.connect(cfg["redis_port"], lambda reply: None)

    async def open(self):
        self.subscribed = asyncio.get_running_loop().create_future()
        self.conn = await RedisConnection.connect(self.redis_port, self.on_reply)
        self.conn.command("SUBSCRIBE", self.channel)
        await asyncio.wait_for(self.subscribed, 30)

    def listen(self, tally):
        self.tally = tally

    def on_reply(self, reply):
        if reply[0] == b"message":
            _n, sent_at = reply[2].split(b" ")
            self.received += 1
            if self.tally is not None:
                self.tally.receipt(float(sent_at))
        elif reply[0] == b"subscribe" and not self.subscribed.done():
            self.subscribed.set_result(True)

    async def send(self, n, run_id):
        RedisPeer.publisher.command("PUBLISH", self.channel, f"{n} {time.perf_counter():.6f}")

    def count(self):
        return self.received

    async def close(self):
        self.conn.close()


def _make_peers(cfg):
    if cfg["mode"] == "redis":
        return [RedisPeer(index, cfg["redis_port"]) for index, _port, _session in cfg["peers"]]
    return [
        ChatPeer(index, port, cfg["room_id"], session, cfg["deflate"])
        for index, port, session in cfg["peers"]
    ]


async def _open_all(peers, batch=20):
    for start in range(0, len(peers), batch):
        await asyncio.gather(*(p.open() for p in peers[start : start + batch]))


async def _worker(conn, cfg):
    """One client process: open its peers, report ready, wait for the start time, send its
    share of the messages on schedule, wait for late receipts, report what it saw."""
    peers = _make_peers(cfg)
    tally = Tally()
    await type(peers[0]).prepare(cfg)
    await _open_all(peers)
    for peer in peers:
        peer.listen(tally)
    loop = asyncio.get_running_loop()
    conn.send("ready")
    start = await loop.run_in_executor(None, conn.recv)
    rate, total, n_clients = cfg["rate"], cfg["total"], cfg["clients"]
    mine = {p.index: p for p in peers}
    delay = start - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
    cpu0 = time.process_time()
    for n in range(total):
        sender = mine.get(n % n_clients)
        if sender is None:
            continue
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await sender.send(n, cfg["run_id"])
    sending_ends = start + total / rate
    deadline = sending_ends + SETTLE_S
    while time.perf_counter() < deadline:
        now = time.perf_counter()
        if all(p.count() >= total for p in peers):
            break
        if now > sending_ends + QUIET_S and now - tally.last_receipt > QUIET_S:
            break
        await asyncio.sleep(0.1)
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - start
    result = {
        "latencies": tally.latencies,
        "cpu_s": cpu_s,
        "wall_s": wall_s,
        "receipts": sum(p.count() for p in peers),
        "received": {p.index: sorted(p.received) for p in peers if cfg["mode"] == "chat"},
        "acked": {k: v for p in peers if cfg["mode"] == "chat" for k, v in p.acked.items()},
        "refused": [code for p in peers if cfg["mode"] == "chat" for code in p.refused],
    }
    for peer in peers:
        await peer.close()
    return result


def _worker_main(conn):
    """Entry point of a client process (spawned: it shares nothing with the harness)."""
    cfg = conn.recv()
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    try:
        conn.send(loop.run_until_complete(_worker(conn, cfg)))
    finally:
        loop.close()


def _run_clients(cfg, peers, procs, server_pids, wait_for=lambda: 0.0):
    """Spread `peers` over `procs` client processes, start them together, gather the results
    and the CPU every process (clients and `server_pids`) used meanwhile."""
    ctx = multiprocessing.get_context("spawn")
    workers = []
    try:
        for i in range(procs):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child,), daemon=True)
            proc.start()
            parent.send({**cfg, "peers": peers[i::procs]})
            workers.append((proc, parent))
        for _proc, parent in workers:
            if not parent.poll(180):
                raise RuntimeError("a client process did not connect its clients in 180 s")
            if parent.recv() != "ready":
                raise RuntimeError("a client process failed")
        waited = wait_for()
        log(f"chat: {cfg['mode']}: clients ready, measuring (servers idle after {waited:.1f} s)")
        load = os.getloadavg()[0]
        start = time.perf_counter() + 0.5
        cpu0 = [_cpu_s(pid) for pid in server_pids]
        for _proc, parent in workers:
            parent.send(start)
        results = []
        for _proc, parent in workers:
            if not parent.poll(cfg["total"] / cfg["rate"] + SETTLE_S + 120):
                raise RuntimeError("a client process did not finish")
            results.append(parent.recv())
        server_cpu = sum(_cpu_s(pid) - c for pid, c in zip(server_pids, cpu0, strict=True))
        wall = max(r["wall_s"] for r in results)
        load = max(load, os.getloadavg()[0])
    finally:
        for proc, _parent in workers:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
    latencies = [ms for r in results for ms in r["latencies"]]
    return {
        "latencies": latencies,
        "receipts": sum(r["receipts"] for r in results),
        "received": {k: set(v) for r in results for k, v in r["received"].items()},
        "acked": {k: v for r in results for k, v in r["acked"].items()},
        "refused": [code for r in results for code in r["refused"]],
        "client_cpu_s": sum(r["cpu_s"] for r in results),
        "server_cpu_s": server_cpu,
        "wall_s": wall,
        "load": load,
        "quiesce_s": waited,
    }


async def _hold(peers, seconds=2.0):
    await _open_all(peers)
    await asyncio.sleep(seconds)


async def _close(peers):
    for peer in peers:
        await peer.close()


def run(h: Harness) -> list[Figure]:
    if shutil.which("redis-server") is None:
        log("chat: redis-server is not installed; scenario skipped")
        return []
    n_clients = int(_env_number("BENCH_CHAT_CLIENTS", 200))
    rate = _env_number("BENCH_CHAT_RATE", 50)
    seconds = _env_number("BENCH_SECONDS", 30)
    procs = max(1, int(_env_number("BENCH_CHAT_CLIENT_PROCS", 2)))
    deflate = os.environ.get("BENCH_CHAT_DEFLATE", "1") != "0"
    total = int(rate * seconds)
    h.manage("migrate", "--noinput")
    setup = _json_line(h.python_snippet(_SETUP, BENCH_CHAT_CLIENTS=str(n_clients)))
    room_id, sessions = setup["room"], setup["sessions"]
    figures: list[Figure] = []
    with private_redis() as (redis_url, redis_pid):
        env = {"REDIS_URL": redis_url, "CHAT_SESSION_CHECK_SECONDS": "20"}
        env.update(json.loads(os.environ.get("BENCH_CHAT_EXTRA_ENV", "{}")))  # DEVHOOK
        with (
            h.server(workers=1, env=env, label="chat-asgi-1") as one,
            h.server(workers=1, env=env, label="chat-asgi-2") as two,
        ):
            servers = [one.proc.pid, two.proc.pid]
            # Memory: one process, idle, then holding every client's socket.
            idle_kib = _rss_kib(one.proc.pid)
            holders = [ChatPeer(i, one.port, room_id, s, deflate) for i, s in enumerate(sessions)]
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(_hold(holders))
                held_kib = _rss_kib(one.proc.pid)
                loop.run_until_complete(_close(holders))
            finally:
                loop.close()
            log(f"chat: servers idle after {_quiesce(servers):.1f} s")
            log(f"chat: {n_clients} clients in {procs} processes, {rate:g} msg/s for {seconds:g} s")
            run_id = f"{os.getpid()}-{int(time.time())}"
            cfg = {"rate": rate, "total": total, "clients": n_clients, "room_id": room_id,
                   "run_id": run_id, "redis_port": int(redis_url.rsplit(":", 1)[1].split("/")[0]),
                   "deflate": deflate}  # fmt: skip
            peers = [(i, (one if i % 2 == 0 else two).port, s) for i, s in enumerate(sessions)]
            result = _run_clients(
                {**cfg, "mode": "chat"}, peers, procs, servers + [redis_pid],
                wait_for=lambda: _quiesce(servers),
            )  # fmt: skip
            log(f"chat: redis baseline, {n_clients} subscribers in {procs} processes")
            base = _run_clients({**cfg, "mode": "redis"}, peers, procs, [redis_pid])
    lat, base_lat = result["latencies"], base["latencies"]
    acked_ids = set(result["acked"].values())
    lost = sum(len(acked_ids - result["received"].get(i, set())) for i in range(n_clients))
    base_lost = total * n_clients - base["receipts"]
    p50, p99 = _percentile(lat, 50), _percentile(lat, 99)
    b50, b99 = _percentile(base_lat, 50), _percentile(base_lat, 99)
    refused = result["refused"]
    log(
        f"chat: sent {total} acked {len(acked_ids)} refused {len(refused)} "
        f"{sorted(set(refused))} lost {lost} receipts {len(lat)}; redis receipts {len(base_lat)} "
        f"(lost {base_lost}); mean {statistics.fmean(lat) if lat else 0:.1f} ms "
        f"(redis {statistics.fmean(base_lat) if base_lat else 0:.1f} ms)"
    )
    for name, r in (("chat", result), ("redis baseline", base)):
        log(
            f"chat: {name}: load average {r['load']:.1f}, client CPU {r['client_cpu_s']:.1f} s "
            f"({r['client_cpu_s'] / r['wall_s']:.2f} cores), server CPU {r['server_cpu_s']:.1f} s "
            f"({r['server_cpu_s'] / r['wall_s']:.2f} cores) in {r['wall_s']:.1f} s"
        )
    common = {"clients": n_clients, "rate": rate, "seconds": seconds, "processes": 2,
              "client_processes": procs, "load_average": round(result["load"], 2),
              "baseline_load_average": round(base["load"], 2)}  # fmt: skip
    figures.append(h.figure(SCENARIO, "delivery p50", p50, "ms", "redis pub/sub p50", b50,
                            receipts=len(lat), **common))  # fmt: skip
    p99_fig = h.figure(SCENARIO, "delivery p99", p99, "ms", "redis pub/sub p99", b99,
                       receipts=len(lat), **common)  # fmt: skip
    p99_fig.extra["target_p99_ms"] = TARGET_P99_MS
    p99_fig.extra["target_p99_met"] = p99 <= TARGET_P99_MS
    log(f"chat: p99 {p99:.1f} ms, target <= {TARGET_P99_MS:g} ms: "
        f"{'met' if p99 <= TARGET_P99_MS else 'MISSED'}")  # fmt: skip
    figures.append(p99_fig)
    figures.append(h.figure(SCENARIO, "messages lost (acked, not received live)", lost,
                            "msgs", "redis pub/sub lost", base_lost, sent=total,
                            acked=len(acked_ids), refused=len(refused),
                            errors=total - len(acked_ids), **common))  # fmt: skip
    # CPU per 1,000 receipts: the clients' cost next to the raw Redis clients' cost, and what
    # the two servers (and their Redis) spent, which is what the server-side work changes.
    per_k = 1000 / max(1, len(lat))
    base_per_k = 1000 / max(1, len(base_lat))
    figures.append(h.figure(SCENARIO, "client CPU per 1000 receipts",
                            result["client_cpu_s"] * per_k * 1000, "ms",
                            "redis clients' CPU per 1000 receipts",
                            base["client_cpu_s"] * base_per_k * 1000,
                            client_cores=round(result["client_cpu_s"] / result["wall_s"], 2),
                            baseline_client_cores=round(base["client_cpu_s"] / base["wall_s"], 2),
                            **common))  # fmt: skip
    figures.append(h.figure(SCENARIO, "servers' CPU per 1000 receipts",
                            result["server_cpu_s"] * per_k * 1000, "ms",
                            "redis clients' CPU per 1000 receipts",
                            base["client_cpu_s"] * base_per_k * 1000,
                            server_cores=round(result["server_cpu_s"] / result["wall_s"], 2),
                            **common))  # fmt: skip
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
