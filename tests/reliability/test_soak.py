"""Soak: a bounded load on 127.0.0.1 against the real production-like stack.

`uvicorn --workers 2` (openlab.settings.bench: DEBUG off, Redis channel layer, page cache
on Redis, PostgreSQL) serves 200 chat members (20 rooms of 10, logged in by session cookie)
and 20 anonymous page readers for SOAK_SECONDS (300 in `make check-all`; develop with 20-30).
Nothing may go wrong: no HTTP or WebSocket error, every message acknowledged, stored once,
delivered live exactly once to every other member of its room and present once in the
room's history, and each server process's memory flat between the end of the warm-up and
the end of the run. Everything is bounded in count and time and stops by itself; only the
processes this test started are stopped.

Knobs (environment): SOAK_SECONDS, SOAK_WARMUP_SECONDS, SOAK_CLIENTS, SOAK_ROOM_SIZE,
SOAK_READERS, SOAK_MESSAGE_INTERVAL (seconds between one member's messages),
SOAK_READER_PAUSE (seconds between one reader's requests), SOAK_WORKERS.
"""

import asyncio
import collections
import contextlib
import json
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.chat.servers import UVICORN, Server, ServerDatabase
from tests.chat.wsutil import run_loop, session_key_for
from tests.conftest import require_service

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def env_number(name, default, kind=int):
    return kind(os.environ.get(name) or default)


SOAK_SECONDS = env_number("SOAK_SECONDS", 300, float)
WARMUP_SECONDS = env_number("SOAK_WARMUP_SECONDS", 30, float)
CLIENTS = env_number("SOAK_CLIENTS", 200)
ROOM_SIZE = env_number("SOAK_ROOM_SIZE", 10)
READERS = env_number("SOAK_READERS", 20)
# One member's pace: a lively room (10 members: a message every 2 seconds), far inside the
# chat's own limit of 10 messages in 10 seconds per member. 200 members: 10 messages and
# 100 deliveries a second, on top of the heartbeats and the sockets' session checks.
MESSAGE_INTERVAL = env_number("SOAK_MESSAGE_INTERVAL", 20, float)
READER_PAUSE = env_number("SOAK_READER_PAUSE", 1.0, float)
WORKERS = env_number("SOAK_WORKERS", 2)
# The page's own heartbeat (openlab/static/js/chat.js sends a ping every 25 seconds).
HEARTBEAT_SECONDS = 25
DRAIN_SECONDS = 60


# --- the servers -----------------------------------------------------------------------


class WorkerServer(Server):
    """uvicorn with N worker processes, as deployed (README: `uvicorn ... --workers N`)."""

    def __init__(self, *args, workers=2, **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = workers

    def start(self, timeout=90):
        command = [
            str(UVICORN) if UVICORN.exists() else sys.executable,
            *([] if UVICORN.exists() else ["-m", "uvicorn"]),
            "openlab.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.workers),
            "--log-level", "warning", "--no-access-log",
            "--ws-per-message-deflate", "false",  # as deployed (README)
        ]  # fmt: skip
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}: {self.log_tail()}")
            if len(self.worker_pids()) >= self.workers and self._answers():
                return self
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"uvicorn did not start {self.workers} workers: {self.log_tail()}")

    def _answers(self):
        with contextlib.suppress(OSError, ValueError):
            status, _body = asyncio.run(http_get(self.port, "/healthz", timeout=5))
            return status in (200, 503)
        return False

    def children(self):
        return sorted(pid for pid, parent in process_parents().items() if parent == self.proc.pid)

    def worker_pids(self):
        """The worker processes (multiprocessing's resource tracker is a child too)."""
        return [pid for pid in self.children() if b"spawn_main" in command_line(pid)]

    def processes(self):
        """Every process of the server by name: supervisor, workers, helpers."""
        workers = self.worker_pids()
        helpers = [pid for pid in self.children() if pid not in workers]
        return (
            {"supervisor": self.proc.pid}
            | {f"worker {i + 1}": pid for i, pid in enumerate(workers)}
            | {f"helper {i + 1}": pid for i, pid in enumerate(helpers)}
        )


def command_line(pid):
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    return b""


