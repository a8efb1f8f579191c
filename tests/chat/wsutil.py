"""Helpers for talking to the chat consumer in-process (channels.testing)."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

ORIGIN = (b"origin", b"http://testserver")
HOST = (b"host", b"testserver")  # the origin check compares the Origin with the served host


def run_in_thread(function):
    """Run `function` in a thread of its own: Playwright's sync API (the session's browser)
    keeps an event loop running in the main thread, where no other loop may run."""
    from django.db import connections

    def target():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(target).result()


def run_async(coroutine_function):
    """Run an async scenario (with the ORM reachable through sync_to_async) to completion."""
    return run_in_thread(async_to_sync(coroutine_function))


def run_loop(coroutine):
    """asyncio.run in a thread of its own (see run_in_thread)."""
    return run_in_thread(lambda: asyncio.run(coroutine))


def session_key_for(user):
    client = Client()
    client.force_login(user)
    return client.session.session_key


async def connect(room_id, user=None, origin=ORIGIN, session_key=None):
    """A communicator against openlab.asgi.application; returns (communicator, connected)."""
    from openlab.asgi import application

    headers = [HOST] if origin is None else [HOST, origin]
    if user is not None and session_key is None:
        session_key = await sync_to_async(session_key_for)(user)
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    communicator = WebsocketCommunicator(application, f"/ws/chat/{room_id}/", headers=headers)
    connected, _code = await communicator.connect(timeout=15)
    return communicator, connected


async def receive(communicator, kinds=None, timeout=15):
    """The next frame (of one of `kinds` when given), skipping presence frames."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if kinds is None and frame["type"] != "presence":
            return frame
        if kinds is not None and frame["type"] in kinds:
            return frame


async def send(communicator, **frame):
    await communicator.send_to(text_data=json.dumps(frame, ensure_ascii=False))
