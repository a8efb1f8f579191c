"""Real ASGI servers for the chat tests: uvicorn subprocesses on loopback ports of their own,
sharing the test database (PostgreSQL, or a copy of the SQLite test database in a file), and a
reconnecting WebSocket client like the page's (tests/chat/test_multiprocess.py, the browser test).
"""

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
UVICORN = ROOT / ".venv" / "bin" / "uvicorn"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerDatabase:
    """The database the servers use. PostgreSQL (and a SQLite file) is the test database itself;
    an in-memory SQLite test database is copied to a file once the test has set up its data."""

    def __init__(self, tmp_path):
        self.copy = None
        settings = connection.settings_dict
        if connection.vendor == "postgresql":
            host = settings["HOST"] or "127.0.0.1"
            self.url = (
                f"postgres://{settings['USER']}:{settings['PASSWORD']}@{host}:"
                f"{settings['PORT'] or 5432}/{settings['NAME']}"
            )
        elif connection.vendor == "sqlite" and not connection.is_in_memory_db():
            self.url = f"sqlite:///{settings['NAME']}"
        else:
            self.copy = tmp_path / "servers.sqlite3"
            self.url = f"sqlite:///{self.copy}"

    def snapshot(self):
        """Call after the test's data exists and before the servers start."""
        if self.copy is not None:
            self.copy.unlink(missing_ok=True)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM INTO %s", [str(self.copy)])

    def scalar_list(self, sql, params=()):
        """First column of every row of a query, run on the servers' database."""
        if self.copy is not None:
            with contextlib.closing(sqlite3.connect(self.copy)) as db:
                return [row[0] for row in db.execute(sql.replace("%s", "?"), params)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def message_ids(self, room_id):
        return self.scalar_list(
            "SELECT id FROM chat_message WHERE room_id = %s ORDER BY id", [room_id]
        )


class Server:
    def __init__(self, database_url, redis_url=None, port=None, extra_env=None, log_path=None):
        self.port = port or free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "openlab.settings.test",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("REDIS_URL", None)
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        self.log_path = log_path
        self.proc = None

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, room_id):
        return f"ws://127.0.0.1:{self.port}/ws/chat/{room_id}/"

    def start(self, timeout=60):
        command = [
            str(UVICORN) if UVICORN.exists() else sys.executable,
            *([] if UVICORN.exists() else ["-m", "uvicorn"]),
            "openlab.asgi:application",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--log-level", "warning", "--no-access-log",
            "--ws-per-message-deflate", "false",  # as deployed (README)
        ]  # fmt: skip
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}: {self.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"uvicorn did not listen on {self.port}: {self.log_tail()}")

    def log_tail(self):
        if not self.log_path or not Path(self.log_path).exists():
            return ""
        return Path(self.log_path).read_text(errors="replace")[-3000:]

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None


class RedisServer:
    """A private redis-server of this test, which the test may stop and start again."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=20):
        import redis

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return self
            time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


class ChatClient:
    """Reconnects with backoff, fetches what it missed after its last id, resends unacknowledged
    messages with their idempotency keys: the behaviour of openlab/static/js/chat.js."""

    def __init__(self, server, room_id, session_key, name):
        self.server, self.room_id, self.session_key, self.name = server, room_id, session_key, name
        self.received = {}
        self.live = set()
        self.acked = {}
        self.pending = {}
        self.refused = {}
        self.errors = []
        self.last_id = 0
        self.synced_id = 0  # complete up to here; live messages above it may have gaps
        self.connects = 0
        self.ws = None
        self.stopping = False
        self.synced = asyncio.Event()
        self.task = None

    def start(self):
        self.task = asyncio.ensure_future(self.run())
        return self

    async def run(self):
        from websockets.asyncio.client import connect
        from websockets.exceptions import WebSocketException

        delay = 0.1
        while not self.stopping:
            try:
                async with connect(
                    self.server.ws_url(self.room_id),
                    origin=self.server.origin,
                    additional_headers={"Cookie": f"sessionid={self.session_key}"},
                    proxy=None,
                    open_timeout=5,
                    ping_interval=None,
                ) as ws:
                    self.ws, delay = ws, 0.1
                    self.connects += 1
                    await ws.send(json.dumps({"type": "sync", "after": self.synced_id}))
                    async for raw in ws:
                        await self.handle(json.loads(raw))
            except (TimeoutError, OSError, WebSocketException) as error:
                self.errors.append(repr(error)[:200])
            self.ws = None
            self.synced.clear()
            if not self.stopping:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    def store(self, message):
        self.received[message["id"]] = message
        self.last_id = max(self.last_id, message["id"])

    async def handle(self, frame):
        kind = frame["type"]
        if kind == "history":
            for message in frame["messages"]:
                self.store(message)
            if frame["messages"]:
                self.synced_id = max(self.synced_id, frame["messages"][-1]["id"])
            if frame["more"]:
                await self.ws.send(json.dumps({"type": "sync", "after": self.synced_id}))
                return
            for key, body in list(self.pending.items()):
                await self.ws.send(json.dumps({"type": "message", "body": body, "key": key}))
            self.synced.set()
        elif kind in ("message", "update"):
            self.store(frame["message"])
            self.live.add(frame["message"]["id"])
        elif kind == "ack":
            self.store(frame["message"])
            self.acked[frame["key"]] = frame["id"]
            self.pending.pop(frame["key"], None)
        elif kind == "error":
            self.errors.append(frame["code"])
            if frame.get("key") and frame["code"] != "layer_down":
                self.refused[frame["key"]] = frame["code"]
                self.pending.pop(frame["key"], None)

    async def send(self, body, key):
        self.pending[key] = body
        ws = self.ws
        if ws is not None and self.synced.is_set():
            with contextlib.suppress(Exception):
                await ws.send(json.dumps({"type": "message", "body": body, "key": key}))

    async def resync(self):
        ws = self.ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.send(json.dumps({"type": "sync", "after": self.synced_id}))

    async def stop(self):
        self.stopping = True
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task


async def wait_for(predicate, timeout=30, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        await asyncio.sleep(interval)
    return predicate()