def process_parents():
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces.
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def cpu_seconds(pid):
    """User + system CPU time a process used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid):
    """Resident memory of a process (psutil is not a dependency: /proc is enough on Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


# --- the clients -------------------------------------------------------------------------


async def http_get(port, path, timeout=30):
    """(status, body) of one GET; HTTP/1.0 so the body comes whole, never chunked."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    try:
        writer.write(
            f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n"
            f"User-Agent: openlab-soak\r\n\r\n".encode()
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _sep, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body.decode("utf-8", errors="replace")


class Stats:
    def __init__(self):
        self.sent_at = {}  # key -> monotonic time it was sent
        self.ack_latency = []
        self.delivery_latency = []
        self.http_latency = []
        self.requests = collections.Counter()
        self.http_errors = []
        self.client_lag = 0.0  # the worst delay of this client's own event loop
        self.cpu = {}  # process name -> CPU seconds from warm-up to the end


async def watch_loop_lag(stats, stop_at, period=0.25):
    """A late client would blame the server for its own delays: measure them."""
    while time.monotonic() < stop_at:
        before = time.monotonic()
        await asyncio.sleep(period)
        stats.client_lag = max(stats.client_lag, time.monotonic() - before - period)


class Member:
    """One logged-in chat member on one socket for the whole run: a reconnect is an error."""

    def __init__(self, index, server, room_id, user_id, session_key, stats):
        self.index, self.server, self.room_id = index, server, room_id
        self.user_id, self.session_key, self.stats = user_id, session_key, stats
        self.sent = []  # keys, in order
        self.acked = {}  # key -> message id
        self.live = collections.Counter()  # message id -> times delivered live
        self.live_keys = {}  # message id -> key
        self.history = []  # ids from the last sync, in order
        self.history_done = asyncio.Event()
        self.errors = []
        self.ws = None
        self.stopping = False

    async def connect(self):
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.server.ws_url(self.room_id),
            origin=self.server.origin,
            additional_headers={"Cookie": f"sessionid={self.session_key}"},
            proxy=None,
            open_timeout=30,
            ping_interval=None,
            max_size=None,
        )
        self.listener = asyncio.ensure_future(self.listen())
        await self.fetch_history()
        if self.history:
            self.errors.append(f"a new room had history: {self.history[:5]}")

    async def fetch_history(self, timeout=60):
        """The room's whole history through the consumer's sync frames (paged)."""
        self.history = []
        self.history_done.clear()
        await self.ws.send(json.dumps({"type": "sync", "after": 0}))
        await asyncio.wait_for(self.history_done.wait(), timeout)
        return self.history

    async def listen(self):
        from websockets.exceptions import WebSocketException

        try:
            async for raw in self.ws:
                await self.handle(json.loads(raw))
        except (OSError, WebSocketException) as error:
            if not self.stopping:
                self.errors.append(f"socket failed: {error!r}"[:300])
            return
        if not self.stopping:
            self.errors.append(f"socket closed by the server: {self.ws.close_code}")

    async def handle(self, frame):
        kind = frame["type"]
        now = time.monotonic()
        if kind == "history":
            self.history += [message["id"] for message in frame["messages"]]
            if frame["more"]:
                after = self.history[-1]
                await self.ws.send(json.dumps({"type": "sync", "after": after}))
            else:
                self.history_done.set()
        elif kind == "ack":
            self.acked[frame["key"]] = frame["id"]
            self.stats.ack_latency.append(now - self.stats.sent_at[frame["key"]])
        elif kind == "message":
            message = frame["message"]
            self.live[message["id"]] += 1
            self.live_keys[message["id"]] = message["key"]
            if message["sender"]["id"] != self.user_id and self.live[message["id"]] == 1:
                self.stats.delivery_latency.append(now - self.stats.sent_at[message["key"]])
        elif kind == "error":
            self.errors.append(f"error frame: {frame.get('code')} {frame.get('reason')}")
        elif kind not in ("presence", "pong"):
            self.errors.append(f"unexpected frame: {kind}")

    async def talk(self, stop_at):
        """A message every MESSAGE_INTERVAL seconds (jittered) and the page's heartbeat."""
        await asyncio.sleep(random.uniform(0, MESSAGE_INTERVAL))
        next_ping = time.monotonic() + random.uniform(0, HEARTBEAT_SECONDS)
        while time.monotonic() < stop_at and not self.errors:
            key = f"soak-{self.index:04d}-{len(self.sent):05d}"
            self.stats.sent_at[key] = time.monotonic()
            self.sent.append(key)
            body = f"ソーク試験 {self.index}番から{len(self.sent)}通目: 明日の準備はどうですか？"
            await self.ws.send(json.dumps({"type": "message", "body": body, "key": key}))
            if time.monotonic() >= next_ping:
                await self.ws.send(json.dumps({"type": "ping"}))
                next_ping += HEARTBEAT_SECONDS
            await asyncio.sleep(MESSAGE_INTERVAL * random.uniform(0.8, 1.2))

    async def close(self):
        self.stopping = True
        with contextlib.suppress(Exception):
            await self.ws.close()
        with contextlib.suppress(BaseException):
            await self.listener


async def read_pages(port, pages, stats, stop_at, seed):
    """An anonymous visitor reading public pages until stop_at; checks what each page says."""
    rng = random.Random(seed)
    while time.monotonic() < stop_at:
        path, expected = rng.choice(pages)
        started = time.monotonic()
        try:
            status, body = await http_get(port, path)
        except (OSError, TimeoutError, ValueError, IndexError) as error:
            stats.http_errors.append(f"{path}: {error!r}"[:300])
        else:
            stats.http_latency.append(time.monotonic() - started)
            stats.requests[path] += 1
            if status != 200 or expected not in body:
                stats.http_errors.append(f"{path}: {status}, {expected!r} in page: no")
        await asyncio.sleep(READER_PAUSE * rng.uniform(0.5, 1.5))


# --- the scenario ------------------------------------------------------------------------


def make_rooms(count, room_size):
    """`count` partner users in rooms of `room_size`, each with a logged-in session."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from openlab.accounts.models import Profile, Role
    from openlab.chat.models import Membership, Room

    User = get_user_model()
    password = make_password("soak-not-a-secret")
    users = User.objects.bulk_create(
        User(username=f"soak{i:04d}", email=f"soak{i:04d}@example.jp", password=password)
        for i in range(count)
    )
    Profile.objects.bulk_create(
        Profile(user=user, role=Role.PARTNER, display_name=f"ソーク{i}")
        for i, user in enumerate(users)
    )
    members = []
    for first in range(0, count, room_size):
        room = Room.objects.create(
            kind=Room.Kind.MATCH, key=f"soak:{first}", title=f"ソーク試験ルーム{first}"
        )
        group = users[first : first + room_size]
        Membership.objects.bulk_create(Membership(room=room, user=user) for user in group)
        members += [(room.pk, user.pk, session_key_for(user)) for user in group]
    return members


def make_pages():
    """Public content and what each page must show (checked on every read)."""
    from tests.factories import EventFactory, ProjectFactory, StakeholderFactory

    for i in range(6):
        StakeholderFactory(title=f"ソーク試験の団体{i}", goals=[11, 1 + i])
        ProjectFactory(title=f"ソーク試験のプロジェクト{i}", goals=[11])
        EventFactory(title=f"ソーク試験のイベント{i}", goals=[11])
    search = "/search/?q=" + urllib.parse.quote("ソーク試験の団体")
    return [
        ("/", "東村山市わたしたちのSDGsオープンラボ"),
        ("/stakeholders/", "ソーク試験の団体0"),
        ("/projects/", "ソーク試験のプロジェクト0"),
        ("/events/", "ソーク試験のイベント0"),
        ("/sdgs/11/", "住み続けられるまちづくりを"),
        (search, "ソーク試験の団体"),
    ]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def soak(server, members_spec, pages, stats):
    members = [
        Member(i, server, room_id, user_id, key, stats)
        for i, (room_id, user_id, key) in enumerate(members_spec)
    ]
    try:
        for batch in range(0, len(members), 20):  # connect in small waves, like a morning
            await asyncio.gather(*(m.connect() for m in members[batch : batch + 20]))
        started = time.monotonic()
        stop_at = started + WARMUP_SECONDS + SOAK_SECONDS
        load = [asyncio.ensure_future(watch_loop_lag(stats, stop_at))]
        load += [asyncio.ensure_future(m.talk(stop_at)) for m in members] + [
            asyncio.ensure_future(read_pages(server.port, pages, stats, stop_at, seed))
            for seed in range(READERS)
        ]
        await asyncio.sleep(WARMUP_SECONDS)
        pids_start = server.processes()
        rss_start = {name: rss_bytes(pid) for name, pid in pids_start.items()}
        cpu_start = {name: cpu_seconds(pid) for name, pid in pids_start.items()}
        await asyncio.gather(*load)
        # Drain: every acknowledgement and every delivery arrives, or the wait runs out.
        deadline = time.monotonic() + DRAIN_SECONDS
        while time.monotonic() < deadline and not all_delivered(members):
            await asyncio.sleep(0.5)
        pids_end = server.processes()
        rss_end = {name: rss_bytes(pid) for name, pid in pids_end.items()}
        stats.cpu = {
            name: cpu_seconds(pid) - cpu_start.get(name, 0) for name, pid in pids_end.items()
        }
        # One member per room reads the whole history back.
        histories = {}
        for member in members:
            if member.room_id not in histories and not member.errors:
                histories[member.room_id] = await member.fetch_history()
        return members, histories, (pids_start, rss_start), (pids_end, rss_end)
    finally:
        await asyncio.gather(*(m.close() for m in members if m.ws is not None))


def all_delivered(members):
    rooms = collections.defaultdict(set)
    for member in members:
        if len(member.acked) < len(member.sent):
            return False
        rooms[member.room_id] |= set(member.acked.values())
    return all(rooms[m.room_id] <= set(m.live) for m in members)


def print_summary(stats, members, processes_start, rss_start, rss_end):
    sent = sum(len(m.sent) for m in members)
    received = sum(sum(m.live.values()) for m in members)

    def ms(values, fraction):
        return f"{percentile(values, fraction) * 1000:8.1f}"

    lines = [
        "",
        f"soak: {SOAK_SECONDS:.0f}s (+{WARMUP_SECONDS:.0f}s warm-up), {len(members)} chat "
        f"members, {READERS} readers, {WORKERS} uvicorn workers",
        f"{'what':<34}{'count':>10}{'p50 ms':>10}{'p99 ms':>10}",
        f"{'chat messages sent (acked)':<34}{sent:>10}{ms(stats.ack_latency, 0.5):>10}"
        f"{ms(stats.ack_latency, 0.99):>10}",
        f"{'chat messages received live':<34}{received:>10}"
        f"{ms(stats.delivery_latency, 0.5):>10}{ms(stats.delivery_latency, 0.99):>10}",
        f"{'page requests':<34}{sum(stats.requests.values()):>10}"
        f"{ms(stats.http_latency, 0.5):>10}{ms(stats.http_latency, 0.99):>10}",
        *(f"  {path:<32}{count:>10}" for path, count in sorted(stats.requests.items())),
        f"client event loop: worst delay {stats.client_lag * 1000:.0f} ms",
        f"{'process':<20}{'pid':>8}{'RSS start MiB':>16}{'RSS end MiB':>14}{'CPU s':>8}",
        *(
            f"{name:<20}{pid:>8}{rss_start[name] / MIB:>16.1f}"
            f"{rss_end.get(name, float('nan')) / MIB:>14.1f}"
            f"{stats.cpu.get(name, float('nan')):>8.1f}"
            for name, pid in processes_start.items()
        ),
    ]
    print("\n".join(lines))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
# Above the suite's 600 s per test: set-up, the run itself, the drain and the teardown.
@pytest.mark.timeout(int(WARMUP_SECONDS + SOAK_SECONDS + DRAIN_SECONDS + 600))
def test_soak_chat_and_pages_no_errors_no_loss_flat_memory(
    redis_url, site_tree, settings, tmp_path
):
    if connection.vendor != "postgresql":
        require_service("PostgreSQL", "the soak runs against PostgreSQL (DATABASE_URL)")
    from openlab.chat.models import Message

    elasticsearch_url = os.environ.get("ELASTICSEARCH_URL", "")
    # Pages are indexed (inline tasks) under a prefix of this test's own, which it drops.
    settings.SEARCH_INDEX_PREFIX = f"test_soak_{uuid.uuid4().hex[:8]}"
    setup_started = time.monotonic()
    pages = make_pages()
    members_spec = make_rooms(CLIENTS, ROOM_SIZE)
    print(f"\nsoak: data set up in {time.monotonic() - setup_started:.1f}s")
    server_db = ServerDatabase(tmp_path)
    server = WorkerServer(
        server_db.url,
        redis_url,
        workers=WORKERS,
        extra_env={
            # Production-like: DEBUG off, channel layer and page cache on Redis.
            "DJANGO_SETTINGS_MODULE": "openlab.settings.bench",
            # The sessions were signed by this process.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "ELASTICSEARCH_URL": elasticsearch_url,
            "SEARCH_INDEX_PREFIX": settings.SEARCH_INDEX_PREFIX,
            "OPENLAB_PAGE_CACHE": "1",
        },
        log_path=tmp_path / "uvicorn.log",
    )
    stats = Stats()
    try:
        if elasticsearch_url:
            from search.backend import ElasticsearchSearchBackend

            ElasticsearchSearchBackend(elasticsearch_url).refresh()
        server.start()
        print(
            f"soak: server up after {time.monotonic() - setup_started:.1f}s: "
            f"port {server.port}, processes {server.processes()}"
        )
        result = run_loop(
            asyncio.wait_for(
                soak(server, members_spec, pages, stats),
                timeout=WARMUP_SECONDS + SOAK_SECONDS + DRAIN_SECONDS + 300,
            )
        )
    finally:
        server.stop()
        if elasticsearch_url:
            from search.backend import ElasticsearchSearchBackend

            with contextlib.suppress(Exception):
                ElasticsearchSearchBackend(elasticsearch_url).drop()
    members, histories, (pids_start, rss_start), (pids_end, rss_end) = result
    print_summary(stats, members, pids_start, rss_start, rss_end)
    log = (tmp_path / "uvicorn.log").read_text(errors="replace")

    # No errors of any kind.
    assert not stats.http_errors, stats.http_errors[:10]
    socket_errors = [(m.index, e) for m in members for e in m.errors]
    assert not socket_errors, socket_errors[:10]
    failures = [line for line in log.splitlines() if re.search(r"Traceback|ERROR|CRITICAL", line)]
    assert not failures, log[-3000:]
    assert set(stats.requests) == {path for path, _text in pages}, stats.requests

    # Nothing lost, nothing doubled: sent == acknowledged == stored == in every member's
    # live feed once == in the room's history once.
    by_room = collections.defaultdict(dict)  # room -> {message id: key}
    for member in members:
        assert member.sent, f"member {member.index} never talked"
        assert set(member.acked) == set(member.sent), (member.index, member.sent, member.acked)
        by_room[member.room_id].update({v: k for k, v in member.acked.items()})
    for room_id, messages in by_room.items():
        stored = dict(Message.objects.filter(room_id=room_id).values_list("id", "client_key"))
        assert stored == messages, f"room {room_id}: stored != acknowledged"
        assert histories[room_id] == sorted(messages), f"room {room_id}: history differs"
    for member in members:
        expected = set(by_room[member.room_id])
        own = set(member.acked.values())
        missing = sorted(expected - own - set(member.live))
        doubled = sorted(mid for mid, times in member.live.items() if times > 1)
        strangers = sorted(set(member.live) - expected)
        assert not missing, f"member {member.index} never got {len(missing)}: {missing[:10]}"
        assert not doubled, f"member {member.index} got twice: {doubled[:10]}"
        assert not strangers, f"member {member.index} got other rooms' messages: {strangers}"

    # Flat memory. The same processes served the whole run (none died and was replaced).
    # Python rarely gives freed memory back to the system, and caches (templates, Wagtail's
    # site root, connection pools, the allocator's arenas) grow for a while after warm-up
    # before they level off: half again plus 30 MiB tolerates that, while anything kept
    # per request, per message or per connection over thousands of them climbs past it.
    assert pids_start == pids_end, (pids_start, pids_end)
    assert sum(name.startswith("worker") for name in pids_start) == WORKERS, pids_start
    for name, start in rss_start.items():
        limit = start * 1.5 + 30 * MIB
        assert rss_end[name] <= limit, (
            f"{name}: RSS grew from {start / MIB:.1f} MiB to {rss_end[name] / MIB:.1f} MiB "
            f"(limit {limit / MIB:.1f} MiB)"
        )


def test_a_quiet_room_keeps_its_sockets_on_the_redis_channel_layer(redis_url):
    """A room that stays quiet keeps its sockets: with the list-based layer, a socket's
    5-second blocking pop outlived redis-py's 5-second read timeout and died with "Timeout
    reading"; the site's pub/sub layer must likewise wait through a quiet spell and still
    deliver the next message."""
    from channels.layers import channel_layers

    async def quiet_then_message():
        layer = channel_layers.make_backend("default")  # the site's own configuration
        assert type(layer).__name__ == "RedisPubSubChannelLayer"
        channel = await layer.new_channel()
        group = f"soak-quiet-{uuid.uuid4().hex}"
        await layer.group_add(group, channel)
        try:
            # One receive kept waiting, as a consumer does (cancelling a pub/sub receive
            # unsubscribes the channel, so the wait must not be cut short and retried).
            waiting = asyncio.ensure_future(layer.receive(channel))
            await asyncio.sleep(7)
            assert not waiting.done()  # nothing arrived and the wait did not fail
            await layer.group_send(group, {"type": "chat.message", "message": {"id": 1}})
            return await asyncio.wait_for(waiting, timeout=5)
        finally:
            await layer.group_discard(group, channel)

    assert run_loop(quiet_then_message()) == {"type": "chat.message", "message": {"id": 1}}
